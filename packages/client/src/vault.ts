import {
  type AccountResponse,
  api,
  DecryptionError,
  decryptItem,
  emptyAccountData,
  encryptItem,
  importAesKey,
  type Item,
  type ItemContent,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  openAccountData,
  type SharedItem,
  unlockAccountKey,
  unwrapVaultKey,
  WatchwordError,
} from '@watchword/protocol';
import { decryptBatch } from './decrypt-batch.ts';
import { type PasswordCheck, checkPassword } from './password-policy.ts';
import { type ItemKeys, isLive, type LiveItem } from './item-batch.ts';
import type { Session } from './session.ts';
import { type VaultSnapshot, openVaultSnapshot, sealVaultSnapshot } from './vault-cache.ts';
import { KeyChangedError, KeyPins } from './sharing/pins.ts';
import { type SharedVaultState, SharedKeyring } from './sharing/keyring.ts';
import { AccountPinStore } from './sharing/pin-store.ts';
import { type KeyRotation, isRotationRace, rotateOwedVaults } from './sharing/rotation.ts';
import { pullSharedVaults } from './sharing/shared-sync.ts';

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

/** A change sealed while offline (Vault.queueChange): what add/update/trash would send, and the revision it is based on. */
export interface QueuedChange {
  op: 'create' | 'update' | 'trash';
  id: string;
  vaultId: string;
  /** The item's revision the change was made on (0 for a new item). */
  baseRevision: number;
  /** The encrypted item (for revision baseRevision + 1); null for a trash. */
  data: string | null;
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
  /** The revision and the account (as JSON) of the copy this vault was seeded from (restoreSnapshot / openOffline). */
  #restored: { revision: number; account: string } | undefined;
  /** Set when items came from a copy (#seed): the next shared sync drops those of vaults no longer reached. */
  #sweepCopiedItems = false;
  #locked = false;
  /** Shared vaults this member reaches (by id), with their key chains; filled by sync. */
  readonly #shared = new Map<string, SharedVaultState>();
  /** Shared vaults the last sync could not open (a key that changed, a grant that does not verify), by id. */
  readonly #sharedProblems = new Map<string, Error>();
  /** Shared vaults owing a rotation that this account manages but could not rotate (a member's key changed), by id. */
  readonly #rotationProblems = new Map<string, Error>();
  readonly #rotationListeners = new Set<(rotation: KeyRotation) => void>();
  #keyring: SharedKeyring | undefined;
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

  /** openOffline from a sealed copy (Vault.sealSnapshot); a copy that does not open throws VaultCacheError. */
  static async openOfflineSealed(session: Session, accountKey: Uint8Array, userId: string, sealed: string): Promise<Vault> {
    return Vault.openOffline(session, accountKey, await openVaultSnapshot(accountKey, userId, sealed));
  }

  #seed(snapshot: VaultSnapshot): void {
    this.#items.clear();
    for (const item of snapshot.items) this.#items.set(item.id, item);
    this.#revision = snapshot.revision;
    this.#restored = { revision: snapshot.revision, account: JSON.stringify(snapshot.account) };
    this.#sweepCopiedItems = true;
  }

  /**
   * Whether the server has reported nothing new since the copy this vault was restored from — the same sync revision
   * and the same account (its vaults and wrapped keys) — so that sealing again would store a copy that a delta sync
   * brings up to date no better than the one already stored (changes made here without a sync since have a higher
   * revision, so the next delta from the copy's revision brings them too). A caller that keeps a copy (the CLI) skips
   * rewriting it then.
   */
  get unchangedSinceRestore(): boolean {
    const restored = this.#restored;
    return restored !== undefined && this.#revision === restored.revision && JSON.stringify(this.account) === restored.account;
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
    for (const vault of this.#shared.values()) for (const key of vault.keys.values()) key.fill(0);
    this.#shared.clear();
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

  async #decrypt(item: Item | SharedItem): Promise<VaultItem | undefined> {
    if (item.purged || item.data === null) return undefined;
    const keyVersion = 'keyVersion' in item ? item.keyVersion : undefined;
    const content = await decryptItem({
      vaultKey: keyVersion === undefined ? this.#vaultKey(item.vaultId) : this.#sharedKey(item.vaultId, keyVersion),
      userId: this.userId,
      vaultId: item.vaultId,
      itemId: item.id,
      revision: item.revision,
      keyVersion,
      data: item.data,
    });
    return { id: item.id, vaultId: item.vaultId, revision: item.revision, deletedAt: item.deletedAt, createdAt: item.createdAt, updatedAt: item.updatedAt, content };
  }

  async #remember(item: Item | SharedItem): Promise<VaultItem | undefined> {
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
    // Decrypted as one batch (decrypt-batch.ts) before anything is changed: an item that does not open leaves the
    // local copy as it was.
    const decrypted = await decryptBatch(response.items, this.userId, (vaultId) => this.#vaultKey(vaultId));
    if (response.full) this.#forgetPersonalItems();
    let removed = 0;
    for (const { item, content } of decrypted) {
      if (content === undefined) {
        this.#items.delete(item.id);
        removed++;
      } else this.#rememberSent(item, content);
    }
    this.#revision = response.revision;
    const shared = await this.#syncShared();
    return { revision: response.revision, full: response.full, changed: response.items.length - removed + shared.changed.length, removed: removed + shared.removed.length };
  }

  // ——— Shared vaults (issue 25) ———

  /**
   * The keys of sharing: own sharing keys (registered on first need), the account's pinned member keys (kept in its
   * sealed account data, pin-store.ts), vault key chains.
   */
  get keyring(): SharedKeyring {
    this.#assertUnlocked();
    this.#keyring ??= new SharedKeyring(this.session, this.account, this.#accountKey, this.#accountPins(new KeyPins()));
    return this.#keyring;
  }

  /**
   * Uses pins kept on this device from an earlier session (KeyPins.open on what `sealKeyPins` returned), before the
   * first sync: they join the account's pins, and those the account lacks are written into it at the next flush.
   */
  useKeyPins(pins: KeyPins): void {
    this.#assertUnlocked();
    this.#keyring = new SharedKeyring(this.session, this.account, this.#accountKey, this.#accountPins(pins));
  }

  #accountPins(pins: KeyPins): KeyPins {
    // An API key's session never reaches sharing (nor writes account data): its pins stay in memory.
    if (!this.session.isApiKey) pins.attach(new AccountPinStore(this.session, this.account, this.#accountKey));
    return pins;
  }

  /** Called with each key rotation this vault's syncs make; returns the function that stops it. */
  onKeyRotated(listener: (rotation: KeyRotation) => void): () => void {
    this.#rotationListeners.add(listener);
    return () => void this.#rotationListeners.delete(listener);
  }

  /**
   * The shared vaults that owe a key rotation (after a sync): whether this account may rotate them (`manage`), and
   * why it could not when it tried (a member's key that changed, KeyChangedError). New content waits until then.
   */
  pendingRotations(): { vaultId: string; name: string | null; since: number; canRotate: boolean; error: Error | null }[] {
    this.#assertUnlocked();
    return [...this.#shared.values()]
      .filter((v) => v.rotationPendingSince !== null)
      .map((v) => ({ vaultId: v.id, name: v.name, since: v.rotationPendingSince as number, canRotate: v.access === 'manage', error: this.#rotationProblems.get(v.id) ?? null }));
  }

  /** Pins kept by `sealKeyPins` on this device; a blob that does not open (another account, changed) is ignored. */
  async restoreKeyPins(sealed: string): Promise<void> {
    this.#assertUnlocked();
    try {
      this.useKeyPins(await KeyPins.open(this.#accountKey, this.userId, sealed));
    } catch {
      // Unreadable pins only lose trust-on-first-use history: keys are then pinned again as they are seen.
    }
  }

  /** The pinned member keys sealed for storage on this device (KeyPins.open reads them back). */
  sealKeyPins(): Promise<string> {
    return this.keyring.pins.seal(this.#accountKey, this.userId);
  }

  /**
   * Shared vaults the last sync reached but could not open, with why: a member's key that changed (KeyChangedError),
   * a grant whose signature or seal does not verify (DecryptionError), a granter whose keys are unknown. Their items
   * are not shown.
   */
  sharedVaultProblems(): { vaultId: string; error: Error }[] {
    return [...this.#sharedProblems].map(([vaultId, error]) => ({ vaultId, error }));
  }

  /** The shared vaults this member reaches (after a sync). */
  sharedVaults(): SharedVaultState[] {
    this.#assertUnlocked();
    return [...this.#shared.values()];
  }

  sharedVault(vaultId: string): SharedVaultState {
    const state = this.#shared.get(vaultId);
    if (!state) throw new WatchwordError('VAULT_NOT_FOUND');
    return state;
  }

  /** How a vault is labelled in lists: "Personal", or the shared vault's name. */
  vaultName(vaultId: string): string {
    if (this.account.vaults.some((v) => v.id === vaultId)) return 'Personal';
    return this.#shared.get(vaultId)?.name ?? `vault ${vaultId.slice(0, 8)}`;
  }

  /**
   * Brings the shared vaults up to date and says what it changed; then rotates the key of every vault that owes a
   * rotation and that this account manages (a member lost access: rotation.ts), and pulls again to hold the new keys;
   * then writes the pins this device added into the account's (pins.ts).
   */
  async #syncShared(): Promise<SyncDelta> {
    const delta = await this.#pullShared();
    if (this.session.isApiKey) return delta;
    // Two rounds at most: a rotation refused because the members changed meanwhile is tried once more.
    for (let round = 0; round < 2; round++) {
      const { tried, rotated } = await rotateOwedVaults({ session: this.session, keyring: this.keyring, userId: this.userId, states: [...this.#shared.values()], problems: this.#rotationProblems });
      if (!tried) break;
      const again = await this.#pullShared();
      delta.changed.push(...again.changed);
      delta.removed.push(...again.removed);
      for (const rotation of rotated) for (const listener of this.#rotationListeners) listener(rotation);
    }
    await this.keyring.pins.flush();
    return delta;
  }

  /**
   * New content for `vaultId` goes out through here: in a shared vault that owes a rotation, a manager rotates first
   * (through the sync); anyone else is told to wait (VAULT_ROTATION_PENDING, nothing sent) unless the sync shows that
   * a manager rotated meanwhile. When the server refuses because the vault started owing a rotation, or its key moved
   * on, since the last sync, `write` runs once more after a sync — it seals again, under the key current then.
   */
  async #writing<T>(vaultId: string, write: () => Promise<T>): Promise<T> {
    if (!this.#shared.has(vaultId)) return write();
    const pending = () => this.#shared.get(vaultId)?.rotationPendingSince != null;
    const settle = async () => {
      if (!pending()) return;
      // The state may be stale: the sync shows whether another manager rotated meanwhile, and rotates if this one may.
      await this.#syncShared();
      if (pending()) throw this.#rotationProblems.get(vaultId) ?? new WatchwordError('VAULT_ROTATION_PENDING');
    };
    await settle();
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof WatchwordError) || !(error.code === 'VAULT_ROTATION_PENDING' || isRotationRace(error))) throw error;
      await this.#syncShared();
      await settle();
      return write();
    }
  }

  /**
   * Pulls the shared vaults (`/api/v1/vaults/sync`, sharing/shared-sync.ts) and says what it changed: the shared items decrypted anew, and
   * the ids of those that went (purged, moved away, or of a vault no longer reached).
   */
  async #pullShared(): Promise<SyncDelta> {
    const removed: string[] = [];
    const changed: VaultItem[] = [];
    // API keys never reach shared vaults (the server refuses them there): their vault is the personal one.
    if (this.session.isApiKey) return { changed, removed };
    const known = [...this.#shared.values()].map((v) => ({ vaultId: v.id, revision: v.revision }));
    const response = await pullSharedVaults(this.session, known);
    for (const id of response.gone) removed.push(...this.#dropShared(id));
    const reached = new Set(response.vaults.map((v) => v.id));
    // A vault named as known but neither listed nor gone cannot happen; a vault listed only now is new.
    for (const id of [...this.#shared.keys()]) if (!reached.has(id)) removed.push(...this.#dropShared(id));
    this.#sharedProblems.clear();
    const opened: typeof response.vaults = [];
    for (const vault of response.vaults) {
      const held = this.#shared.get(vault.id);
      if (!held || !held.keys.has(vault.memberKeyVersion)) {
        let opened: SharedVaultState;
        try {
          opened = await this.keyring.openVault(vault);
        } catch (error) {
          // One vault whose grant does not open must not hide the others: it is left out and reported (its items too).
          const unopenable = error instanceof KeyChangedError || error instanceof DecryptionError || (error instanceof WatchwordError && error.code === 'USER_NOT_FOUND');
          if (!unopenable) throw error;
          this.#sharedProblems.set(vault.id, error);
          if (held) removed.push(...this.#dropShared(vault.id));
          continue;
        }
        // Keys of older versions held before stay: items may still be sealed under them.
        for (const [version, key] of held?.keys ?? []) if (!opened.keys.has(version)) opened.keys.set(version, key);
        opened.revision = held?.revision ?? 0;
        this.#shared.set(vault.id, opened);
      }
      const state = this.#shared.get(vault.id) as SharedVaultState;
      state.keyVersion = vault.keyVersion;
      state.access = vault.access;
      state.rotationPendingSince = vault.rotationPendingSince;
      state.name = await this.keyring.openName(vault.id, vault.encryptedName, state.keys);
      opened.push(vault);
    }
    for (const item of response.items) {
      if (!this.#shared.has(item.vaultId)) continue;
      const decrypted = await this.#remember(item);
      if (decrypted) changed.push(decrypted);
      else removed.push(item.id);
    }
    for (const vault of opened) (this.#shared.get(vault.id) as SharedVaultState).revision = vault.revision;
    // The answer lists every shared vault reached now. Only a vault restored from a copy (#seed) can hold items of a
    // vault that is in neither list (the copy was made while it was still shared with this member): they go, once.
    if (this.#sweepCopiedItems) {
      this.#sweepCopiedItems = false;
      const personal = new Set(this.account.vaults.map((v) => v.id));
      for (const [id, item] of this.#items) {
        if (!personal.has(item.vaultId) && !this.#shared.has(item.vaultId)) {
          this.#items.delete(id);
          removed.push(id);
        }
      }
    }
    return { changed, removed };
  }

  /** Forgets a shared vault (its keys zeroed) and its items; returns the ids of the items dropped. */
  #dropShared(vaultId: string): string[] {
    const state = this.#shared.get(vaultId);
    if (state) for (const key of state.keys.values()) key.fill(0);
    this.#shared.delete(vaultId);
    const removed: string[] = [];
    for (const [id, item] of this.#items) {
      if (item.vaultId === vaultId) {
        this.#items.delete(id);
        removed.push(id);
      }
    }
    return removed;
  }

  #sharedKey(vaultId: string, keyVersion: number): Uint8Array {
    this.#assertUnlocked();
    const key = this.#shared.get(vaultId)?.keys.get(keyVersion);
    if (!key) throw new WatchwordError('VAULT_NOT_FOUND');
    return key;
  }

  /** Where new content of `vaultId` is sealed: the personal key, or the shared vault's current key and its version. */
  #target(vaultId: string): { key: Uint8Array; keyVersion: number | undefined } {
    const shared = this.#shared.get(vaultId);
    if (!shared) return { key: this.#vaultKey(vaultId), keyVersion: undefined };
    return { key: this.#sharedKey(vaultId, shared.keyVersion), keyVersion: shared.keyVersion };
  }

  /**
   * Moves an item to another vault (personal ↔ shared, shared ↔ shared): re-encrypted here under the target vault's
   * key with a new id — the AAD binds vault and item id, so the server cannot put the old blob back unnoticed — and
   * swapped on the server in one step. Returns the item in its new vault.
   */
  async move(id: string, vaultId: string): Promise<VaultItem> {
    this.#assertOnline();
    const current = this.#items.get(id) ?? (await this.get(id));
    if (current.vaultId === vaultId) return current;
    return this.#writing(vaultId, () => this.#moveTo(current, vaultId));
  }

  async #moveTo(current: VaultItem, vaultId: string): Promise<VaultItem> {
    const id = current.id;
    const target = this.#target(vaultId);
    const newId = crypto.randomUUID();
    const data = await encryptItem({ vaultKey: target.key, userId: this.userId, vaultId, itemId: newId, revision: 1, keyVersion: target.keyVersion, content: current.content });
    const response = await this.session.call(api.vaults.moveItem, {
      body: { from: { vaultId: current.vaultId, id, revision: current.revision }, to: { vaultId, id: newId, ...(target.keyVersion === undefined ? {} : { keyVersion: target.keyVersion }), data } },
    });
    this.#items.delete(id);
    const moved = response.keyVersion === null ? response.item : { ...response.item, keyVersion: response.keyVersion };
    return (await this.#remember(moved)) as VaultItem;
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
    // A full answer holds every personal item: what it leaves out is gone too (shared vaults sync on their own).
    if (seen) for (const [id, item] of this.#items) if (!seen.has(id) && !this.#shared.has(item.vaultId)) gone.add(id);
    for (const id of gone) this.#items.delete(id);
    this.#revision = response.revision;
    if (gone.size > 0) options.onDelta({ changed: [], removed: [...gone] });
    // Then the shared vaults (their answers are small deltas, decrypted here), reported as one more delta.
    const shared = await this.#syncShared();
    this.#assertUnlocked();
    if (shared.changed.length > 0 || shared.removed.length > 0) options.onDelta(shared);
    return { revision: response.revision, full: response.full, changed: live.length + shared.changed.length, removed: gone.size + shared.removed.length };
  }

  /** A full personal answer replaces the personal items; the shared vaults' items stay (they sync on their own). */
  #forgetPersonalItems(): void {
    for (const [id, item] of this.#items) if (!this.#shared.has(item.vaultId)) this.#items.delete(id);
  }

  /** The items held now (trash included), without a sync: what the last sync, or the copy opened offline, brought. */
  localItems(): VaultItem[] {
    this.#assertUnlocked();
    return [...this.#items.values()];
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
    const held = this.#items.get(id);
    const response =
      held && this.#shared.has(held.vaultId)
        ? await this.session.call(api.vaults.getItem, { params: { vaultId: held.vaultId, id } })
        : await this.session.call(api.items.get, { params: { id } });
    const item = await this.#remember(response.item);
    if (!item) throw new WatchwordError('ITEM_NOT_FOUND');
    return item;
  }

  async add(content: ItemContent, options: { vaultId?: string } = {}): Promise<VaultItem> {
    this.#assertOnline();
    const vaultId = options.vaultId ?? this.personalVaultId;
    const id = crypto.randomUUID();
    return this.#writing(vaultId, async () => {
      const target = this.#target(vaultId);
      const data = await encryptItem({ vaultKey: target.key, userId: this.userId, vaultId, itemId: id, revision: 1, keyVersion: target.keyVersion, content });
      const response =
        target.keyVersion === undefined
          ? await this.session.call(api.items.create, { body: { id, vaultId, data } })
          : await this.session.call(api.vaults.createItem, { params: { vaultId }, body: { id, keyVersion: target.keyVersion, data } });
      return (await this.#remember(response.item)) as VaultItem;
    });
  }

  /**
   * Adds many items (an import): encrypted here, sent in batches of at most MAX_BATCH_ITEMS items and MAX_BATCH_BYTES
   * of body, up to ADD_MANY_IN_FLIGHT batches at once while the next are encrypted; each batch is all or nothing.
   * `onProgress` is called after each batch with the number stored so far, and `onStored` with that batch's items, so
   * a caller can undo what a later failure leaves behind: after a failure no new batch starts, and the call throws only
   * once those already sent have answered (and been reported). The stored items are remembered with the content they
   * were sent with: nothing just encrypted here is decrypted again. Returns the stored items in the order given.
   */
  async addMany(
    contents: ItemContent[],
    options: { vaultId?: string; onProgress?: (done: number, total: number) => void; onStored?: (items: VaultItem[]) => void } = {},
  ): Promise<VaultItem[]> {
    this.#assertOnline();
    const vaultId = options.vaultId ?? this.personalVaultId;
    if (this.#shared.has(vaultId)) throw new WatchwordError('VALIDATION_FAILED', { message: 'imports go into the personal vault; move items to a shared vault afterwards', details: { field: 'vaultId' } });
    // The key is made into a CryptoKey once for the whole import, not once per item.
    const key = await importAesKey(this.#vaultKey(vaultId));
    const results: VaultItem[][] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let done = 0;
    const send = async (batch: { id: string; vaultId: string; data: string }[], sent: Map<string, { content: ItemContent; data: string }>, slot: number): Promise<void> => {
      const response = await this.session.call(api.items.createMany, { body: { items: batch } });
      const stored: VaultItem[] = [];
      for (const item of response.items) {
        const mine = sent.get(item.id);
        // The server echoes the ciphertext it stored: when it is byte for byte what was sent, its content is known.
        const remembered = mine !== undefined && item.data === mine.data ? this.#rememberSent(item, mine.content) : await this.#remember(item);
        if (remembered) stored.push(remembered);
      }
      results[slot] = stored;
      done += stored.length;
      options.onStored?.(stored);
      options.onProgress?.(done, contents.length);
    };
    try {
      for (let start = 0; start < contents.length && failure === undefined; start += MAX_BATCH_ITEMS) {
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
          if (failure !== undefined) break;
          const request: Promise<void> = send(batch, sent, results.push([]) - 1)
            .catch((error: unknown) => void (failure ??= { error }))
            .finally(() => inFlight.delete(request));
          inFlight.add(request);
          if (inFlight.size >= ADD_MANY_IN_FLIGHT) await Promise.race(inFlight);
        }
      }
    } catch (error) {
      // An item that does not encrypt (VALIDATION_FAILED): nothing more is sent, and what was sent still answers.
      failure ??= { error };
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    return results.flat();
  }

  /** Remembers an item whose content is known: sent by this vault, or decrypted already. */
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
    return this.#writing(vaultId, async () => {
      const target = this.#target(vaultId);
      const data = await encryptItem({ vaultKey: target.key, userId: this.userId, vaultId, itemId: id, revision: baseRevision + 1, keyVersion: target.keyVersion, content });
      const response =
        target.keyVersion === undefined
          ? await this.session.call(api.items.update, { params: { id }, body: { revision: baseRevision, data } })
          : await this.session.call(api.vaults.updateItem, { params: { vaultId, id }, body: { revision: baseRevision, keyVersion: target.keyVersion, data } });
      return (await this.#remember(response.item)) as VaultItem;
    });
  }

  /** The shared vault an item held here belongs to, if any. */
  #sharedVaultOf(id: string): string | undefined {
    const vaultId = this.#items.get(id)?.vaultId;
    return vaultId !== undefined && this.#shared.has(vaultId) ? vaultId : undefined;
  }

  async trash(id: string): Promise<VaultItem> {
    this.#assertOnline();
    const shared = this.#sharedVaultOf(id);
    const response = shared ? await this.session.call(api.vaults.removeItem, { params: { vaultId: shared, id } }) : await this.session.call(api.items.remove, { params: { id } });
    return (await this.#remember(response.item)) as VaultItem;
  }

  async restore(id: string): Promise<VaultItem> {
    this.#assertOnline();
    const shared = this.#sharedVaultOf(id);
    const response = shared ? await this.session.call(api.vaults.restoreItem, { params: { vaultId: shared, id } }) : await this.session.call(api.items.restore, { params: { id } });
    return (await this.#remember(response.item)) as VaultItem;
  }

  async purge(id: string): Promise<void> {
    this.#assertOnline();
    const shared = this.#sharedVaultOf(id);
    if (shared) await this.session.call(api.vaults.removeItem, { params: { vaultId: shared, id }, query: { purge: 'true' } });
    else await this.session.call(api.items.remove, { params: { id }, query: { purge: 'true' } });
    this.#items.delete(id);
  }

  /**
   * A change made while the server cannot be reached, sealed now, sent later (sendQueued): the item encrypted exactly
   * as add/update would send it (its AAD names the revision it will have), with the revision it was based on. Works
   * on an offline vault too: it needs the keys only. `baseRevision` 0 means a new item; a trash carries no data.
   */
  async queueChange(change: { op: 'create'; content: ItemContent; vaultId?: string; id?: string } | { op: 'update'; id: string; content: ItemContent; baseRevision: number } | { op: 'trash'; id: string; baseRevision: number }): Promise<QueuedChange> {
    if (change.op === 'trash') {
      const vaultId = this.#items.get(change.id)?.vaultId ?? this.personalVaultId;
      return { op: 'trash', id: change.id, vaultId, baseRevision: change.baseRevision, data: null };
    }
    const id = change.op === 'create' ? (change.id ?? crypto.randomUUID()) : change.id;
    const vaultId = change.op === 'create' ? (change.vaultId ?? this.personalVaultId) : (this.#items.get(id)?.vaultId ?? this.personalVaultId);
    const baseRevision = change.op === 'create' ? 0 : change.baseRevision;
    const data = await encryptItem({ vaultKey: this.#vaultKey(vaultId), userId: this.userId, vaultId, itemId: id, revision: baseRevision + 1, content: change.content });
    return { op: change.op, id, vaultId, baseRevision, data };
  }

  /** The content a queued change carries (decrypted here, for showing it before it is sent); null for a trash. */
  async readQueued(change: QueuedChange): Promise<ItemContent | null> {
    if (change.data === null) return null;
    return decryptItem({ vaultKey: this.#vaultKey(change.vaultId), userId: this.userId, vaultId: change.vaultId, itemId: change.id, revision: change.baseRevision + 1, data: change.data });
  }

  /**
   * Sends a change made by queueChange, as it was sealed. When the item moved past `baseRevision` on the server the
   * answer is ITEM_CONFLICT (`details.currentRevision`) and nothing is overwritten: an update carries its base
   * revision (the server checks it); a trash has no precondition on the wire, so the revision is compared first
   * (a change landing between the two calls is the one window left).
   */
  async sendQueued(change: QueuedChange): Promise<VaultItem> {
    this.#assertOnline();
    this.#assertUnlocked();
    if (change.op === 'create') {
      if (change.data === null) throw new WatchwordError('VALIDATION_FAILED');
      const response = await this.session.call(api.items.create, { body: { id: change.id, vaultId: change.vaultId, data: change.data } });
      return (await this.#remember(response.item)) as VaultItem;
    }
    if (change.op === 'update') {
      if (change.data === null) throw new WatchwordError('VALIDATION_FAILED');
      const response = await this.session.call(api.items.update, { params: { id: change.id }, body: { revision: change.baseRevision, data: change.data } });
      return (await this.#remember(response.item)) as VaultItem;
    }
    const current = await this.get(change.id);
    if (current.revision !== change.baseRevision) {
      throw new WatchwordError('ITEM_CONFLICT', { details: { currentRevision: current.revision } });
    }
    return this.trash(change.id);
  }
}

/**
 * How many batches addMany has on the wire at once: enough to overlap encryption here with the server's work and the
 * round trips, few enough that one import never holds more than a few MAX_BATCH_BYTES bodies in the server's memory.
 */
export const ADD_MANY_IN_FLIGHT = 3;

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
