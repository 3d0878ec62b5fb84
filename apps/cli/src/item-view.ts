import type { CacheIndexEntry, ItemContent, VaultItem } from '@watchword/client';
import { type ItemType, WatchwordError, parseTotpSecret, totp } from '@watchword/protocol';
import { CliError, EXIT } from './errors.ts';
import { clean } from './output.ts';

/**
 * How `ww get` shows an item and reads one field of it. Every field of every item type has a name here, so that
 * `ww get ITEM` shows it and `ww get ITEM --field NAME` prints it alone; secrets show as stars in the overview.
 */
interface FieldSpec {
  name: string;
  read: (c: ItemContent) => string | undefined;
  secret?: boolean;
}

const LOGIN: FieldSpec[] = [
  { name: 'username', read: (c) => c.login?.username },
  { name: 'password', read: (c) => c.login?.password, secret: true },
  { name: 'totp-secret', read: (c) => c.login?.totp, secret: true },
];

const CARD: FieldSpec[] = [
  { name: 'cardholder', read: (c) => c.card?.cardholder },
  { name: 'brand', read: (c) => c.card?.brand },
  { name: 'number', read: (c) => c.card?.number, secret: true },
  { name: 'expiry', read: (c) => expiry(c) },
  { name: 'exp-month', read: (c) => c.card?.expMonth },
  { name: 'exp-year', read: (c) => c.card?.expYear },
  { name: 'code', read: (c) => c.card?.code, secret: true },
];

const IDENTITY: FieldSpec[] = [
  { name: 'title', read: (c) => c.identity?.title },
  { name: 'first-name', read: (c) => c.identity?.firstName },
  { name: 'middle-name', read: (c) => c.identity?.middleName },
  { name: 'last-name', read: (c) => c.identity?.lastName },
  { name: 'email', read: (c) => c.identity?.email },
  { name: 'phone', read: (c) => c.identity?.phone },
  { name: 'address', read: (c) => c.identity?.address },
  { name: 'company', read: (c) => c.identity?.company },
  { name: 'identity-username', read: (c) => c.identity?.username },
  { name: 'city', read: (c) => c.identity?.city },
  { name: 'state', read: (c) => c.identity?.state },
  { name: 'postal-code', read: (c) => c.identity?.postalCode },
  { name: 'country', read: (c) => c.identity?.country },
  { name: 'ssn', read: (c) => c.identity?.ssn, secret: true },
  { name: 'passport-number', read: (c) => c.identity?.passportNumber, secret: true },
  { name: 'license-number', read: (c) => c.identity?.licenseNumber, secret: true },
];

const COMMON: FieldSpec[] = [
  { name: 'name', read: (c) => c.name },
  { name: 'notes', read: (c) => c.notes },
  { name: 'folder', read: (c) => c.folder },
  { name: 'url', read: (c) => c.login?.urls?.[0] },
];

const ALL: FieldSpec[] = [...COMMON, ...LOGIN, ...CARD, ...IDENTITY];

/** The field names `--field` knows besides custom fields (for help texts and completion). */
export const KNOWN_FIELDS: readonly string[] = ['id', 'totp', ...ALL.map((f) => f.name)];

function expiry(c: ItemContent): string | undefined {
  const { expMonth, expYear } = c.card ?? {};
  if (!expMonth && !expYear) return undefined;
  return `${expMonth ?? '??'}/${expYear ?? '????'}`;
}

/** The current TOTP code of a secret or otpauth:// URI, and the seconds it stays valid. */
export async function currentTotp(secret: string, now = Date.now()): Promise<{ code: string; remaining: number }> {
  let parsed;
  try {
    parsed = parseTotpSecret(secret);
  } catch (error) {
    if (error instanceof WatchwordError) throw new CliError('the item\'s TOTP secret is not a base32 secret or an otpauth:// URI', EXIT.usage);
    throw error;
  }
  const code = await totp(parsed.secret, now, parsed.params);
  parsed.secret.fill(0);
  const period = parsed.params.period;
  return { code, remaining: period - (Math.floor(now / 1000) % period) };
}

/**
 * The value of one field: `totp` is the current code (the secret itself is `totp-secret`), `id`, a standard field of
 * the item's type, or a custom field's name.
 */
export async function fieldValue(item: VaultItem, field: string): Promise<string> {
  const c = item.content;
  if (field === 'id') return item.id;
  if (field === 'totp') {
    if (!c.login?.totp) throw new CliError('the item has no TOTP secret', EXIT.notFound);
    return (await currentTotp(c.login.totp)).code;
  }
  const standard = ALL.find((f) => f.name === field)?.read(c);
  if (standard !== undefined && standard !== '') return standard;
  const custom = c.fields.find((f) => f.name === field);
  if (custom) return custom.value;
  throw new CliError(`the item has no ${field}`, EXIT.notFound);
}

const TYPE_FIELDS: Record<ItemType, FieldSpec[]> = { login: LOGIN, note: [], card: CARD.filter((f) => f.name !== 'exp-month' && f.name !== 'exp-year'), identity: IDENTITY };

/** Every field of the item as label/value rows, secrets as a hint to `--field`. */
export async function itemRows(item: VaultItem): Promise<[string, string][]> {
  const c = item.content;
  const rows: [string, string][] = [
    ['name', c.name],
    ['type', c.type],
    ['id', item.id],
  ];
  // Fields of every type the item carries data for, its own type first (an item changed from login to note keeps
  // its login data; it is shown rather than hidden).
  const types: ItemType[] = [c.type, ...(['login', 'card', 'identity'] as const).filter((t) => t !== c.type)];
  for (const type of types) {
    for (const spec of TYPE_FIELDS[type]) {
      const value = spec.read(c);
      if (value === undefined || value === '') continue;
      rows.push([spec.name, spec.secret ? `******** (--field ${spec.name})` : value]);
    }
    if (type === 'login') {
      for (const url of c.login?.urls ?? []) rows.push(['url', url]);
      if (c.login?.totp) {
        try {
          const { code, remaining } = await currentTotp(c.login.totp);
          rows.push(['totp', `${code} (${remaining} s left; --field totp)`]);
        } catch {
          rows.push(['totp', 'the secret is not valid (--field totp-secret)']);
        }
      }
    }
  }
  if (c.folder) rows.push(['folder', c.folder]);
  if (c.favorite) rows.push(['favorite', 'yes']);
  if (c.archived) rows.push(['archived', 'yes']);
  if (c.tags && c.tags.length > 0) rows.push(['tags', c.tags.join(', ')]);
  for (const f of c.fields) rows.push([f.name, f.hidden ? `******** (--field ${f.name})` : f.kind === 'boolean' ? (f.value === 'true' ? 'yes' : 'no') : f.value]);
  if (c.notes) rows.push(['notes', c.notes]);
  rows.push(['created', new Date(item.createdAt).toISOString()]);
  rows.push(['updated', new Date(item.updatedAt).toISOString()]);
  if (item.deletedAt) rows.push(['in trash since', new Date(item.deletedAt).toISOString()]);
  return rows;
}

export function renderRows(rows: [string, string][]): string {
  const width = Math.min(20, Math.max(...rows.map(([k]) => k.length)));
  return rows.map(([k, v]) => `${clean(k).padEnd(width)}  ${clean(v)}`).join('\n');
}

export interface ListFilter {
  folder?: string;
  type?: ItemType;
  favorite?: boolean;
}

/**
 * Index entries matching every given filter. The search itself (name, user name, URLs, notes, an identity's e-mail,
 * names and company, a card's holder and brand, visible custom field values) is the local copy's (CachedVault.search),
 * which reads the same texts from its sealed index.
 */
export function filterEntries(entries: CacheIndexEntry[], filter: ListFilter): CacheIndexEntry[] {
  const folder = filter.folder?.toLowerCase();
  return entries.filter((e) => {
    if (filter.type && e.type !== filter.type) return false;
    if (folder !== undefined && (e.folder ?? '').toLowerCase() !== folder) return false;
    if (filter.favorite !== undefined && e.favorite !== filter.favorite) return false;
    return true;
  });
}
