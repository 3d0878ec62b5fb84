import {
  type AccountResponse,
  api,
  decryptItem,
  emptyAccountData,
  encryptItem,
  importAesKey,
  type Item,
  type ItemContent,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  openAccountData,
  unlockAccountKey,
  unwrapVaultKey,
  WatchwordError,
} from '@watchword/protocol';
import { type PasswordCheck, checkPassword } from './password-policy.ts';
import { type ItemKeys, isLive, type LiveItem } from './item-batch.ts';
import type { Session } from './session.ts';
import { type VaultSnapshot, openVaultSnapshot, sealVaultSnapshot } from './vault-cache.ts';

/** A decrypted item as the SDK hands it out. */
export interface VaultItem {
  id: string;
  vaultId: string;
  revision: number;
  deletedAt: number | null;
  createdAt: number;
  updatedAt: number;
  content: ItemContent;
}

export interface SyncResult {
  revision: number;
  full: boolean;
  changed: number;
  removed: number;
}

/** Part of a sync as it is applied: the items decrypted in one batch, and the ids no longer in the vault. */
export interface SyncDelta {
  changed: VaultItem[];
  removed: string[];
}

export interface BatchedSyncOptions {
  /** Decrypts one batch (decryptItems from item-batch.ts, e.g. in a worker, with the keys of Vault.itemKeys). */
  decrypt: (items: LiveItem[]) => Promise<VaultItem[]>;
  /** Called with each batch as soon as it is decrypted and remembered, in order. */
  onDelta: (delta: SyncDelta) => void;
  /** Items in the first batch (small, so that a first screen shows early) and in each later one. */
  firstBatch?: number;
  batch?: number;
}

/**
 * The unlocked vault: holds the account and vault keys in memory, encrypts before anything leaves and decrypts after
 * anything arrives. Keeps a local copy in step with the server through delta sync (`since`).
 */
export class Vault {
  readonly session: Session;
  readonly account: AccountResponse;
  readonly #accountKey: Uint8Array;
  readonly #vaultKeys: Map<string, Uint8Array>;
  readonly #items = new Map<string, VaultItem>();
  #revision: number | undefined;
  #locked = false;
  /** When the copy this vault was opened from was saved, if it was opened without the server (openOffline). */
  readonly offlineSince: number | null;

  private constructor(session: Session, account: AccountResponse, accountKey: Uint8Array, vaultKeys: Map<string, Uint8Array>, offlineSince: number | null = null) {
    this.session = session;
    this.account = account;
    this.#accountKey = accountKey;
    this.#vaultKeys = vaultKeys;
    this.offlineSince = offlineSince;
  }

  static async #unwrapVaultKeys(account: AccountResponse, accountKey: Uint8Array): Promise<Map<string, Uint8Array>> {
    const vaultKeys = new Map<string, Uint8Array>();
    for (const v of account.vaults) {
      vaultKeys.set(v.id, await unwrapVaultKey({ accountKey, userId: account.userId, vaultId: v.id, wrappedKey: v.wrappedKey }));
    }
    return vaultKeys;
  }

  /**
   * A read-only vault from a cached copy (vault-cache.ts), for when the server cannot be reached: lists and reads
   * what the copy holds; every change throws SERVICE_UNAVAILABLE. The vault keys are unwrapped from the copy's
   * account data with the account key, so a copy whose key material was changed does not open.
   */
  static async openOffline(session: Session, accountKey: Uint8Array, snapshot: VaultSnapshot): Promise<Vault> {
    const vault = new Vault(session, snapshot.account, accountKey, await Vault.#unwrapVaultKeys(snapshot.account, accountKey), snapshot.savedAt);
    vault.#seed(snapshot);
    return vault;
  }

  #seed(snapshot: VaultSnapshot): void {
    this.#items.clear();
    for (const item of snapshot.items) this.#items.set(item.id, item);
    this.#revision = snapshot.revision;
  }

  /**
   * Starts from a cached copy of this account, so that the next sync asks only for what changed since it (a delta)
   * rather than for everything. A copy of another account is ignored.
   */
  restoreSnapshot(snapshot: VaultSnapshot): void {
    this.#assertUnlocked();
    if (snapshot.account.userId === this.userId) this.#seed(snapshot);
  }

  /** restoreSnapshot from a sealed copy (Vault.sealSnapshot); a copy that does not open throws VaultCacheError. */
  async restoreSealedSnapshot(sealed: string): Promise<void> {
    this.#assertUnlocked();
    this.restoreSnapshot(await openVaultSnapshot(this.#accountKey, this.userId, sealed));
  }

  /** The local copy sealed for storage (vault-cache.ts), or undefined before the first sync. */
  async sealSnapshot(now = Date.now()): Promise<string | undefined> {
    this.#assertUnlocked();
    if (this.#revision === undefined) return undefined;
    const snapshot: VaultSnapshot = { account: this.account, revision: this.#revision, items: [...this.#items.values()], savedAt: this.offlineSince ?? now };
    return sealVaultSnapshot(this.#accountKey, snapshot);
  }

  #assertOnline(): void {
    if (this.offlineSince !== null) {
      throw new WatchwordError('SERVICE_UNAVAILABLE', { message: 'offline: the server cannot be reached, and changes need it' });
    }
  }

  /** Unlocks with the OPAQUE export key (after a login) or with an account key kept from an earlier unlock. */
  static async open(session: Session, key: { exportKey: string } | { accountKey: Uint8Array }): Promise<Vault> {
    const account = await session.call(api.account.get, {});
    const accountKey =
      'accountKey' in key
        ? key.accountKey
        : await unlockAccountKey({ exportKey: key.exportKey, userId: account.userId, kekSalt: account.keys.kekSalt, wrappedAccountKey: account.keys.wrappedAccountKey });
    return new Vault(session, account, accountKey, await Vault.#unwrapVaultKeys(account, accountKey));
  }

  get userId(): string {
    return this.account.userId;
  }

  /** The account key, for callers that keep the vault unlocked across processes (the CLI seals it first). */
  exportAccountKey(): Uint8Array {
    this.#assertUnlocked();
    return this.#accountKey.slice();
  }

  /**
   * Checks a candidate new master password for this account: the policy, the account's e-mail address as guessable,
   * and the account's recent passwords (from its sealed account data), so that a prompt can refuse one as it is typed.
   * changePassword checks again.
   */
  async checkNewPassword(password: string): Promise<PasswordCheck> {
    this.#assertUnlocked();
    const sealed = this.account.accountData;
    const data = sealed === null ? emptyAccountData() : await openAccountData({ accountKey: this.#accountKey, userId: this.userId, sealed });
    return checkPassword(password, { email: this.account.email, history: { accountKey: this.#accountKey, data } });
  }

  /**
   * Forgets the keys (overwritten with zeros) and every decrypted item; the session stays usable. Every later call on
   * this object throws: open a new Vault to continue (e.g. WatchwordClient.unlock). JavaScript cannot promise that no
   * copy is left in memory (strings, engine internals), but nothing this object holds stays readable.
   */
  lock(): void {
    this.#locked = true;
    this.#accountKey.fill(0);
    for (const key of this.#vaultKeys.values()) key.fill(0);
    this.#vaultKeys.clear();
    this.#items.clear();
    this.#revision = undefined;
  }

  get locked(): boolean {
    return this.#locked;
  }

  #assertUnlocked(): void {
    if (this.#locked) throw new Error('the vault is locked');
  }

  get personalVaultId(): string {
    const v = this.account.vaults.find((x) => x.kind === 'personal');
    if (!v) throw new WatchwordError('VAULT_NOT_FOUND');
    return v.id;
  }

  #vaultKey(vaultId: string): Uint8Array {
    this.#assertUnlocked();
    const key = this.#vaultKeys.get(vaultId);
    if (!key) throw new WatchwordError('VAULT_NOT_FOUND');
    return key;
  }

  async #decrypt(item: Item): Promise<VaultItem | undefined> {
    if (item.purged || item.data === null) return undefined;
    const content = await decryptItem({
      vaultKey: this.#vaultKey(item.vaultId),
      userId: this.userId,
      vaultId: item.vaultId,
      itemId: item.id,
      revision: item.revision,
      data: item.data,
    });
    return { id: item.id, vaultId: item.vaultId, revision: item.revision, deletedAt: item.deletedAt, createdAt: item.createdAt, updatedAt: item.updatedAt, content };
  }

  async #remember(item: Item): Promise<VaultItem | undefined> {
    const decrypted = await this.#decrypt(item);
    if (decrypted) this.#items.set(item.id, decrypted);
    else this.#items.delete(item.id);
    return decrypted;
  }

  /** Brings the local copy up to date: a full sync the first time, then only what changed (deletions included). */
  async sync(): Promise<SyncResult> {
    this.#assertUnlocked();
    this.#assertOnline();
    const response = await this.session.call(api.items.list, {
      query: { since: this.#revision === undefined ? undefined : String(this.#revision) },
    });
    if (response.full) this.#items.clear();
    let removed = 0;
    for (const item of response.items) {
      if (!(await this.#remember(item))) removed++;
    }
    this.#revision = response.revision;
    return { revision: response.revision, full: response.full, changed: response.items.length - removed, removed };
  }

  /**
   * The vault keys as non-extractable CryptoKeys (item-batch.ts), for decrypting this vault's items in a worker:
   * the raw key bytes never leave this object.
   */
  async itemKeys(): Promise<ItemKeys> {
    this.#assertUnlocked();
    const keys = new Map<string, CryptoKey>();
    for (const [vaultId, raw] of this.#vaultKeys) keys.set(vaultId, await importAesKey(raw));
    return { userId: this.userId, keys };
  }

  /**
   * sync() with the decryption done by `decrypt` in batches, and each batch reported (`onDelta`) as soon as it is
   * remembered: only what changed is reported, so a caller can update one row rather than the whole list. Every
   * batch is handed to `decrypt` at once (a worker queues them); they are applied in order. A full answer reports,
   * last, the ids it no longer holds. A lock during the sync stops it (the rest is dropped, nothing is reported).
   */
  async syncBatched(options: BatchedSyncOptions): Promise<SyncResult> {
    this.#assertUnlocked();
    this.#assertOnline();
    const response = await this.session.call(api.items.list, {
      query: { since: this.#revision === undefined ? undefined : String(this.#revision) },
    });
    this.#assertUnlocked();
    const live: LiveItem[] = [];
    const removed: string[] = [];
    for (const item of response.items) {
      if (isLive(item)) live.push(item);
      else removed.push(item.id);
    }
    const first = options.firstBatch ?? 100;
    const size = options.batch ?? 2000;
    const batches: LiveItem[][] = [];
    for (let start = 0; start < live.length; ) {
      const end = start + (batches.length === 0 ? first : size);
      batches.push(live.slice(start, end));
      start = end;
    }
    const pending = batches.map((batch) => options.decrypt(batch));
    // Every promise gets a handler now, so that one failing while an earlier one is awaited is not "unhandled".
    for (const p of pending) p.catch(() => undefined);
    const seen = response.full ? new Set<string>() : undefined;
    for (const p of pending) {
      const changed = await p;
      this.#assertUnlocked();
      for (const item of changed) {
        this.#items.set(item.id, item);
        seen?.add(item.id);
      }
      options.onDelta({ changed, removed: [] });
    }
    const gone = new Set(removed);
    // A full answer holds every item: what it leaves out is gone too.
    if (seen) for (const id of this.#items.keys()) if (!seen.has(id)) gone.add(id);
    for (const id of gone) this.#items.delete(id);
    this.#revision = response.revision;
    if (gone.size > 0) options.onDelta({ changed: [], removed: [...gone] });
    return { revision: response.revision, full: response.full, changed: live.length, removed: gone.size };
  }

  /** Every item (trash included unless asked otherwise), after a sync. */
  async list(options: { trash?: 'include' | 'exclude' | 'only' } = {}): Promise<VaultItem[]> {
    if (this.offlineSince === null) await this.sync();
    else this.#assertUnlocked();
    const mode = options.trash ?? 'exclude';
    return [...this.#items.values()]
      .filter((i) => (mode === 'include' ? true : mode === 'only' ? i.deletedAt !== null : i.deletedAt === null))
      .sort((a, b) => a.content.name.localeCompare(b.content.name) || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<VaultItem> {
    if (this.offlineSince !== null) {
      this.#assertUnlocked();
      const cached = this.#items.get(id);
      if (!cached) throw new WatchwordError('ITEM_NOT_FOUND');
      return cached;
    }
    const response = await this.session.call(api.items.get, { params: { id } });
    const item = await this.#remember(response.item);
    if (!item) throw new WatchwordError('ITEM_NOT_FOUND');
    return item;
  }

  async add(content: ItemContent, options: { vaultId?: string } = {}): Promise<VaultItem> {
    this.#assertOnline();
    const vaultId = options.vaultId ?? this.personalVaultId;
    const id = crypto.randomUUID();
    const data = await encryptItem({ vaultKey: this.#vaultKey(vaultId), userId: this.userId, vaultId, itemId: id, revision: 1, content });
    const response = await this.session.call(api.items.create, { body: { id, vaultId, data } });
    return (await this.#remember(response.item)) as VaultItem;
  }

  /**
   * Adds many items (an import): encrypted here, sent in batches of at most MAX_BATCH_ITEMS items and MAX_BATCH_BYTES
   * of body; each batch is all or nothing. `onProgress` is called after each batch with the number stored so far, and
   * `onStored` with that batch's items, so a caller can undo what a later failure leaves behind. The stored items are
   * remembered with the content they were sent with: nothing just encrypted here is decrypted again.
   */
  async addMany(
    contents: ItemContent[],
    options: { vaultId?: string; onProgress?: (done: number, total: number) => void; onStored?: (items: VaultItem[]) => void } = {},
  ): Promise<VaultItem[]> {
    this.#assertOnline();
    const vaultId = options.vaultId ?? this.personalVaultId;
    // The key is made into a CryptoKey once for the whole import, not once per item.
    const key = await importAesKey(this.#vaultKey(vaultId));
    const added: VaultItem[] = [];
    for (let start = 0; start < contents.length; start += MAX_BATCH_ITEMS) {
      const chunk = contents.slice(start, start + MAX_BATCH_ITEMS);
      const sent = new Map<string, { content: ItemContent; data: string }>();
      const items = await Promise.all(
        chunk.map(async (content) => {
          const id = crypto.randomUUID();
          const data = await encryptItem({ vaultKey: key, userId: this.userId, vaultId, itemId: id, revision: 1, content });
          sent.set(id, { content, data });
          return { id, vaultId, data };
        }),
      );
      for (const batch of bySize(items, MAX_BATCH_BYTES)) {
        const response = await this.session.call(api.items.createMany, { body: { items: batch } });
        const stored: VaultItem[] = [];
        for (const item of response.items) {
          const mine = sent.get(item.id);
          // The server echoes the ciphertext it stored: when it is byte for byte what was sent, its content is known.
          const remembered = mine !== undefined && item.data === mine.data ? this.#rememberSent(item, mine.content) : await this.#remember(item);
          if (remembered) stored.push(remembered);
        }
        added.push(...stored);
        options.onStored?.(stored);
        options.onProgress?.(added.length, contents.length);
      }
    }
    return added;
  }

  #rememberSent(item: Item, content: ItemContent): VaultItem {
    const remembered: VaultItem = { id: item.id, vaultId: item.vaultId, revision: item.revision, deletedAt: item.deletedAt, createdAt: item.createdAt, updatedAt: item.updatedAt, content };
    this.#items.set(item.id, remembered);
    return remembered;
  }

  /**
   * Replaces an item's content. `baseRevision` is the revision the caller edited; when someone else changed the item
   * since, the server answers ITEM_CONFLICT (with `details.currentRevision`) and nothing is overwritten.
   */
  async update(id: string, content: ItemContent, baseRevision: number): Promise<VaultItem> {
    this.#assertOnline();
    const current = this.#items.get(id);
    const vaultId = current?.vaultId ?? (await this.get(id)).vaultId;
    const data = await encryptItem({ vaultKey: this.#vaultKey(vaultId), userId: this.userId, vaultId, itemId: id, revision: baseRevision + 1, content });
    const response = await this.session.call(api.items.update, { params: { id }, body: { revision: baseRevision, data } });
    return (await this.#remember(response.item)) as VaultItem;
  }

  async trash(id: string): Promise<VaultItem> {
    this.#assertOnline();
    const response = await this.session.call(api.items.remove, { params: { id } });
    return (await this.#remember(response.item)) as VaultItem;
  }

  async restore(id: string): Promise<VaultItem> {
    this.#assertOnline();
    const response = await this.session.call(api.items.restore, { params: { id } });
    return (await this.#remember(response.item)) as VaultItem;
  }

  async purge(id: string): Promise<void> {
    this.#assertOnline();
    await this.session.call(api.items.remove, { params: { id },  query: { purge: 'true' } });
    this.#items.delete(id);
  }
}

/**
 * Splits `items` into runs whose request body `{"items":[…]}` stays within `limit` bytes, in order. The items are
 * ASCII JSON (ids and base64url ciphertext), so a character is a byte. One item never exceeds it: the item schema
 * bounds its data far below the limit.
 */
export function bySize<T>(items: readonly T[], limit: number): T[][] {
  const envelope = '{"items":[]}'.length;
  const runs: T[][] = [];
  let run: T[] = [];
  let size = envelope;
  for (const item of items) {
    const itemSize = JSON.stringify(item).length;
    // A run's body: the envelope, its items and a comma between each two.
    if (run.length > 0 && size + 1 + itemSize > limit) {
      runs.push(run);
      run = [];
      size = envelope;
    }
    size += (run.length > 0 ? 1 : 0) + itemSize;
    run.push(item);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
