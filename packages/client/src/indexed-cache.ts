import {
  type AccountResponse,
  DecryptionError,
  decryptItem,
  hkdfSha256AesKey,
  importAesKey,
  type Item,
  type ItemContent,
  type ItemType,
  openBytes,
  sealBytes,
  type SharedItem,
  utf8,
  type VaultAccess,
} from '@watchword/protocol';
import { type IndexColumns, columnsValid, entryAt, matchesAt, toColumns } from './cache-index-columns.ts';
import type { VaultItem } from './vault.ts';

/**
 * The CLI's indexed copy of the vault (issue 23; docs/performance.md, "Large vaults, client side"): the server's item
 * blobs exactly as synced — already ciphertext under the vault keys — and a compact index of what a lookup needs
 * (id, vault, name, user name, URLs, type, folder, favourite, trash, and the other texts a search reads) and the shared
 * vaults' key chains, sealed under a key derived from the account key.
 * A lookup opens the index only (one envelope, a few MB at 50,000 items), and decrypts the blobs of the items it
 * matched; nothing else is decrypted. The web vault keeps its own format (vault-cache.ts), unchanged.
 *
 * File layout (text, one record a line):
 *   line 0: JSON {"format": FORMAT, "revision": n, "count": m}
 *   line 1: the sealed index (base64url AES-256-GCM envelope)
 *   lines 2..m+1: the blob of index entry i-2 (base64url AES-256-GCM envelope as the server sent it)
 * The sealed index holds the account, the shared vaults and the entries as columns (cache-index-columns.ts), with the
 * length of each blob line: the file must be exactly as long as they add up to.
 *
 * Integrity:
 * - the index is AES-256-GCM under HKDF-SHA256(account key, salt FORMAT, info FORMAT‖userId); its AAD is
 *   FORMAT‖userId‖revision‖count, so an index of another account, another sync revision or a file with lines added or
 *   dropped does not open;
 * - each blob is opened with the slot its index entry names (security-spec's item AAD: user, vault, item id, revision,
 *   key version), so a blob changed, swapped with another item's or replaced by an older revision does not open.
 * Anything that does not open throws IndexedCacheError; the caller discards the file and syncs in full.
 * The ids, names, URLs, search texts and shared vaults' keys are inside the sealed index only: the file holds no item
 * plaintext and no key in the clear (docs/crypto.md, "The CLI's local copy").
 */
export const INDEXED_CACHE_FORMAT = 'watchword/v1/cli-cache';

/** A file larger than this is refused unread (the server's vault limits keep real ones far below). */
export const MAX_INDEXED_CACHE_LENGTH = 512 * 1024 * 1024;

/** One item as the index knows it: enough to find, list and decrypt it. */
export interface CacheIndexEntry {
  id: string;
  vaultId: string;
  revision: number;
  /** The shared vault's key version the blob is sealed under; null for a personal item. */
  keyVersion: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  type: ItemType;
  name: string;
  username: string | null;
  urls: string[];
  folder: string | null;
  favorite: boolean;
  deleted: boolean;
  /**
   * What else a search reads, lower-cased, joined by NUL (which no search text holds): notes, an identity's e-mail,
   * first and last name and company, a card's holder and brand, the values of visible custom fields. '' when none.
   */
  text: string;
}

/**
 * A shared vault as the copy keeps it: what the CLI shows of it and its key chain (version → raw key, base64url), so
 * that its items open without the grant being opened again. Inside the sealed index only.
 */
export interface CachedSharedVault {
  id: string;
  orgId: string;
  name: string | null;
  keyVersion: number;
  access: VaultAccess;
  /** The cursor of this vault's items in the shared sync. */
  revision: number;
  keys: [version: number, key: string][];
}

/** The cache in memory: the account as the server sent it (wrapped keys only), the sync revision, index and blobs. */
export interface IndexedCacheData {
  userId: string;
  account: AccountResponse;
  revision: number;
  /** When the copy was made (ms since the epoch). */
  savedAt: number;
  /** The shared vaults reached at the last sync, with their key chains. */
  shared: CachedSharedVault[];
  entries: CacheIndexEntry[];
  /** blobs[i] is the encrypted item of entries[i]. */
  blobs: string[];
}

/** A cache file that does not open (changed, truncated, of another account or format): one fixed message. */
export class IndexedCacheError extends Error {
  readonly code = 'INDEXED_CACHE_REFUSED' as const;
  constructor() {
    super('the local copy of the vault failed its integrity check (changed, or not of this account): it was discarded and the vault is synced again in full');
    this.name = 'IndexedCacheError';
  }
}

interface SealedIndex {
  account: AccountResponse;
  savedAt: number;
  shared: CachedSharedVault[];
  columns: IndexColumns;
}

/** The texts besides name, user name and URLs that a search reads (see CacheIndexEntry.text). */
export function searchText(content: ItemContent): string {
  const texts = [
    content.notes,
    content.identity?.email,
    content.identity?.firstName,
    content.identity?.lastName,
    content.identity?.company,
    content.card?.cardholder,
    content.card?.brand,
    ...content.fields.filter((f) => !f.hidden).map((f) => f.value),
  ];
  return texts.filter((t): t is string => typeof t === 'string' && t !== '').join('\0').toLowerCase();
}

const indexKey = (accountKey: Uint8Array, userId: string) =>
  hkdfSha256AesKey(accountKey, utf8(INDEXED_CACHE_FORMAT), utf8(`${INDEXED_CACHE_FORMAT}\0${userId}`));
const indexAad = (userId: string, revision: number, count: number) => utf8(`${INDEXED_CACHE_FORMAT}\0${userId}\0${revision}\0${count}`);

/** What the index keeps of an item's content. */
export function indexEntry(item: Item | SharedItem, content: ItemContent): CacheIndexEntry {
  return {
    id: item.id,
    vaultId: item.vaultId,
    revision: item.revision,
    keyVersion: 'keyVersion' in item ? item.keyVersion : null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    deletedAt: item.deletedAt,
    type: content.type,
    name: content.name,
    username: content.login?.username ?? null,
    urls: content.login?.urls ?? [],
    folder: content.folder ?? null,
    favorite: content.favorite === true,
    deleted: item.deletedAt !== null,
    text: searchText(content),
  };
}

/** The cache as file text (see the layout above). */
export async function sealIndexedCache(accountKey: Uint8Array, cache: IndexedCacheData): Promise<string> {
  if (cache.entries.length !== cache.blobs.length) throw new RangeError('every index entry needs its blob');
  if (cache.account.userId !== cache.userId) throw new RangeError('the account is not the cache owner');
  const count = cache.entries.length;
  const sealed: SealedIndex = { account: cache.account, savedAt: cache.savedAt, shared: cache.shared, columns: toColumns(cache.entries, cache.blobs) };
  const plaintext = utf8(JSON.stringify(sealed));
  const index = await sealBytes(await indexKey(accountKey, cache.userId), plaintext, indexAad(cache.userId, cache.revision, count));
  plaintext.fill(0);
  const header = JSON.stringify({ format: INDEXED_CACHE_FORMAT, revision: cache.revision, count });
  return count === 0 ? `${header}\n${index}\n` : `${header}\n${index}\n${cache.blobs.join('\n')}\n`;
}

/**
 * Opens the index of a cache file for this account; the blobs stay as they are in the text until asked for. Anything
 * that is not a cache of this format for this account throws IndexedCacheError — an older CLI's cache file
 * (vault-cache.ts's single envelope) included, so that it is discarded and replaced after a full sync.
 */
export async function openIndexedCache(accountKey: Uint8Array, userId: string, text: string): Promise<OpenedIndexedCache> {
  if (typeof text !== 'string' || text.length > MAX_INDEXED_CACHE_LENGTH) throw new IndexedCacheError();
  const end = text.indexOf('\n');
  if (end < 0) throw new IndexedCacheError();
  // A header line longer than this is not one of ours (an older CLI's copy is one long line): not parsed.
  if (end > 256) throw new IndexedCacheError();
  let header: { format?: unknown; revision?: unknown; count?: unknown };
  try {
    header = JSON.parse(text.slice(0, end)) as typeof header;
  } catch {
    throw new IndexedCacheError();
  }
  if (header === null || typeof header !== 'object' || header.format !== INDEXED_CACHE_FORMAT) throw new IndexedCacheError();
  const { revision, count } = header;
  if (!Number.isSafeInteger(revision) || !Number.isSafeInteger(count) || (count as number) < 0) throw new IndexedCacheError();
  const indexEnd = text.indexOf('\n', end + 1);
  if (indexEnd < 0) throw new IndexedCacheError();
  const index = text.slice(end + 1, indexEnd);
  let plaintext: Uint8Array;
  try {
    plaintext = await openBytes(await indexKey(accountKey, userId), index, indexAad(userId, revision as number, count as number));
  } catch (error) {
    if (error instanceof DecryptionError) throw new IndexedCacheError();
    throw error;
  }
  let sealed: SealedIndex;
  try {
    sealed = JSON.parse(new TextDecoder().decode(plaintext)) as SealedIndex;
  } catch {
    throw new IndexedCacheError();
  } finally {
    plaintext.fill(0);
  }
  // Authenticated, so made by this code for this account; the shape check guards against a file of another version.
  if (
    sealed === null || typeof sealed !== 'object' || sealed.account?.userId !== userId || !columnsValid(sealed.columns, count as number) ||
    !Number.isFinite(sealed.savedAt) || !Array.isArray(sealed.shared)
  ) {
    throw new IndexedCacheError();
  }
  // Where each blob line starts, from the lengths the index holds; a file of another length is refused.
  const lengths = sealed.columns.blobLength;
  const starts: number[] = new Array<number>(count as number);
  let at = indexEnd + 1;
  for (let i = 0; i < (count as number); i++) {
    starts[i] = at;
    at += (lengths[i] as number) + 1;
  }
  if (at !== text.length) throw new IndexedCacheError();
  const blobAt = (i: number): string => {
    const start = starts[i] as number;
    const stop = start + (lengths[i] as number);
    if (text.charCodeAt(stop) !== 10) throw new IndexedCacheError();
    return text.slice(start, stop);
  };
  return new OpenedIndexedCache({ userId, account: sealed.account, revision: revision as number, savedAt: sealed.savedAt, shared: sealed.shared }, sealed.columns, blobAt);
}

/** Decides which vault key opens an entry's blob: the personal vault's, or a shared vault's key of that version. */
export type CacheKeyFor = (vaultId: string, keyVersion: number | null) => Uint8Array | CryptoKey;

type Trash = 'include' | 'exclude' | 'only';

/**
 * An opened cache: the index's columns in memory, an entry object made only for an item a caller asks about, and the
 * blobs left where they were read (the file's text) until one is decrypted.
 */
export class OpenedIndexedCache {
  readonly userId: string;
  readonly account: AccountResponse;
  readonly revision: number;
  readonly savedAt: number;
  readonly shared: readonly CachedSharedVault[];
  readonly #cols: IndexColumns;
  readonly #made: (CacheIndexEntry | undefined)[];
  /** The slot of every entry handed out, so that decrypt knows which blob is an entry's. */
  readonly #slot = new Map<CacheIndexEntry, number>();
  #position: Map<string, number> | undefined;
  readonly #blobAt: (i: number) => string;

  constructor(meta: Pick<IndexedCacheData, 'userId' | 'account' | 'revision' | 'savedAt' | 'shared'>, cols: IndexColumns, blobAt: (i: number) => string, made?: CacheIndexEntry[]) {
    this.userId = meta.userId;
    this.account = meta.account;
    this.revision = meta.revision;
    this.savedAt = meta.savedAt;
    this.shared = meta.shared;
    this.#cols = cols;
    this.#blobAt = blobAt;
    this.#made = made ?? new Array<CacheIndexEntry | undefined>(cols.id.length);
    made?.forEach((entry, i) => this.#slot.set(entry, i));
  }

  /** A cache over data in memory (after a sync applied to it). */
  static fromData(data: IndexedCacheData): OpenedIndexedCache {
    if (data.entries.length !== data.blobs.length) throw new RangeError('every index entry needs its blob');
    return new OpenedIndexedCache(data, toColumns(data.entries, data.blobs), (i) => data.blobs[i] as string, [...data.entries]);
  }

  get count(): number {
    return this.#cols.id.length;
  }

  #entry(i: number): CacheIndexEntry {
    let entry = this.#made[i];
    if (entry === undefined) {
      entry = entryAt(this.#cols, i);
      this.#made[i] = entry;
      this.#slot.set(entry, i);
    }
    return entry;
  }

  /** Every entry (trash included), in the copy's order. */
  get entries(): readonly CacheIndexEntry[] {
    return Array.from({ length: this.count }, (_, i) => this.#entry(i));
  }

  #inTrash(i: number, mode: Trash): boolean {
    const deleted = this.#cols.deletedAt[i] !== null;
    return mode === 'include' || (mode === 'only') === deleted;
  }

  #where(mode: Trash, test: (i: number) => boolean): CacheIndexEntry[] {
    const out: CacheIndexEntry[] = [];
    for (let i = 0; i < this.count; i++) if (this.#inTrash(i, mode) && test(i)) out.push(this.#entry(i));
    return out;
  }

  /** The entry of this id, if the copy holds it (trash included). */
  byId(id: string): CacheIndexEntry | undefined {
    if (this.#position === undefined) {
      this.#position = new Map();
      this.#cols.id.forEach((itemId, i) => this.#position?.set(itemId, i));
    }
    const i = this.#position.get(id);
    return i === undefined ? undefined : this.#entry(i);
  }

  /**
   * The entries `query` names (lower-cased): its id, or ids it is a prefix of (8 characters or more); failing those,
   * the entries of exactly that name, in any case.
   */
  named(query: string, trash: Trash = 'include'): CacheIndexEntry[] {
    const ids = this.#cols.id;
    const byId = this.#where(trash, (i) => ids[i] === query || (query.length >= 8 && (ids[i] as string).startsWith(query)));
    if (byId.length > 0) return byId;
    return this.#where(trash, (i) => (this.#cols.name[i] as string).toLowerCase() === query);
  }

  /**
   * Entries outside the trash (or only those in it, or all) whose name, login user name, a URL, notes, an identity's
   * e-mail, names or company, a card's holder or brand, or a visible custom field's value contains `text` (any case).
   */
  search(text: string, options: { trash?: Trash } = {}): CacheIndexEntry[] {
    const needle = text.toLowerCase();
    return sortEntries(this.#where(options.trash ?? 'exclude', (i) => matchesAt(this.#cols, i, needle)));
  }

  /** The entries outside the trash (by default), sorted as Vault.list sorts items: by name, then id. Decrypts nothing. */
  list(options: { trash?: Trash } = {}): CacheIndexEntry[] {
    return sortEntries(this.#where(options.trash ?? 'exclude', () => true));
  }

  /**
   * Decrypts the blobs of these entries only. A blob that does not open in the slot its entry names throws
   * IndexedCacheError (the file was changed): nothing of it is returned.
   */
  async decrypt(entries: readonly CacheIndexEntry[], keyFor: CacheKeyFor): Promise<VaultItem[]> {
    const keys = new Map<string, Promise<CryptoKey>>();
    const key = (entry: CacheIndexEntry): Promise<CryptoKey> => {
      const name = `${entry.vaultId}\0${entry.keyVersion ?? ''}`;
      let found = keys.get(name);
      if (found === undefined) {
        const raw = keyFor(entry.vaultId, entry.keyVersion);
        found = raw instanceof Uint8Array ? importAesKey(raw) : Promise.resolve(raw);
        keys.set(name, found);
      }
      return found;
    };
    return Promise.all(
      entries.map(async (entry): Promise<VaultItem> => {
        const i = this.#slot.get(entry);
        if (i === undefined) throw new RangeError('not an entry of this cache');
        const blob = this.#blobAt(i);
        let content: ItemContent;
        try {
          content = await decryptItem({
            vaultKey: await key(entry),
            userId: this.userId,
            vaultId: entry.vaultId,
            itemId: entry.id,
            revision: entry.revision,
            keyVersion: entry.keyVersion ?? undefined,
            data: blob,
          });
        } catch (error) {
          if (error instanceof DecryptionError || (error instanceof Error && 'code' in error && error.code === 'VALIDATION_FAILED')) throw new IndexedCacheError();
          throw error;
        }
        return { id: entry.id, vaultId: entry.vaultId, revision: entry.revision, deletedAt: entry.deletedAt, createdAt: entry.createdAt, updatedAt: entry.updatedAt, content };
      }),
    );
  }

  /** The cache as data (every blob read out of the text), to apply a sync to and seal again. */
  toData(): IndexedCacheData {
    return {
      userId: this.userId, account: this.account, revision: this.revision, savedAt: this.savedAt, shared: [...this.shared],
      entries: [...this.entries], blobs: Array.from({ length: this.count }, (_, i) => this.#blobAt(i)),
    };
  }
}

/** By name, then id (as Vault.list sorts items). */
function sortEntries(entries: CacheIndexEntry[]): CacheIndexEntry[] {
  return entries.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** What one sync brought, decrypted (content undefined for a purged item), for applySync. */
export interface CacheSync {
  /** The account as the server sends it now (its vaults and wrapped keys). */
  account: AccountResponse;
  /** The account revision the personal answer reached. */
  revision: number;
  /** True when the personal answer was a full one: a personal item it does not hold is gone. */
  full: boolean;
  /** Personal and shared items the sync brought, each with its decrypted content (undefined: purged). */
  items: { item: Item | SharedItem; content: ItemContent | undefined }[];
  /**
   * The shared vaults this member reaches and opens now, with their key chains: items of any other non-personal vault
   * are dropped (access revoked, or a grant that no longer opens).
   */
  shared: CachedSharedVault[];
  now?: number;
}

/**
 * The cache after a sync: changed items replace theirs (index entry and blob, as the server sent the blob), purged
 * ones go, a trashed one stays only as trash (`deleted`, never listed or found by default), a full answer drops the
 * personal items it does not hold, and every item of a vault that is neither personal nor reached now goes.
 */
export function applySync(previous: IndexedCacheData | undefined, sync: CacheSync): IndexedCacheData {
  const byId = new Map<string, { entry: CacheIndexEntry; blob: string }>();
  if (previous !== undefined && previous.userId === sync.account.userId) {
    previous.entries.forEach((entry, i) => byId.set(entry.id, { entry, blob: previous.blobs[i] as string }));
  }
  const personal = new Set(sync.account.vaults.map((v) => v.id));
  const reached = new Set(sync.shared.map((v) => v.id));
  const seen = new Set<string>();
  for (const { item, content } of sync.items) {
    seen.add(item.id);
    if (item.purged || item.data === null || content === undefined) byId.delete(item.id);
    else byId.set(item.id, { entry: indexEntry(item, content), blob: item.data });
  }
  for (const [id, { entry }] of byId) {
    const inPersonal = personal.has(entry.vaultId);
    if ((sync.full && inPersonal && !seen.has(id)) || (!inPersonal && !reached.has(entry.vaultId))) byId.delete(id);
  }
  const kept = [...byId.values()];
  return {
    userId: sync.account.userId,
    account: sync.account,
    revision: sync.revision,
    savedAt: sync.now ?? Date.now(),
    shared: sync.shared,
    entries: kept.map((k) => k.entry),
    blobs: kept.map((k) => k.blob),
  };
}
