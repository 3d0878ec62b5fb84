import type { ItemContent, ItemField } from '@watchword/protocol';
import { hostOf } from './item-builder.ts';

/** The key two items are duplicates by: same name (case-insensitive), same user name, same host of the first URL. */
export function duplicateKey(content: ItemContent): string {
  return [content.name.trim().toLowerCase(), content.login?.username ?? '', hostOf(content.login?.urls?.[0])].join('\u0000');
}

type Section = Record<string, string | undefined>;
const SECRET = new Set(['password', 'totp', 'number', 'code']);

/**
 * An existing item with an imported duplicate merged in. The imported values win where both have one; a value of the
 * existing item they replace is kept as a custom field "<slot> (before import)", so a merge loses nothing. URLs, tags
 * and custom fields are united; notes that differ are both kept, the existing first.
 */
export function mergeItems(existing: ItemContent, incoming: ItemContent): ItemContent {
  const kept: ItemField[] = [];
  const section = (name: 'login' | 'card' | 'identity'): Section | undefined => {
    const a = existing[name] as Section | undefined;
    const b = incoming[name] as Section | undefined;
    if (!a && !b) return undefined;
    const out: Section = { ...(a ?? {}) };
    for (const [key, value] of Object.entries(b ?? {})) {
      if (key === 'urls' || typeof value !== 'string' || value === '') continue;
      const before = out[key];
      if (typeof before === 'string' && before !== '' && before !== value) kept.push({ name: `${key} (before import)`, value: before, hidden: SECRET.has(key) });
      out[key] = value;
    }
    return out;
  };
  const login = section('login') as ItemContent['login'];
  const urls = [...new Set([...(existing.login?.urls ?? []), ...(incoming.login?.urls ?? [])])];
  if (login && urls.length > 0) login.urls = urls;
  const card = section('card') as ItemContent['card'];
  const identity = section('identity') as ItemContent['identity'];
  const same = (f: ItemField, g: ItemField) => f.name === g.name && f.value === g.value;
  const fields = [...existing.fields, ...incoming.fields.filter((f) => !existing.fields.some((g) => same(f, g))), ...kept];
  const notes = existing.notes && incoming.notes && existing.notes !== incoming.notes && !existing.notes.includes(incoming.notes) ? `${existing.notes}\n\n${incoming.notes}` : (incoming.notes ?? existing.notes);
  const tags = [...new Set([...(existing.tags ?? []), ...(incoming.tags ?? [])])];
  const folder = existing.folder ? { folder: existing.folder, ...(existing.folderPath ? { folderPath: existing.folderPath } : {}) } : incoming.folder ? { folder: incoming.folder, ...(incoming.folderPath ? { folderPath: incoming.folderPath } : {}) } : {};
  return {
    type: existing.type,
    name: existing.name,
    ...(notes ? { notes } : {}),
    ...(existing.favorite || incoming.favorite ? { favorite: true } : {}),
    ...(existing.archived ? { archived: true } : {}),
    ...folder,
    ...(tags.length > 0 ? { tags } : {}),
    fields,
    ...(login ? { login } : {}),
    ...(card ? { card } : {}),
    ...(identity ? { identity } : {}),
  };
}
