import {
  type AccountResponse,
  api,
  DecryptionError,
  decryptItem,
  fromBase64Url,
  importAesKey,
  type ItemContent,
  type SharedItem,
  type SharedSyncResponse,
  toBase64Url,
  unwrapVaultKey,
} from '@watchword/protocol';
import { decryptBatch } from './decrypt-batch.ts';
import {
  type CachedSharedVault,
  type CacheIndexEntry,
  type CacheSync,
  type IndexedCacheData,
  IndexedCacheError,
  OpenedIndexedCache,
  applySync,
  openIndexedCache,
  sealIndexedCache,
} from './indexed-cache.ts';
import { type LocalUnlockRecord, openLocalUnlock } from './local-unlock.ts';
import { type SealedAccountKey, SealedResumeError, openSealedAccountKey, sealAccountKey } from './resume.ts';
import type { Session } from './session.ts';
import { KeyChangedError, KeyPins } from './sharing/pins.ts';
import { AccountPinStore } from './sharing/pin-store.ts';
import { SharedKeyring, type SharedVaultState } from './sharing/keyring.ts';
import { Vault, type VaultItem } from './vault.ts';
import type { KeyRotation } from './sharing/rotation.ts';
import { pullSharedVaults } from './sharing/shared-sync.ts';

/** What opens the account key: a sealed key and its resume key, the master password and this device's record, or an open vault. */
export type CopyKey = { sealed: string; resumeKey: string } | { local: LocalUnlockRecord; password: string } | { vault: Vault };

export interface CopySyncResult {
  revision: number;
  /** True when the personal answer held every item (no copy yet, or a cursor the server no longer knows). */
  full: boolean;
  /** Items the answer brought (new or changed). */
  changed: number;
  /** Items the copy held before and no longer does (purged, moved, or of a shared vault no longer reached). */
  removed: number;
}

/** How many shared items are decrypted at once (as decrypt-batch.ts does for personal ones). */
const SHARED_CHUNK = 512;

/**
 * The CLI's vault for reading (issue 23; docs/performance.md, "Large vaults, client side"): the local copy of
 * indexed-cache.ts, brought up to date by delta sync — personal items (`GET /api/v1/items?since=`) and shared vaults
 * (`/api/v1/vaults/sync` with the revision held of each; sharing/shared-sync.ts) — with only the items a sync brings decrypted (to index
 * them), and a lookup decrypting only what it shows. No decrypted Vault is seeded. The shared vaults' key chains are
 * kept inside the sealed index, so a shared item opens without its grant being opened again; a vault no longer reached
 * (left, removed) goes with its items and keys at the next sync. Writes go through `toVault`, a Vault seeded at the
 * copy's revision; they change the server's revision, so the next delta brings them into the copy: it never serves an
 * older version once it has synced.
 */
export class CachedVault {
  readonly session: Session;
  readonly userId: string;
  /** True when a copy was given and did not open (changed, truncated, of another account or format): it is not used. */
  readonly copyRefused: boolean;
  readonly #accountKey: Uint8Array;
  readonly #pinsSealed: string | null;
  #current: OpenedIndexedCache | undefined;
  /** The copy as the last sync changed it, to seal; undefined while it is as read. */
  #changed: IndexedCacheData | undefined;
  readonly #personalKeys = new Map<string, Uint8Array>();
  readonly #sharedKeys = new Map<string, Map<number, Uint8Array>>();
  readonly #problems = new Map<string, Error>();
  #rotationsOwed: readonly string[] = [];
  readonly #rotationListeners = new Set<(rotation: KeyRotation) => void>();
  #keyring: SharedKeyring | undefined;

  private constructor(session: Session, userId: string, accountKey: Uint8Array, current: OpenedIndexedCache | undefined, copyRefused: boolean, pins: string | null) {
    this.session = session;
    this.userId = userId;
    this.#accountKey = accountKey;
    this.#current = current;
    this.copyRefused = copyRefused;
    this.#pinsSealed = pins;
  }

  /**
   * Opens the account key (SealedResumeError, LocalUnlockError when it does not open) and the copy's index. A copy that
   * does not open is not an error here: `copyRefused` says so, and the next sync is a full one. Nothing is sent.
   */
  static async open(input: { session: Session; userId: string; key: CopyKey; copy: string | null; pins?: string | null }): Promise<CachedVault> {
    const { key, userId } = input;
    const accountKey =
      'vault' in key ? key.vault.exportAccountKey()
      : 'resumeKey' in key ? await openSealedAccountKey({ sealed: key.sealed, resumeKey: key.resumeKey, userId })
      : await openLocalUnlock(key.local, userId, key.password);
    let current: OpenedIndexedCache | undefined;
    let refused = false;
    if (input.copy !== null) {
      try {
        current = await openIndexedCache(accountKey, userId, input.copy);
      } catch (error) {
        if (!(error instanceof IndexedCacheError)) throw error;
        refused = true;
      }
    }
    const cached = new CachedVault(input.session, userId, accountKey, current, refused, input.pins ?? null);
    if (current) await cached.#unwrapKeys(current.account, current.shared);
    return cached;
  }

  async #unwrapKeys(account: AccountResponse, shared: readonly CachedSharedVault[]): Promise<void> {
    if (account.userId !== this.userId) throw new SealedResumeError();
    this.#personalKeys.clear();
    for (const v of account.vaults) {
      try {
        this.#personalKeys.set(v.id, await unwrapVaultKey({ accountKey: this.#accountKey, userId: this.userId, vaultId: v.id, wrappedKey: v.wrappedKey }));
      } catch (error) {
        // The account key does not open this account's vault: not the key of this session (resume.ts's rule).
        if (error instanceof DecryptionError) throw new SealedResumeError();
        throw error;
      }
    }
    this.#sharedKeys.clear();
    for (const v of shared) this.#sharedKeys.set(v.id, new Map(v.keys.map(([version, raw]) => [version, fromBase64Url(raw)])));
  }

  /** Whether there is a copy to read (opened, or made by a sync). */
  get hasCopy(): boolean {
    return this.#current !== undefined;
  }

  get #copy(): OpenedIndexedCache {
    const current = this.#current;
    if (!current) throw new IndexedCacheError();
    return current;
  }

  get revision(): number {
    return this.#copy.revision;
  }

  /** When the copy was made (ms since the epoch): what an offline read shows its age by. */
  get savedAt(): number {
    return this.#copy.savedAt;
  }

  get account(): AccountResponse {
    return this.#copy.account;
  }

  get personalVaultId(): string | undefined {
    return this.#current?.account.vaults.find((v) => v.kind === 'personal')?.id;
  }

  /** True when the last sync changed the copy, which is then to be sealed again (`seal`). */
  get changed(): boolean {
    return this.#changed !== undefined;
  }

  list(options: { trash?: 'include' | 'exclude' | 'only' } = {}): CacheIndexEntry[] {
    return this.#copy.list(options);
  }

  search(text: string, options: { trash?: 'include' | 'exclude' | 'only' } = {}): CacheIndexEntry[] {
    return this.#copy.search(text, options);
  }

  /** Every entry, unsorted, trash included. */
  get entries(): readonly CacheIndexEntry[] {
    return this.#copy.entries;
  }

  byId(id: string): CacheIndexEntry | undefined {
    return this.#copy.byId(id);
  }

  /** The entries a lower-cased query names: by id or id prefix (8+ characters), else by exact name (OpenedIndexedCache.named). */
  named(query: string, trash: 'include' | 'exclude' | 'only' = 'include'): CacheIndexEntry[] {
    return this.#copy.named(query, trash);
  }

  /** How a vault is labelled in lists: "Personal", or the shared vault's name. */
  vaultName(vaultId: string): string {
    const copy = this.#copy;
    if (copy.account.vaults.some((v) => v.id === vaultId)) return 'Personal';
    return copy.shared.find((v) => v.id === vaultId)?.name ?? `vault ${vaultId.slice(0, 8)}`;
  }

  /** Shared vaults the last sync reached but could not open, with why (as Vault.sharedVaultProblems). */
  sharedVaultProblems(): { vaultId: string; error: Error }[] {
    return [...this.#problems].map(([vaultId, error]) => ({ vaultId, error }));
  }

  /**
   * Decrypts these entries' blobs only. A blob that does not open in its slot, or an entry naming a key this copy does
   * not hold, throws IndexedCacheError: the file was changed; discard it (`discard`) and sync again.
   */
  decrypt(entries: readonly CacheIndexEntry[]): Promise<VaultItem[]> {
    return this.#copy.decrypt(entries, (vaultId, keyVersion) => {
      const key = keyVersion === null ? this.#personalKeys.get(vaultId) : this.#sharedKeys.get(vaultId)?.get(keyVersion);
      if (!key) throw new IndexedCacheError();
      return key;
    });
  }

  /** Forgets the copy (a blob that did not open): the next sync is a full one. */
  discard(): void {
    this.#current = undefined;
    this.#changed = undefined;
  }

  /** The copy as file text (indexed-cache.ts), after a sync that changed it. */
  async seal(): Promise<string> {
    if (!this.#changed) throw new Error('nothing to seal: the copy is as it was read');
    return sealIndexedCache(this.#accountKey, this.#changed);
  }

  /** The account key sealed for a later process (WatchwordClient.sealForResume, without a Vault). */
  sealForResume(): Promise<SealedAccountKey> {
    return sealAccountKey(this.#accountKey, this.userId);
  }

  /** The member keys pinned while opening grants, sealed (Vault.sealKeyPins); undefined when none was opened. */
  async sealKeyPins(): Promise<string | undefined> {
    return this.#keyring?.pins.seal(this.#accountKey, this.userId);
  }

  async #ring(account: AccountResponse): Promise<SharedKeyring> {
    if (this.#keyring) return this.#keyring;
    let pins = new KeyPins();
    if (this.#pinsSealed !== null) {
      try {
        pins = await KeyPins.open(this.#accountKey, this.userId, this.#pinsSealed);
      } catch {
        // Unreadable pins only lose trust-on-first-use history (as Vault.restoreKeyPins).
      }
    }
    // The account's pins (its sealed account data, as the Vault keeps them): a device that never met a member still
    // detects a key substituted for one the account has seen. An API key's session never reaches sharing.
    if (!this.session.isApiKey) pins.attach(new AccountPinStore(this.session, account, this.#accountKey));
    this.#keyring = new SharedKeyring(this.session, account, this.#accountKey, pins);
    return this.#keyring;
  }

  /**
   * Shared vaults that owe a key rotation (a member lost access) and that this account manages, as of the last sync
   * (after `sync` has tried to rotate them: those left could not be, e.g. a member's key changed).
   */
  get rotationsOwed(): readonly string[] {
    return this.#rotationsOwed;
  }

  /** Called for each vault key `sync` rotates (as Vault.onKeyRotated). */
  onKeyRotated(listener: (rotation: KeyRotation) => void): () => void {
    this.#rotationListeners.add(listener);
    return () => void this.#rotationListeners.delete(listener);
  }

  /**
   * Brings the copy up to date: the personal delta since the copy's revision and the shared sync with the revision held
   * of each shared vault, asked for together; only the items they bring are decrypted. Without a copy, a full sync
   * makes one. Throws the request's error (SERVICE_UNAVAILABLE when the server cannot be reached) and leaves the copy
   * as it was.
   *
   * A shared vault this account manages that owes a key rotation is rotated here, as the Vault's sync does: through a
   * Vault seeded at the copy's revision (its sync rotates: sharing/rotation.ts), then the copy syncs again to hold the
   * new key.
   */
  async sync(): Promise<CopySyncResult> {
    const pulled = await this.#pull();
    if (this.#rotationsOwed.length === 0) return pulled;
    const vault = await this.toVault();
    const stops = [...this.#rotationListeners].map((listener) => vault.onKeyRotated(listener));
    try {
      await vault.sync();
    } finally {
      for (const stop of stops) stop();
      vault.lock();
    }
    const rotated = await this.#pull();
    return { revision: rotated.revision, full: pulled.full || rotated.full, changed: pulled.changed + rotated.changed, removed: pulled.removed + rotated.removed };
  }

  async #pull(): Promise<CopySyncResult> {
    const base = this.#current;
    const known = (base?.shared ?? []).map((v) => ({ vaultId: v.id, revision: v.revision }));
    const [account, personal, shared] = await Promise.all([
      base ? Promise.resolve(base.account) : this.session.call(api.account.get, {}),
      this.session.call(api.items.list, { query: { since: base === undefined ? undefined : String(base.revision) } }),
      // API keys never reach shared vaults (the server refuses them there).
      this.session.isApiKey ? Promise.resolve(undefined) : pullSharedVaults(this.session, known),
    ]);
    if (!base) await this.#unwrapKeys(account, []);
    const personalItems = await decryptBatch(personal.items, this.userId, (vaultId) => {
      const key = this.#personalKeys.get(vaultId);
      if (!key) throw new DecryptionError();
      return key;
    });
    const sharedState = shared ? await this.#syncShared(account, shared, base?.shared ?? []) : { vaults: [], items: [] };
    const items: CacheSync['items'] = [...personalItems, ...sharedState.items];
    const sameShared = JSON.stringify(sharedState.vaults) === JSON.stringify(base?.shared ?? []);
    if (base && items.length === 0 && !personal.full && personal.revision === base.revision && sameShared) {
      return { revision: base.revision, full: false, changed: 0, removed: 0 };
    }
    const data = applySync(base?.toData(), { account, revision: personal.revision, full: personal.full || !base, items, shared: sharedState.vaults });
    const kept = new Set(data.entries.map((e) => e.id));
    const removed = (base?.entries ?? []).filter((e) => !kept.has(e.id)).length;
    this.#current = OpenedIndexedCache.fromData(data);
    this.#changed = data;
    return { revision: personal.revision, full: personal.full || !base, changed: items.filter((i) => i.content !== undefined).length, removed };
  }

  /**
   * The shared vaults after the shared sync's answer: each reached vault's key chain (a grant opened only for a vault
   * new here, or when this member's key version moved), name and access, and the answer's items decrypted. A vault
   * whose grant does not open is left out and reported (sharedVaultProblems), its items with it.
   */
  async #syncShared(account: AccountResponse, answer: SharedSyncResponse, held: readonly CachedSharedVault[]): Promise<{ vaults: CachedSharedVault[]; items: CacheSync['items'] }> {
    this.#problems.clear();
    this.#rotationsOwed = answer.vaults.filter((v) => v.rotationPendingSince !== null && v.access === 'manage').map((v) => v.id);
    const vaults: CachedSharedVault[] = [];
    const keys = new Map<string, Map<number, Uint8Array>>();
    for (const vault of answer.vaults) {
      const before = held.find((v) => v.id === vault.id);
      let chain = this.#sharedKeys.get(vault.id);
      if (!before || !chain?.has(vault.memberKeyVersion)) {
        let opened: SharedVaultState;
        try {
          opened = await (await this.#ring(account)).openVault(vault);
        } catch (error) {
          const unopenable = error instanceof KeyChangedError || error instanceof DecryptionError || (error instanceof Error && 'code' in error && error.code === 'USER_NOT_FOUND');
          if (!unopenable) throw error;
          this.#problems.set(vault.id, error);
          continue;
        }
        // Keys of older versions held before stay: items may still be sealed under them.
        for (const [version, key] of chain ?? []) if (!opened.keys.has(version)) opened.keys.set(version, key);
        chain = opened.keys;
      }
      keys.set(vault.id, chain);
      const name = await (await this.#ring(account)).openName(vault.id, vault.encryptedName, chain);
      vaults.push({
        id: vault.id, orgId: vault.orgId, name, keyVersion: vault.keyVersion, access: vault.access,
        // A vault this member had not named yet comes whole, whatever its cursor was here.
        revision: vault.revision,
        keys: [...chain].sort(([a], [b]) => b - a).map(([version, key]) => [version, toBase64Url(key)]),
      });
    }
    const items = await decryptShared(answer.items.filter((item) => keys.has(item.vaultId)), this.userId, (vaultId, version) => keys.get(vaultId)?.get(version));
    // The chains of vaults no longer reached are forgotten with them.
    for (const [id, chain] of this.#sharedKeys) if (!keys.has(id)) for (const key of chain.values()) key.fill(0);
    this.#sharedKeys.clear();
    for (const [id, chain] of keys) this.#sharedKeys.set(id, chain);
    return { vaults, items };
  }

  /**
   * A full Vault for a change (add, edit, move, sharing…), seeded at the copy's revision with `items` (those the change
   * is about), so that its own sync asks only for what is newer than the copy. Needs the server.
   */
  async toVault(items: VaultItem[] = []): Promise<Vault> {
    const vault = await Vault.open(this.session, { accountKey: this.#accountKey.slice() });
    if (this.#keyring) vault.useKeyPins(this.#keyring.pins);
    else if (this.#pinsSealed !== null) await vault.restoreKeyPins(this.#pinsSealed);
    const current = this.#current;
    if (current) vault.restoreSnapshot({ account: vault.account, revision: current.revision, items, savedAt: current.savedAt });
    return vault;
  }

  /** Overwrites the keys this object holds with zeros; every later call that needs them fails. */
  lock(): void {
    this.#accountKey.fill(0);
    for (const key of this.#personalKeys.values()) key.fill(0);
    for (const chain of this.#sharedKeys.values()) for (const key of chain.values()) key.fill(0);
    this.#personalKeys.clear();
    this.#sharedKeys.clear();
    this.#current = undefined;
    this.#changed = undefined;
  }
}

/** Decrypts shared items in chunks, each vault key version imported once; purged items come back without content. */
async function decryptShared(
  items: readonly SharedItem[],
  userId: string,
  keyFor: (vaultId: string, version: number) => Uint8Array | undefined,
): Promise<{ item: SharedItem; content: ItemContent | undefined }[]> {
  const imported = new Map<string, Promise<CryptoKey>>();
  const key = (item: SharedItem): Promise<CryptoKey> => {
    const name = `${item.vaultId}\0${item.keyVersion}`;
    let found = imported.get(name);
    if (!found) {
      const raw = keyFor(item.vaultId, item.keyVersion);
      // A version this member was never given: the item cannot be shown (as Vault's VAULT_NOT_FOUND).
      found = raw ? importAesKey(raw) : Promise.reject(new DecryptionError());
      imported.set(name, found);
    }
    return found;
  };
  const out: { item: SharedItem; content: ItemContent | undefined }[] = [];
  for (let start = 0; start < items.length; start += SHARED_CHUNK) {
    const chunk = items.slice(start, start + SHARED_CHUNK);
    out.push(
      ...(await Promise.all(
        chunk.map(async (item) => {
          if (item.purged || item.data === null) return { item, content: undefined };
          const content = await decryptItem({ vaultKey: await key(item), userId, vaultId: item.vaultId, itemId: item.id, revision: item.revision, keyVersion: item.keyVersion, data: item.data });
          return { item, content };
        }),
      )),
    );
  }
  return out;
}
