import { type Draft, type DraftField, makeItem } from './item-builder.ts';
import { arr, decodeUtf8, isRecord, parseJson, rec, str } from './json.ts';
import { type ImportedItem, importError } from './types.ts';
import { expiry } from './csv-formats.ts';

/** 1Password's category ids (1PUX `categoryUuid`); the four with a slot of their own, the rest become notes. */
const CATEGORY_NAMES: Record<string, string> = {
  '001': 'Login', '002': 'Credit Card', '003': 'Secure Note', '004': 'Identity', '005': 'Password', '006': 'Document',
  '100': 'Software License', '101': 'Bank Account', '102': 'Database', '103': 'Driver License', '104': 'Outdoor License',
  '105': 'Membership', '106': 'Passport', '107': 'Reward Program', '108': 'Social Security Number', '109': 'Wireless Router',
  '110': 'Server', '111': 'Email Account', '112': 'API Credential', '113': 'Medical Record', '114': 'SSH Key', '115': 'Crypto Wallet',
};

interface Value {
  text: string;
  hidden: boolean;
  totp?: boolean;
  file?: string;
}

/** A 1PUX field value (`{ "<kind>": … }`) as text. */
function valueOf(value: unknown): Value | undefined {
  if (!isRecord(value)) return undefined;
  const [kind, v] = Object.entries(value)[0] ?? [];
  if (kind === undefined || v === null || v === undefined) return undefined;
  switch (kind) {
    case 'concealed':
    case 'creditCardNumber':
      return { text: String(v), hidden: true };
    case 'totp':
      return { text: String(v), hidden: true, totp: true };
    case 'email':
      return { text: str(v, 'email_address'), hidden: false };
    case 'date':
      return typeof v === 'number' ? { text: new Date(v * 1000).toISOString().slice(0, 10), hidden: false } : undefined;
    case 'monthYear': {
      const e = expiry(String(v));
      return { text: e.expMonth ? `${e.expMonth}/${e.expYear}` : String(v), hidden: false };
    }
    case 'address':
      return isRecord(v) ? { text: ['street', 'city', 'state', 'zip', 'country'].map((k) => str(v, k)).filter((s) => s !== '').join(', '), hidden: false } : undefined;
    case 'sshKey':
      return { text: str(v, 'privateKey'), hidden: true };
    case 'file':
      return { text: '', hidden: false, file: str(v, 'fileName') || str(rec(v, 'documentAttributes'), 'fileName') || 'a file' };
    default:
      return typeof v === 'object' ? { text: JSON.stringify(v), hidden: false } : { text: String(v), hidden: false };
  }
}

function draftOf(item: Record<string, unknown>, vaultName: string): Draft {
  const category = str(item, 'categoryUuid');
  const overview = rec(item, 'overview');
  const details = rec(item, 'details');
  const type = category === '001' || category === '005' ? 'login' : category === '002' ? 'card' : category === '004' ? 'identity' : 'note';
  const fields: DraftField[] = [];
  const totp: string[] = [];
  const leftOut: string[] = [];
  const card: NonNullable<Draft['card']> = {};
  const identity: NonNullable<Draft['identity']> = {};
  let username = '';
  let password = str(details, 'password');
  for (const f of arr(details, 'loginFields')) {
    const designation = str(f, 'designation');
    const value = str(f, 'value');
    if (designation === 'username' && !username) username = value;
    else if (designation === 'password' && !password) password = value;
    else if (value !== '') fields.push({ name: str(f, 'name') || str(f, 'designation') || 'Field', value, hidden: str(f, 'fieldType') === 'P', ...(str(f, 'fieldType') === 'C' ? { kind: 'boolean' as const, value: value === '✓' || value === 'true' ? 'true' : 'false' } : {}) });
  }
  for (const section of arr(details, 'sections')) {
    for (const f of arr(section, 'fields')) {
      const v = valueOf(isRecord(f) ? f['value'] : undefined);
      if (!v) continue;
      if (v.file) {
        leftOut.push(`attachment "${v.file}"`);
        continue;
      }
      if (v.text === '') continue;
      const id = str(f, 'id');
      const title = str(f, 'title') || id || 'Field';
      if (v.totp && totp.length === 0) totp.push(v.text);
      else if (type === 'card' && id === 'cardholder') card.cardholder = v.text;
      else if (type === 'card' && id === 'type') card.brand = v.text;
      else if (type === 'card' && id === 'ccnum') card.number = v.text;
      else if (type === 'card' && id === 'cvv') card.code = v.text;
      else if (type === 'card' && id === 'expiry') Object.assign(card, expiry(String((f as Record<string, Record<string, unknown>>)['value']?.['monthYear'] ?? '')));
      else if (type === 'identity' && id === 'firstname') identity.firstName = v.text;
      else if (type === 'identity' && id === 'initial') identity.middleName = v.text;
      else if (type === 'identity' && id === 'lastname') identity.lastName = v.text;
      else if (type === 'identity' && id === 'company') identity.company = v.text;
      else if (type === 'identity' && id === 'email') identity.email = v.text;
      else if (type === 'identity' && id === 'defphone') identity.phone = v.text;
      else if (type === 'identity' && id === 'username') identity.username = v.text;
      else if (type === 'identity' && id === 'address') {
        const a = (f as Record<string, Record<string, unknown>>)['value']?.['address'];
        Object.assign(identity, { address: str(a, 'street'), city: str(a, 'city'), state: str(a, 'state'), postalCode: str(a, 'zip'), country: str(a, 'country') });
      } else fields.push({ name: title, value: v.text, hidden: v.hidden });
    }
  }
  const doc = rec(details, 'documentAttributes');
  if (doc) leftOut.push(`attachment "${str(doc, 'fileName') || 'document'}"`);
  for (const [i, h] of arr(details, 'passwordHistory').entries()) fields.push({ name: `Password history ${i + 1}`, value: str(h, 'value'), hidden: true });
  if (type === 'note' && category !== '003') fields.unshift({ name: '1Password category', value: CATEGORY_NAMES[category] ?? category });
  const urls = [str(overview, 'url'), ...arr(overview, 'urls').map((u) => str(u, 'url'))];
  const state = str(item, 'state');
  return {
    type,
    name: str(overview, 'title'),
    notes: str(details, 'notesPlain'),
    favorite: Number(item['favIndex']) > 0,
    archived: state === 'archived',
    trashed: state === 'trashed' || state === 'deleted',
    folder: [vaultName],
    tags: arr(overview, 'tags').filter((t): t is string => typeof t === 'string'),
    username,
    password,
    urls,
    totp,
    card,
    identity,
    fields,
    leftOut,
  };
}

/** Reads 1Password's `export.data` (the JSON inside a 1PUX zip): every account, every vault (a folder each), every item. */
export function parse1pux(data: Uint8Array): ImportedItem[] {
  const doc = parseJson(decodeUtf8(data), 'export.data');
  if (!isRecord(doc) || !Array.isArray(doc['accounts'])) throw importError('IMPORT_UNREADABLE', 'export.data: not a 1Password export (no "accounts")');
  const items: ImportedItem[] = [];
  let n = 0;
  for (const account of arr(doc, 'accounts')) {
    for (const vault of arr(account, 'vaults')) {
      const vaultName = str(rec(vault, 'attrs'), 'name');
      for (const item of arr(vault, 'items')) {
        n++;
        if (!isRecord(item)) throw importError('IMPORT_UNREADABLE', `export.data: entry ${n}: not an object`, { entry: n });
        items.push(makeItem(draftOf(item, vaultName), `entry ${n}`));
      }
    }
  }
  return items;
}
