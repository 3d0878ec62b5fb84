import type { ItemType } from '@watchword/protocol';
import type { CacheIndexEntry } from './indexed-cache.ts';

/**
 * The local copy's index as sealed: one array per field rather than one object (or row) per item, vault ids as
 * numbers into `vaults`, and a single URL as a plain string. JSON.parse of these columns at 50,000 items takes a
 * fraction of what rows take (docs/performance.md, "Large vaults, client side"), and the entry objects are made only
 * for the items a command lists or opens. `blobLength[i]` is the length of item i's line in the file, so that where
 * each blob starts is a sum, not a scan of the file.
 */
export interface IndexColumns {
  vaults: string[];
  id: string[];
  vault: number[];
  revision: number[];
  keyVersion: (number | null)[];
  createdAt: number[];
  updatedAt: number[];
  deletedAt: (number | null)[];
  type: ItemType[];
  name: string[];
  username: (string | null)[];
  /** One URL as itself; none or several as an array. */
  urls: (string | string[])[];
  folder: (string | null)[];
  favorite: (0 | 1)[];
  text: string[];
  blobLength: number[];
}

const FIELDS = ['id', 'vault', 'revision', 'keyVersion', 'createdAt', 'updatedAt', 'deletedAt', 'type', 'name', 'username', 'urls', 'folder', 'favorite', 'text', 'blobLength'] as const;

export function toColumns(entries: readonly CacheIndexEntry[], blobs: readonly string[]): IndexColumns {
  const vaults: string[] = [];
  const vaultNumber = new Map<string, number>();
  const cols: IndexColumns = {
    vaults, id: [], vault: [], revision: [], keyVersion: [], createdAt: [], updatedAt: [], deletedAt: [], type: [], name: [], username: [], urls: [], folder: [], favorite: [], text: [], blobLength: [],
  };
  entries.forEach((e, i) => {
    let v = vaultNumber.get(e.vaultId);
    if (v === undefined) {
      v = vaults.push(e.vaultId) - 1;
      vaultNumber.set(e.vaultId, v);
    }
    cols.id.push(e.id);
    cols.vault.push(v);
    cols.revision.push(e.revision);
    cols.keyVersion.push(e.keyVersion);
    cols.createdAt.push(e.createdAt);
    cols.updatedAt.push(e.updatedAt);
    cols.deletedAt.push(e.deletedAt);
    cols.type.push(e.type);
    cols.name.push(e.name);
    cols.username.push(e.username);
    cols.urls.push(e.urls.length === 1 ? (e.urls[0] as string) : e.urls);
    cols.folder.push(e.folder);
    cols.favorite.push(e.favorite ? 1 : 0);
    cols.text.push(e.text);
    cols.blobLength.push((blobs[i] as string).length);
  });
  return cols;
}

/** Whether a parsed value has every column, each of `count` values (it was authenticated: this guards the version). */
export function columnsValid(value: unknown, count: number): value is IndexColumns {
  if (value === null || typeof value !== 'object') return false;
  const cols = value as Record<string, unknown>;
  return Array.isArray(cols.vaults) && FIELDS.every((f) => Array.isArray(cols[f]) && (cols[f] as unknown[]).length === count);
}

/** Item i of the columns as an entry. */
export function entryAt(cols: IndexColumns, i: number): CacheIndexEntry {
  const urls = cols.urls[i] as string | string[];
  const deletedAt = cols.deletedAt[i] as number | null;
  return {
    id: cols.id[i] as string,
    vaultId: cols.vaults[cols.vault[i] as number] as string,
    revision: cols.revision[i] as number,
    keyVersion: cols.keyVersion[i] as number | null,
    createdAt: cols.createdAt[i] as number,
    updatedAt: cols.updatedAt[i] as number,
    deletedAt,
    type: cols.type[i] as ItemType,
    name: cols.name[i] as string,
    username: cols.username[i] as string | null,
    urls: typeof urls === 'string' ? [urls] : urls,
    folder: cols.folder[i] as string | null,
    favorite: cols.favorite[i] === 1,
    deleted: deletedAt !== null,
    text: cols.text[i] as string,
  };
}

/**
 * Whether item i matches a search (`needle` lower-cased): its name, login user name, a URL, or one of the other
 * texts it keeps (CacheIndexEntry.text) contains it. Read from the columns, so nothing is made for the others.
 */
export function matchesAt(cols: IndexColumns, i: number, needle: string): boolean {
  if ((cols.name[i] as string).toLowerCase().includes(needle)) return true;
  if ((cols.username[i] ?? '').toLowerCase().includes(needle)) return true;
  const urls = cols.urls[i] as string | string[];
  if (typeof urls === 'string' ? urls.toLowerCase().includes(needle) : urls.some((u) => u.toLowerCase().includes(needle))) return true;
  return (cols.text[i] as string).includes(needle);
}
