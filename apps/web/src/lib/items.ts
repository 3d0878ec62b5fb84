import { type ItemContent, folderFromSegments } from '@watchword/client';
import type { ItemType } from '@watchword/protocol';
import type { ItemEntry } from './item-store.ts';

export const TYPE_LABELS: Readonly<Record<ItemType, string>> = { login: 'Login', note: 'Secure note', card: 'Card', identity: 'Identity' };
export const ITEM_TYPES = Object.keys(TYPE_LABELS) as ItemType[];

export interface Filters {
  search: string;
  type: ItemType | 'all';
  /** '' = every folder, '\u0000none' = items without a folder. */
  folder: string;
  favorites: boolean;
  trash: boolean;
  /** '' = every vault; otherwise a vault id (the personal vault's or a shared one's). */
  vault: string;
}

export const NO_FOLDER = '\u0000none';
export const DEFAULT_FILTERS: Filters = { search: '', type: 'all', folder: '', favorites: false, trash: false, vault: '' };

/**
 * The entries (item-store.ts) that pass the filters, in the store's order. The search matches every word against
 * the prebuilt lowercase search text: nothing is decrypted or rebuilt per keystroke.
 */
export function filterEntries(entries: readonly ItemEntry[], f: Filters): ItemEntry[] {
  const words = f.search.toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter(({ item, text }) => {
    const c = item.content;
    if ((item.deletedAt !== null) !== f.trash) return false;
    if (f.type !== 'all' && c.type !== f.type) return false;
    if (f.folder === NO_FOLDER ? Boolean(c.folder) : f.folder !== '' && c.folder !== f.folder) return false;
    if (f.favorites && !c.favorite) return false;
    if (f.vault !== '' && item.vaultId !== f.vault) return false;
    for (const w of words) if (!text.includes(w)) return false;
    return true;
  });
}

export function folders(entries: readonly ItemEntry[]): string[] {
  const names = new Set<string>();
  for (const { item } of entries) if (item.content.folder) names.add(item.content.folder);
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** The line under an item's name in the list. */
export function subtitle(c: ItemContent): string {
  switch (c.type) {
    case 'login':
      return c.login?.username || hostOf(c.login?.urls?.[0]) || '';
    case 'card':
      return [c.card?.brand, c.card?.number ? `•••• ${c.card.number.replace(/\s+/g, '').slice(-4)}` : ''].filter(Boolean).join(' ');
    case 'identity':
      return [c.identity?.firstName, c.identity?.lastName].filter(Boolean).join(' ');
    default:
      return c.notes ? c.notes.split('\n')[0]!.slice(0, 80) : '';
  }
}

function hostOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function blankContent(type: ItemType): ItemContent {
  const base: ItemContent = { type, name: '', fields: [] };
  if (type === 'login') base.login = { username: '', password: '', urls: [''], totp: '' };
  if (type === 'card') base.card = {};
  if (type === 'identity') base.identity = {};
  return base;
}

/**
 * Cleans an edited item for saving: trims empty strings and URLs away, so the stored item only holds what was
 * filled in (and the schema's lengths are met by the inputs' maxLength).
 */
export function tidy(content: ItemContent): ItemContent {
  const prune = <T extends object>(o: T | undefined): T | undefined => {
    if (!o) return undefined;
    const out = Object.fromEntries(Object.entries(o).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v !== '' && v !== undefined))) as T;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const c: ItemContent = { type: content.type, name: content.name.trim(), fields: content.fields.filter((f) => f.name.trim() !== '' || f.value !== '').map((f) => ({ ...f, name: f.name.trim() || 'Field' })) };
  if (content.notes) c.notes = content.notes;
  const folder = content.folder?.trim();
  // A nested folder keeps its segments while its path is unchanged; a folder typed anew is one folder.
  if (folder) Object.assign(c, folderFromSegments(content.folderPath?.join('/') === folder ? content.folderPath : [folder]));
  if (content.favorite) c.favorite = true;
  if (content.archived) c.archived = true;
  if (content.tags && content.tags.length > 0) c.tags = content.tags;
  if (content.type === 'login' && content.login) {
    const login = prune({ ...content.login, urls: (content.login.urls ?? []).map((u) => u.trim()).filter(Boolean), totp: content.login.totp?.trim() });
    if (login) c.login = login;
  }
  if (content.type === 'card') {
    const card = prune(content.card);
    if (card) c.card = card;
  }
  if (content.type === 'identity') {
    const identity = prune(content.identity);
    if (identity) c.identity = identity;
  }
  return c;
}

/** Labels of the parts that differ between two versions of an item (for the conflict dialog; no values shown). */
export function changedParts(a: ItemContent, b: ItemContent): string[] {
  const parts: [string, unknown, unknown][] = [
    ['name', a.name, b.name],
    ['type', a.type, b.type],
    ['folder', a.folder ?? '', b.folder ?? ''],
    ['favourite', Boolean(a.favorite), Boolean(b.favorite)],
    ['notes', a.notes ?? '', b.notes ?? ''],
    ['user name', a.login?.username ?? '', b.login?.username ?? ''],
    ['password', a.login?.password ?? '', b.login?.password ?? ''],
    ['web addresses', JSON.stringify(a.login?.urls ?? []), JSON.stringify(b.login?.urls ?? [])],
    ['authenticator key', a.login?.totp ?? '', b.login?.totp ?? ''],
    ['card details', JSON.stringify(a.card ?? {}), JSON.stringify(b.card ?? {})],
    ['identity details', JSON.stringify(a.identity ?? {}), JSON.stringify(b.identity ?? {})],
    ['custom fields', JSON.stringify(a.fields), JSON.stringify(b.fields)],
  ];
  return parts.filter(([, x, y]) => x !== y).map(([label]) => label);
}
