import type { ItemContent, ItemField } from '@watchword/protocol';
import type { VaultItem } from '../vault.ts';

/**
 * Bitwarden's unencrypted JSON export (the shape its own "Export vault → .json" writes and its importer and
 * Vaultwarden's read): `{ encrypted: false, folders: [{ id, name }], items: [...] }`, item types 1 login, 2 secure
 * note, 3 card, 4 identity; custom fields of type 0 text, 1 hidden, 2 boolean; favourites; TOTP; every URL as a
 * `login.uris` entry. Folder paths stay as they are ("Work/Servers": Bitwarden nests folders by `/` in the name).
 * Bitwarden's export leaves the trash out, and so does this one: the result says how many items stayed behind.
 */
export interface BitwardenField {
  name: string;
  value: string;
  type: 0 | 1 | 2;
  linkedId: null;
}

export interface BitwardenItem {
  id: string;
  organizationId: null;
  folderId: string | null;
  type: 1 | 2 | 3 | 4;
  reprompt: 0;
  name: string;
  notes: string | null;
  favorite: boolean;
  fields?: BitwardenField[];
  login?: { uris: { match: null; uri: string }[]; username: string | null; password: string | null; totp: string | null };
  secureNote?: { type: 0 };
  card?: { cardholderName: string | null; brand: string | null; number: string | null; expMonth: string | null; expYear: string | null; code: string | null };
  identity?: Record<(typeof IDENTITY_KEYS)[number], string | null>;
  collectionIds: null;
  creationDate: string;
  revisionDate: string;
}

export interface BitwardenExport {
  encrypted: false;
  folders: { id: string; name: string }[];
  items: BitwardenItem[];
}

const IDENTITY_KEYS = [
  'title', 'firstName', 'middleName', 'lastName', 'address1', 'address2', 'address3', 'city', 'state', 'postalCode',
  'country', 'company', 'email', 'phone', 'ssn', 'username', 'passportNumber', 'licenseNumber',
] as const;

const TYPES = { login: 1, note: 2, card: 3, identity: 4 } as const;
const orNull = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value);

/** A field's Bitwarden type: 2 for a yes/no field (when the item model has one), 1 hidden, 0 text. */
function fieldType(field: ItemField): 0 | 1 | 2 {
  if ((field as ItemField & { type?: unknown }).type === 'boolean') return 2;
  return field.hidden ? 1 : 0;
}

function item(vaultItem: VaultItem, folderId: string | null): BitwardenItem {
  const c: ItemContent = vaultItem.content;
  const out: BitwardenItem = {
    id: vaultItem.id,
    organizationId: null,
    folderId,
    type: TYPES[c.type],
    reprompt: 0,
    name: c.name,
    notes: orNull(c.notes),
    favorite: c.favorite === true,
    collectionIds: null,
    creationDate: new Date(vaultItem.createdAt).toISOString(),
    revisionDate: new Date(vaultItem.updatedAt).toISOString(),
  };
  if (c.fields.length > 0) out.fields = c.fields.map((f) => ({ name: f.name, value: f.value, type: fieldType(f), linkedId: null }));
  switch (c.type) {
    case 'login':
      out.login = {
        uris: (c.login?.urls ?? []).map((uri) => ({ match: null, uri })),
        username: orNull(c.login?.username),
        password: orNull(c.login?.password),
        totp: orNull(c.login?.totp),
      };
      break;
    case 'note':
      out.secureNote = { type: 0 };
      break;
    case 'card':
      out.card = {
        cardholderName: orNull(c.card?.cardholder),
        brand: orNull(c.card?.brand),
        number: orNull(c.card?.number),
        expMonth: orNull(c.card?.expMonth),
        expYear: orNull(c.card?.expYear),
        code: orNull(c.card?.code),
      };
      break;
    case 'identity': {
      const identity = Object.fromEntries(IDENTITY_KEYS.map((k) => [k, null])) as Record<(typeof IDENTITY_KEYS)[number], string | null>;
      const i = c.identity ?? {};
      Object.assign(identity, {
        title: orNull(i.title),
        firstName: orNull(i.firstName),
        lastName: orNull(i.lastName),
        email: orNull(i.email),
        phone: orNull(i.phone),
        address1: orNull(i.address),
        company: orNull(i.company),
        username: orNull(i.username),
      });
      out.identity = identity;
      break;
    }
  }
  // A login's username/password/URLs on a non-login item have no slot in Bitwarden's other types: kept as fields.
  if (c.type !== 'login' && c.login) {
    const extra: BitwardenField[] = [];
    if (c.login.username) extra.push({ name: 'username', value: c.login.username, type: 0, linkedId: null });
    if (c.login.password) extra.push({ name: 'password', value: c.login.password, type: 1, linkedId: null });
    for (const url of c.login.urls ?? []) extra.push({ name: 'url', value: url, type: 0, linkedId: null });
    if (c.login.totp) extra.push({ name: 'totp', value: c.login.totp, type: 1, linkedId: null });
    if (extra.length > 0) out.fields = [...(out.fields ?? []), ...extra];
  }
  return out;
}

/** The vault as a Bitwarden export; trashed items are left out (counted in `skippedTrashed`). */
export function toBitwardenExport(items: readonly VaultItem[]): { data: BitwardenExport; skippedTrashed: number } {
  const live = items.filter((i) => i.deletedAt === null);
  const folderIds = new Map<string, string>();
  for (const i of live) {
    const folder = i.content.folder;
    if (folder !== undefined && folder !== '' && !folderIds.has(folder)) folderIds.set(folder, crypto.randomUUID());
  }
  const folders = [...folderIds].map(([name, id]) => ({ id, name }));
  const data: BitwardenExport = {
    encrypted: false,
    folders,
    items: live.map((i) => item(i, i.content.folder ? (folderIds.get(i.content.folder) ?? null) : null)),
  };
  return { data, skippedTrashed: items.length - live.length };
}
