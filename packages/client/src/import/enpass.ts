import { type Draft, type DraftField, makeItem } from './item-builder.ts';
import { arr, isRecord, str } from './json.ts';
import { expiry } from './csv-formats.ts';
import { type ImportedItem, importError } from './types.ts';

function folderPaths(doc: Record<string, unknown>): Map<string, string[]> {
  const byId = new Map(arr(doc, 'folders').map((f) => [str(f, 'uuid'), { title: str(f, 'title'), parent: str(f, 'parent_uuid') }] as const));
  const paths = new Map<string, string[]>();
  for (const id of byId.keys()) {
    const path: string[] = [];
    const seen = new Set<string>();
    for (let at: string | undefined = id; at && byId.has(at) && !seen.has(at); at = byId.get(at)?.parent) {
      seen.add(at);
      path.unshift(byId.get(at)?.title ?? '');
    }
    paths.set(id, path);
  }
  return paths;
}

function draftOf(item: Record<string, unknown>, paths: Map<string, string[]>): Draft {
  const category = str(item, 'category');
  const type = category === 'login' || category === 'password' ? 'login' : category === 'creditcard' ? 'card' : category === 'note' ? 'note' : category === 'identity' ? 'identity' : 'note';
  const fields: DraftField[] = [];
  const urls: string[] = [];
  const totp: string[] = [];
  const card: NonNullable<Draft['card']> = {};
  let username = '';
  let password = '';
  for (const f of arr(item, 'fields')) {
    if (!isRecord(f) || f['deleted'] === 1 || str(f, 'type') === 'section') continue;
    const kind = str(f, 'type');
    const value = str(f, 'value');
    if (value === '') continue;
    const label = str(f, 'label');
    if (type === 'login' && kind === 'username' && !username) username = value;
    else if (type === 'login' && kind === 'password' && !password) password = value;
    else if (type === 'login' && kind === 'url') urls.push(value);
    else if (kind === 'totp') totp.push(value);
    else if (type === 'card' && kind === 'ccName' && !card.cardholder) card.cardholder = value;
    else if (type === 'card' && kind === 'ccNumber' && !card.number) card.number = value;
    else if (type === 'card' && kind === 'ccCvc' && !card.code) card.code = value;
    else if (type === 'card' && kind === 'ccType' && !card.brand) card.brand = value;
    else if (type === 'card' && kind === 'ccExpiry' && !card.expMonth) Object.assign(card, expiry(value));
    else fields.push({ name: label || kind, value, hidden: f['sensitive'] === 1 });
  }
  if (type === 'note' && category !== 'note') fields.unshift({ name: 'Enpass category', value: category });
  const folderIds = arr(item, 'folders').filter((f): f is string => typeof f === 'string');
  const attachments = arr(item, 'attachments').length;
  return {
    type,
    name: str(item, 'title'),
    notes: str(item, 'note'),
    favorite: item['favorite'] === 1,
    archived: item['archived'] === 1,
    trashed: item['trashed'] === 1,
    folder: paths.get(folderIds[0] ?? '') ?? [],
    // Enpass lets an item sit in several folders; the others are kept as tags.
    tags: folderIds.slice(1).map((id) => (paths.get(id) ?? []).join('/')),
    username,
    password,
    urls,
    totp,
    card,
    fields,
    leftOut: attachments > 0 ? [attachments === 1 ? 'an attachment' : `${attachments} attachments`] : [],
  };
}

/** Reads Enpass's JSON export: folders (nested through `parent_uuid`) and items. */
export function parseEnpassJson(doc: unknown): ImportedItem[] {
  if (!isRecord(doc) || !Array.isArray(doc['items'])) throw importError('IMPORT_UNREADABLE', 'the file is not an Enpass export (no "items")');
  const paths = folderPaths(doc);
  return doc['items'].map((item, i) => {
    if (!isRecord(item)) throw importError('IMPORT_UNREADABLE', `entry ${i + 1}: not an object`, { entry: i + 1 });
    return makeItem(draftOf(item, paths), `entry ${i + 1}`);
  });
}

export const isEnpassJson = (doc: unknown): boolean =>
  isRecord(doc) && Array.isArray(doc['items']) && doc['items'].some((i) => isRecord(i) && typeof i['category'] === 'string' && 'template_type' in i);
