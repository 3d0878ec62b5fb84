import { type Draft, type DraftField, makeItem } from './item-builder.ts';
import { arr, isRecord, rec, str } from './json.ts';
import { expiry } from './csv-formats.ts';
import { type ImportedItem, importError } from './types.ts';

/** Proton Pass extra fields: text, hidden, and TOTP (`data.totpUri`). */
function extraFields(list: unknown[], prefix = ''): { fields: DraftField[] } {
  return {
    fields: list.map((f) => {
      const type = str(f, 'type');
      const data = rec(f, 'data');
      return { name: `${prefix}${str(f, 'fieldName')}`, value: type === 'totp' ? str(data, 'totpUri') : str(data, 'content'), hidden: type === 'hidden' || type === 'totp' };
    }),
  };
}

const IDENTITY_SLOTS: Record<string, keyof NonNullable<Draft['identity']>> = {
  firstName: 'firstName', middleName: 'middleName', lastName: 'lastName', email: 'email', phoneNumber: 'phone', company: 'company',
  streetAddress: 'address', zipOrPostalCode: 'postalCode', city: 'city', stateOrProvince: 'state', countryOrRegion: 'country',
  socialSecurityNumber: 'ssn', passportNumber: 'passportNumber', licenseNumber: 'licenseNumber',
};

function identityOf(content: Record<string, unknown>): Pick<Draft, 'identity' | 'fields'> {
  const identity: NonNullable<Draft['identity']> = {};
  const fields: DraftField[] = [];
  for (const [key, value] of Object.entries(content)) {
    if (Array.isArray(value)) {
      if (key === 'extraSections') for (const s of value) fields.push(...extraFields(arr(s, 'sectionFields'), `${str(s, 'sectionName')}: `).fields);
      else fields.push(...extraFields(value).fields);
    } else if (typeof value === 'string' && value !== '') {
      const slot = IDENTITY_SLOTS[key];
      if (slot) identity[slot] = value;
      else fields.push({ name: key, value });
    }
  }
  return { identity, fields };
}

function draftOf(item: Record<string, unknown>, vaultName: string): Draft {
  const data = rec(item, 'data') ?? {};
  const content = rec(data, 'content') ?? {};
  const type = str(data, 'type');
  const base: Draft = {
    name: str(rec(data, 'metadata'), 'name'),
    notes: str(rec(data, 'metadata'), 'note'),
    favorite: item['pinned'] === true,
    trashed: item['state'] === 2,
    folder: [vaultName],
    fields: extraFields(arr(data, 'extraFields')).fields,
    leftOut: arr(item, 'files').length > 0 || arr(data, 'files').length > 0 ? ['attachments'] : [],
  };
  const more = (fields: readonly DraftField[]) => [...(base.fields ?? []), ...fields];
  if (type === 'login') {
    const email = str(content, 'itemEmail');
    const username = str(content, 'itemUsername') || str(content, 'username');
    const passkeys = arr(content, 'passkeys').length;
    return {
      ...base,
      type: 'login',
      username: username || email,
      password: str(content, 'password'),
      urls: arr(content, 'urls').filter((u): u is string => typeof u === 'string'),
      totp: [str(content, 'totpUri')],
      fields: username && email ? more([{ name: 'Email', value: email }]) : base.fields,
      leftOut: [...(base.leftOut ?? []), ...(passkeys > 0 ? [passkeys === 1 ? 'a passkey' : `${passkeys} passkeys`] : [])],
    };
  }
  if (type === 'creditCard') {
    return {
      ...base,
      type: 'card',
      card: { cardholder: str(content, 'cardholderName'), number: str(content, 'number'), code: str(content, 'verificationNumber'), ...expiry(str(content, 'expirationDate')) },
      fields: more([{ name: 'PIN', value: str(content, 'pin'), hidden: true }]),
    };
  }
  if (type === 'identity') {
    const { identity, fields } = identityOf(content);
    return { ...base, type: 'identity', identity, fields: more(fields ?? []) };
  }
  if (type === 'note') return { ...base, type: 'note' };
  // Aliases, SSH keys, Wi-Fi and custom items: a note with every value as a field.
  const values: DraftField[] = [{ name: 'Proton Pass type', value: type }];
  if (type === 'alias') values.push({ name: 'Alias', value: str(item, 'aliasEmail') });
  for (const [key, value] of Object.entries(content)) {
    if (typeof value === 'string') values.push({ name: key, value, hidden: /key|password|secret/i.test(key) });
    else if (Array.isArray(value) && key !== 'sections') values.push(...extraFields(value).fields);
  }
  for (const s of arr(content, 'sections')) values.push(...extraFields(arr(s, 'sectionFields'), `${str(s, 'sectionName')}: `).fields);
  return { ...base, type: 'note', fields: more(values) };
}

/** Reads Proton Pass's unencrypted JSON export (`data.json`, alone or inside its zip). */
export function parseProtonPassJson(doc: unknown): ImportedItem[] {
  if (!isRecord(doc) || !isRecord(doc['vaults'])) throw importError('IMPORT_UNREADABLE', 'the file is not a Proton Pass export (no "vaults")');
  if (doc['encrypted'] === true) throw importError('IMPORT_UNREADABLE', 'this Proton Pass export is PGP-encrypted: export again without encryption');
  const items: ImportedItem[] = [];
  let n = 0;
  for (const vault of Object.values(doc['vaults'])) {
    for (const item of arr(vault, 'items')) {
      n++;
      if (!isRecord(item)) throw importError('IMPORT_UNREADABLE', `entry ${n}: not an object`, { entry: n });
      items.push(makeItem(draftOf(item, str(vault, 'name')), `entry ${n}`));
    }
  }
  return items;
}

export const isProtonPassJson = (doc: unknown): boolean => isRecord(doc) && isRecord(doc['vaults']) && ('userId' in doc || 'version' in doc);
