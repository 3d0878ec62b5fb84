import { type Draft, type DraftField, makeItem } from './item-builder.ts';
import { arr, isRecord, rec, str } from './json.ts';
import { type ImportedItem, importError } from './types.ts';

const TYPES = { 1: 'login', 2: 'note', 3: 'card', 4: 'identity' } as const;

/** Whether parsed JSON is an encrypted Bitwarden export. */
export const isEncryptedBitwarden = (doc: unknown): doc is Record<string, unknown> => isRecord(doc) && doc['encrypted'] === true && typeof doc['data'] === 'string';

/** Whether parsed JSON is a Bitwarden export (plain or password-protected). */
export function isBitwardenJson(doc: unknown): boolean {
  if (!isRecord(doc)) return false;
  if (doc['encrypted'] === true && typeof doc['data'] === 'string') return true;
  return Array.isArray(doc['items']) && (Array.isArray(doc['folders']) || Array.isArray(doc['collections']) || typeof doc['encrypted'] === 'boolean') && doc['items'].every((i) => isRecord(i) && typeof i['type'] === 'number');
}

function fieldsOf(item: unknown): { fields: DraftField[]; leftOut: string[] } {
  const fields: DraftField[] = [];
  const leftOut: string[] = [];
  for (const f of arr(item, 'fields')) {
    const type = isRecord(f) ? f['type'] : undefined;
    const name = str(f, 'name');
    if (type === 3) leftOut.push(`linked field "${name}"`);
    else fields.push({ name, value: str(f, 'value'), hidden: type === 1, keepEmpty: true, ...(type === 2 ? { kind: 'boolean' as const } : {}) });
  }
  return { fields, leftOut };
}

/** One Bitwarden cipher (the `items` of an export) as a draft. */
function draftOf(item: Record<string, unknown>, folders: Map<string, string>, collections: Map<string, string>): Draft {
  const type = TYPES[item['type'] as keyof typeof TYPES];
  const { fields, leftOut } = fieldsOf(item);
  const folderName = folders.get(str(item, 'folderId')) ?? collections.get(String(arr(item, 'collectionIds').find((c) => typeof c === 'string') ?? '')) ?? '';
  const login = rec(item, 'login');
  const base: Draft = {
    type: type ?? 'note',
    name: str(item, 'name'),
    notes: str(item, 'notes'),
    favorite: item['favorite'] === true,
    trashed: typeof item['deletedDate'] === 'string',
    // Bitwarden nests folders by their names: "Emails/WS" is WS inside Emails.
    folder: folderName.split('/'),
    fields,
    leftOut,
  };
  for (const [i, h] of arr(item, 'passwordHistory').entries()) {
    base.fields = [...(base.fields ?? []), { name: `Password history ${i + 1}${str(h, 'lastUsedDate') ? ` (${str(h, 'lastUsedDate')})` : ''}`, value: str(h, 'password'), hidden: true }];
  }
  if (login) {
    base.username = str(login, 'username');
    base.password = str(login, 'password');
    base.urls = arr(login, 'uris').map((u) => str(u, 'uri'));
    base.totp = [str(login, 'totp')];
    const passkeys = arr(login, 'fido2Credentials').length;
    if (passkeys > 0) base.leftOut = [...(base.leftOut ?? []), passkeys === 1 ? 'a passkey' : `${passkeys} passkeys`];
  }
  const card = rec(item, 'card');
  if (type === 'card' && card) {
    base.card = { cardholder: str(card, 'cardholderName'), brand: str(card, 'brand'), number: str(card, 'number'), expMonth: str(card, 'expMonth').padStart(str(card, 'expMonth') ? 2 : 0, '0'), expYear: str(card, 'expYear'), code: str(card, 'code') };
  }
  const id = rec(item, 'identity');
  if (type === 'identity' && id) {
    base.identity = {
      title: str(id, 'title'),
      firstName: str(id, 'firstName'),
      middleName: str(id, 'middleName'),
      lastName: str(id, 'lastName'),
      address: ['address1', 'address2', 'address3'].map((k) => str(id, k)).filter((a) => a !== '').join('\n'),
      city: str(id, 'city'),
      state: str(id, 'state'),
      postalCode: str(id, 'postalCode'),
      country: str(id, 'country'),
      company: str(id, 'company'),
      email: str(id, 'email'),
      phone: str(id, 'phone'),
      ssn: str(id, 'ssn'),
      username: str(id, 'username'),
      passportNumber: str(id, 'passportNumber'),
      licenseNumber: str(id, 'licenseNumber'),
    };
  }
  const ssh = rec(item, 'sshKey');
  if (ssh) {
    base.fields = [...(base.fields ?? []), { name: 'Private key', value: str(ssh, 'privateKey'), hidden: true }, { name: 'Public key', value: str(ssh, 'publicKey') }, { name: 'Fingerprint', value: str(ssh, 'keyFingerprint') }];
  }
  if (!type && !ssh) base.fields = [...(base.fields ?? []), { name: 'Bitwarden type', value: str(item, 'type') }];
  return base;
}

/** Reads a plain (decrypted) Bitwarden JSON export. */
export function parseBitwardenJson(doc: unknown): ImportedItem[] {
  if (!isRecord(doc) || !Array.isArray(doc['items'])) throw importError('IMPORT_UNREADABLE', 'the file is not a Bitwarden JSON export (no "items")');
  const folders = new Map(arr(doc, 'folders').map((f) => [str(f, 'id'), str(f, 'name')] as const));
  const collections = new Map(arr(doc, 'collections').map((f) => [str(f, 'id'), str(f, 'name')] as const));
  return doc['items'].map((item, i) => {
    if (!isRecord(item)) throw importError('IMPORT_UNREADABLE', `entry ${i + 1}: not an object`, { entry: i + 1 });
    return makeItem(draftOf(item, folders, collections), `entry ${i + 1}`);
  });
}
