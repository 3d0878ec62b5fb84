import { type ItemContent, type ItemField, type ItemType, WatchwordError, folderFromSegments, validateItemContent } from '@watchword/protocol';
import { type ImportedItem, importError } from './types.ts';

export interface DraftField {
  name: string;
  value: string | undefined | null;
  hidden?: boolean;
  kind?: 'text' | 'boolean';
  /** Keep the field even with an empty value (a user-made field whose name alone says something). */
  keepEmpty?: boolean;
}

/** What a format's reader gathers about one item; `makeItem` turns it into a valid item without losing any of it. */
export interface Draft {
  type?: ItemType;
  name?: string | null;
  notes?: string | null;
  favorite?: boolean;
  archived?: boolean;
  trashed?: boolean;
  /** Folder segments, root first. */
  folder?: readonly string[];
  tags?: readonly string[];
  username?: string | null;
  password?: string | null;
  urls?: readonly (string | null | undefined)[];
  /** TOTP secrets or otpauth URIs; the first is the item's, the others become hidden fields. */
  totp?: readonly (string | null | undefined)[];
  card?: Partial<Record<keyof NonNullable<ItemContent['card']>, string | null | undefined>>;
  identity?: Partial<Record<keyof NonNullable<ItemContent['identity']>, string | null | undefined>>;
  fields?: readonly DraftField[];
  leftOut?: readonly string[];
}

const has = (v: string | null | undefined): v is string => typeof v === 'string' && v !== '';

function compact<T extends Record<string, string | null | undefined>>(section: T | undefined): Record<string, string> | undefined {
  if (!section) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(section)) if (has(v)) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The host of a URL as people write them ("example.com/login" included), lower-cased; '' when there is none. */
export function hostOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/**
 * Builds one imported item from a draft. Nothing is dropped: a value with no slot in the item's type becomes a custom
 * field; empty values are simply absent. The result is validated; one that does not fit the item model's bounds is
 * an error naming its place in the file (never its values), and the whole import stops before anything is stored.
 */
export function makeItem(draft: Draft, source: string): ImportedItem {
  const type = draft.type ?? 'login';
  const fields: ItemField[] = [];
  const push = (f: DraftField) => {
    if (!has(f.value) && !(f.keepEmpty && has(f.name))) return;
    fields.push({ name: has(f.name) ? f.name.slice(0, 128) : 'Field', value: f.value ?? '', hidden: f.hidden === true, ...(f.kind ? { kind: f.kind } : {}) });
  };
  const urls = [...new Set((draft.urls ?? []).filter(has))];
  const totps = (draft.totp ?? []).filter(has);
  const login: NonNullable<ItemContent['login']> = {};
  if (type === 'login') {
    if (has(draft.username)) login.username = draft.username;
    if (has(draft.password)) login.password = draft.password;
    if (urls.length > 0) login.urls = urls;
    if (totps[0] !== undefined) login.totp = totps[0];
    totps.slice(1).forEach((t, i) => push({ name: `TOTP ${i + 2}`, value: t, hidden: true }));
  } else {
    push({ name: 'Username', value: draft.username });
    push({ name: 'Password', value: draft.password, hidden: true });
    urls.forEach((u, i) => push({ name: urls.length > 1 ? `URL ${i + 1}` : 'URL', value: u }));
    totps.forEach((t, i) => push({ name: totps.length > 1 ? `TOTP ${i + 1}` : 'TOTP', value: t, hidden: true }));
  }
  for (const f of draft.fields ?? []) push(f);
  const card = compact(draft.card);
  const identity = compact(draft.identity);
  const name = has(draft.name) ? draft.name : hostOf(urls[0]) || (has(draft.username) ? draft.username : '') || 'Untitled';
  const tags = [...new Set((draft.tags ?? []).map((t) => t.trim()).filter(has))].map((t) => t.slice(0, 128));
  const content: ItemContent = {
    type,
    name: name.length > 256 ? name.slice(0, 256) : name,
    ...(has(draft.notes) ? { notes: draft.notes } : {}),
    ...(draft.favorite ? { favorite: true } : {}),
    ...(draft.archived ? { archived: true } : {}),
    ...folderFromSegments((draft.folder ?? []).map((s) => s.slice(0, 128))),
    ...(tags.length > 0 ? { tags } : {}),
    fields,
    ...(Object.keys(login).length > 0 ? { login } : {}),
    ...(card && type === 'card' ? { card } : {}),
    ...(identity && type === 'identity' ? { identity } : {}),
  };
  if (name.length > 256) content.fields.push({ name: 'Full name', value: name.slice(0, 4096), hidden: false });
  if (card && type !== 'card') for (const [k, v] of Object.entries(card)) content.fields.push({ name: k, value: v, hidden: k === 'number' || k === 'code' });
  if (identity && type !== 'identity') for (const [k, v] of Object.entries(identity)) content.fields.push({ name: k, value: v, hidden: false });
  try {
    validateItemContent(content);
  } catch (error) {
    const field = error instanceof WatchwordError ? String(error.details?.['field'] ?? '') : '';
    throw importError('IMPORT_TOO_LARGE', `${source}: the item does not fit Watchword's limits (${field || 'item'})`, { source, field });
  }
  return { content, trashed: draft.trashed === true, leftOut: [...(draft.leftOut ?? [])], source };
}
