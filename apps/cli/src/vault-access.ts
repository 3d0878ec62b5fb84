import {
  type CopySyncResult,
  type Vault,
  type VaultItem,
  CachedVault,
  IndexedCacheError,
  LocalUnlockError,
  SealedResumeError,
  WatchwordError,
} from '@watchword/client';
import { api } from '@watchword/protocol';
import type { CliContext } from './context.ts';
import { CliError, EXIT } from './errors.ts';
import { hasLegacyCache, readKeyPins, readSession, readVaultCopy, removeVaultCopy, sameServer, writeKeyPins, writeSession, writeVaultCopy } from './session-file.ts';

/** Answers that say the stored session is over: unlocking it needs a new login. */
const DEAD_SESSION = new Set<string>(['INVALID_REFRESH_TOKEN', 'INVALID_TOKEN', 'UNAUTHENTICATED']);
const isDeadSession = (error: unknown): boolean => error instanceof WatchwordError && DEAD_SESSION.has(error.code);

/**
 * How a command reaches the vault (docs/performance.md, "`ww` on the indexed copy"): the account key opened from
 * WATCHWORD_SESSION or the master password, the local copy read and brought up to date by a delta sync (CachedVault),
 * lookups on it that survive a changed copy, and a Vault seeded from it for changes; what is saved when the command
 * ends.
 */
export class VaultAccess {
  readonly #ctx: CliContext;
  /** The local copy this command read (and synced), to save when it ends (persist). */
  #copy: CachedVault | undefined;
  /** The full vault a change opened on top of it, whose pinned member keys are saved when it ends. */
  #vault: Vault | undefined;
  #offlineSince: number | null = null;
  #lastSync: CopySyncResult | undefined;

  constructor(ctx: CliContext) {
    this.#ctx = ctx;
  }

  /**
   * Unlocks the stored session with the master password and seals the account key for WATCHWORD_SESSION (see
   * #unlock: no second factor, no new session).
   */
  async unlockAndSeal(options: { password?: string; code?: string } = {}): Promise<{ sessionKey: string }> {
    const unlocked = await this.#unlockWithPassword(options, { probe: true, readCopy: false });
    if ('sessionKey' in unlocked) return { sessionKey: unlocked.sessionKey };
    const { sealed, resumeKey } = await unlocked.cached.sealForResume();
    // Written onto the file as it is now: the unlock may have refreshed the tokens meanwhile.
    const onDisk = readSession(this.#ctx.env) ?? this.#ctx.requireLogin();
    this.#ctx.stored = { ...onDisk, sealedAccountKey: sealed };
    writeSession(this.#ctx.stored, this.#ctx.env);
    return { sessionKey: resumeKey };
  }

  /**
   * The account key of the stored session, opened with the master password: here, when the key kept on this device
   * for it (session file `localUnlock`, Argon2id at the account's profile) opens — nothing is sent to check the
   * password, so commands unlocked this way use no login-class request, and it works offline from the local copy; else
   * the password is proven to the server on the session that already exists (fresh authentication: no second factor,
   * the session passed it; no new session), and the device's key is made again for next time. A session the server
   * no longer knows falls back to a full login. `probe` asks the server whether the session lives even when the key
   * opened here (`ww unlock`, whose next commands need it).
   */
  async #unlockWithPassword(options: { password?: string; code?: string }, how: { probe?: boolean; readCopy?: boolean } = {}): Promise<{ cached: CachedVault; password: string } | { cached: CachedVault; password: string; sessionKey: string }> {
    const stored = this.#ctx.requireLogin();
    this.#ctx.assertSessionServer(stored);
    const password = options.password ?? (await this.#ctx.password());
    const local = stored.localUnlock;
    const session = await this.#ctx.session(stored);
    if (local) {
      try {
        const cached = await CachedVault.open({ session, userId: stored.userId, key: { local, password }, copy: how.readCopy === false ? null : readVaultCopy(this.#ctx.env), pins: readKeyPins(this.#ctx.env) });
        if (how.probe) await session.call(api.account.get, {}).catch((error: unknown) => {
          if (!(error instanceof WatchwordError && error.code === 'SERVICE_UNAVAILABLE')) throw error;
        });
        return { cached, password };
      } catch (error) {
        // Not this device's password (perhaps changed elsewhere since): the server decides. A session that has ended
        // gets the same path, which ends in a new login.
        if (!(error instanceof LocalUnlockError || error instanceof SealedResumeError || isDeadSession(error))) throw error;
      }
    }
    let vault: Vault;
    try {
      vault = await this.#ctx.client().unlock(session, password);
    } catch (error) {
      if (isDeadSession(error)) {
        if (stored.apiKey) throw new CliError(`API key ${stored.apiKey.clientId} was refused (revoked, or its token has ended): run \`ww login --apikey\` with a valid key`, EXIT.auth);
        const { vault: fresh, sessionKey } = await this.#ctx.loginAndSeal(stored.email, { ...options, password, dpop: stored.dpop !== null });
        return { cached: await this.#fromVault(fresh), password, sessionKey };
      }
      if (error instanceof WatchwordError && error.code === 'SERVICE_UNAVAILABLE' && local) {
        throw new CliError(`offline: ${this.#ctx.server} cannot be reached, and this is not the master password this device knows`, EXIT.auth);
      }
      throw error;
    }
    const localUnlock = await this.#ctx.client().sealForLocalUnlock(vault, password);
    const onDisk = readSession(this.#ctx.env);
    if (onDisk && onDisk.userId === vault.userId && sameServer(onDisk.server, this.#ctx.server)) {
      this.#ctx.stored = { ...onDisk, localUnlock };
      writeSession(this.#ctx.stored, this.#ctx.env);
    }
    return { cached: await this.#fromVault(vault), password };
  }

  /** The local copy opened with the keys of a vault just unlocked (the vault's keys are then forgotten). */
  async #fromVault(vault: Vault): Promise<CachedVault> {
    try {
      return await CachedVault.open({ session: vault.session, userId: vault.userId, key: { vault }, copy: readVaultCopy(this.#ctx.env), pins: readKeyPins(this.#ctx.env) });
    } finally {
      vault.lock();
    }
  }

  /**
   * At the end of a command that succeeded: the local copy, when its sync changed it, is sealed again beside the
   * session file (an older ww's copy goes), with the member keys pinned meanwhile. A copy read offline stays as it is.
   */
  async persist(): Promise<void> {
    const copy = this.#copy;
    if (!copy) return;
    const onDisk = readSession(this.#ctx.env);
    if (!onDisk || onDisk.userId !== copy.userId || !sameServer(onDisk.server, this.#ctx.server)) return;
    if (this.#offlineSince === null && copy.changed) writeVaultCopy(await copy.seal(), this.#ctx.env);
    const pins = this.#vault && !this.#vault.locked ? await this.#vault.sealKeyPins() : await copy.sealKeyPins();
    if (pins !== undefined) writeKeyPins(pins, this.#ctx.env);
  }

  /** Records that the vault was brought up to date now (`ww status` shows it). */
  noteSync(): void {
    const copy = this.#copy;
    if (!copy || this.#offlineSince !== null) return;
    const onDisk = readSession(this.#ctx.env);
    if (!onDisk || onDisk.userId !== copy.userId || !sameServer(onDisk.server, this.#ctx.server)) return;
    this.#ctx.stored = { ...onDisk, lastSyncAt: Date.now() };
    writeSession(this.#ctx.stored, this.#ctx.env);
  }

  /** When the copy this command reads was saved, if the server could not be reached; null when it was synced. */
  get offlineSince(): number | null {
    return this.#offlineSince;
  }

  /** What the sync at the start of this command brought (undefined offline). */
  get lastSync(): CopySyncResult | undefined {
    return this.#lastSync;
  }

  /**
   * The vault for reading: the local copy (CachedVault), unlocked with WATCHWORD_SESSION when set, else with the master
   * password (asked for, unless given) — no new session and no second factor — and brought up to date by a delta sync.
   * When the server cannot be reached it is read as it is, and says since when; a copy that fails its integrity check
   * is removed and replaced by a full sync.
   */
  async copy(options: { password?: string; code?: string } = {}): Promise<CachedVault> {
    if (this.#copy) return this.#copy;
    const { cached, password } = await this.#unlock(options, { readCopy: true });
    this.#copy = cached;
    if (cached.copyRefused) this.#dropCopy();
    else if (!cached.hasCopy && hasLegacyCache(this.#ctx.env)) this.#ctx.info('The local copy made by an older ww is replaced: the vault is synced in full once.');
    this.#announceRotations(cached);
    try {
      this.#lastSync = await cached.sync();
    } catch (error) {
      if (error instanceof WatchwordError && error.code === 'SERVICE_UNAVAILABLE' && cached.hasCopy) {
        this.#offlineSince = cached.savedAt;
        this.#ctx.info(`Offline: ${this.#ctx.server} cannot be reached; showing the copy of the vault saved ${new Date(cached.savedAt).toISOString()}.`);
        return cached;
      }
      const stored = this.#ctx.requireLogin();
      if (isDeadSession(error) && password !== undefined && !stored.apiKey) {
        // The session ended on the server: a new login with the password already given, then the copy again.
        const { vault } = await this.#ctx.loginAndSeal(stored.email, { ...options, password, dpop: stored.dpop !== null });
        cached.lock();
        const fresh = this.#announceRotations(await this.#fromVault(vault));
        this.#copy = fresh;
        this.#lastSync = await fresh.sync();
        return fresh;
      }
      throw error;
    }
    return cached;
  }

  /**
   * The account key of the stored session in a CachedVault: from WATCHWORD_SESSION when set, else from the master
   * password (asked for, unless given). With `readCopy`, the local copy is read (not synced).
   */
  async #unlock(options: { password?: string; code?: string }, how: { readCopy: boolean }): Promise<{ cached: CachedVault; password?: string }> {
    const stored = this.#ctx.requireLogin();
    let cached: CachedVault;
    let password: string | undefined;
    const sessionKey = this.#ctx.env.WATCHWORD_SESSION;
    if (sessionKey && stored.sealedAccountKey) {
      this.#ctx.assertSessionServer(stored);
      try {
        cached = await CachedVault.open({ session: await this.#ctx.session(stored), userId: stored.userId, key: { sealed: stored.sealedAccountKey, resumeKey: sessionKey }, copy: how.readCopy ? readVaultCopy(this.#ctx.env) : null, pins: readKeyPins(this.#ctx.env) });
      } catch (error) {
        if (error instanceof SealedResumeError) throw new CliError('WATCHWORD_SESSION does not unlock this session: run `eval "$(ww unlock)"`', EXIT.auth);
        throw error;
      }
    } else if (options.password !== undefined || !this.#ctx.interactivePassword || process.stdin.isTTY) {
      ({ cached, password } = await this.#unlockWithPassword(options, { readCopy: how.readCopy }));
      // Never the session key here: this path also runs unattended (WATCHWORD_PASSWORD, --password-stdin), where
      // standard error ends up in logs, and the key opens the sealed account key in the session file.
      this.#ctx.info('Vault unlocked for this command. To keep it unlocked in this shell: eval "$(ww unlock)"');
    } else {
      throw new CliError('the vault is locked: run `eval "$(ww unlock)"` or set WATCHWORD_SESSION', EXIT.auth);
    }
    return { cached, ...(password === undefined ? {} : { password }) };
  }

  /**
   * Runs a lookup on the local copy. When a blob it decrypts fails its check (the file was changed since it was
   * written), the copy is removed, synced again in full, and the lookup runs once more on the new copy; nothing of the
   * changed file is shown.
   */
  async read<T>(lookup: (copy: CachedVault) => Promise<T>, options: { password?: string; code?: string } = {}): Promise<T> {
    const copy = await this.copy(options);
    try {
      return await lookup(copy);
    } catch (error) {
      if (!(error instanceof IndexedCacheError)) throw error;
      this.#dropCopy();
      copy.discard();
      if (this.#offlineSince !== null) throw new CliError(`offline: ${this.#ctx.server} cannot be reached to sync the vault again`, EXIT.other);
      this.#lastSync = await copy.sync();
      return lookup(copy);
    }
  }

  #dropCopy(): void {
    removeVaultCopy(this.#ctx.env);
    this.#ctx.info('The local copy of the vault failed its integrity check (changed, or not of this account): it was removed, and the vault is synced again in full.');
  }

  /**
   * A full Vault for a change, on top of the synced local copy: seeded with `items` (those the change is about; 'all'
   * decrypts every item of the copy, for an import's duplicate check or an export). Changes need the server: offline,
   * this throws.
   */
  async vault(options: { password?: string; code?: string; items?: VaultItem[] | 'all' | 'none' } = {}): Promise<Vault> {
    const offline = () => new WatchwordError('SERVICE_UNAVAILABLE', { message: 'offline: the server cannot be reached, and changes need it' });
    if (options.items === 'none') {
      // A change that reads no item (an add, sharing): the copy is not synced; its revision, when it opens, seeds the
      // vault so that the vault's own sync (shared vaults' keys, names) asks only for what is newer.
      const { cached } = await this.#unlock(options, { readCopy: true });
      try {
        this.#vault = this.#announceRotations(await cached.toVault());
      } catch (error) {
        if (error instanceof WatchwordError && error.code === 'SERVICE_UNAVAILABLE') throw offline();
        throw error;
      } finally {
        cached.lock();
      }
      return this.#vault;
    }
    const copy = await this.copy(options);
    if (this.#offlineSince !== null) throw offline();
    const items = options.items === 'all' ? await this.read((c) => c.decrypt(c.entries)) : (options.items ?? []);
    this.#vault = this.#announceRotations(await copy.toVault(items));
    return this.#vault;
  }

  /** The SDK's sync rotates the key of a shared vault this account manages after a member lost access: said in one line. */
  #announceRotations<T extends Vault | CachedVault>(vault: T): T {
    vault.onKeyRotated((r) => this.#ctx.info(`Rotated the key of vault "${r.name ?? r.vaultId}" to version ${r.keyVersion}: a member lost access to it.`));
    return vault;
  }
}
