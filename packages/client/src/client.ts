import { type FetchLike, HttpClient } from './http.ts';
import { type PasskeyCreate, type PasskeyGet, registerPasskeyUnlock, signInWithPasskey, unlockWithPasskey } from './passkey-unlock.ts';
import { type RegisterResult, type SecondFactorPrompt, login, register } from './auth.ts';
import { type RecoverInput, AccountSecurity, changePassword, proveMasterPassword, recover, requestRecovery, resetVault, verifyEmail } from './account.ts';
import { type RefreshCoordinator, Session, type StoredSession, type StoredTokens, toStoredTokens } from './session.ts';
import { Vault } from './vault.ts';
import { AdminClient } from './admin.ts';
import { OAuthAccountClient, OAuthAdminClient, OAuthInteractionClient, apiKeyAccessToken } from './oauth.ts';
import { type SealedAccountKey, SealedResumeError, openSealedAccountKey, sealAccountKey } from './resume.ts';
import { type VaultSnapshot, openVaultSnapshot } from './vault-cache.ts';
import { type LocalUnlockRecord, openLocalUnlock, sealForLocalUnlock } from './local-unlock.ts';
import { DecryptionError, WatchwordError, type PasskeyInfo, type StoredDpopKeyPair, generateDpopKeyPair, generateStorableDpopKeyPair, importDpopKeyPair } from '@watchword/protocol';

export interface ClientOptions {
  serverUrl: string;
  fetch?: FetchLike;
  /** Key-stretching profile for new registrations (default: the current profile). */
  kdfVersion?: number;
  /** Called with every new token pair (login and each rotation). */
  onTokens?: (tokens: StoredTokens) => void | Promise<void>;
  /**
   * Sender-constrain the session with DPoP (RFC 9449), on by default: 'generate' makes a non-extractable key at
   * login; 'storable' makes one whose private JWK the client can keep across processes (Session.toStored(), for a
   * client without a non-extractable key store, such as the CLI); a CryptoKeyPair uses that key; false asks for
   * plain bearer tokens.
   */
  dpop?: 'generate' | 'storable' | CryptoKeyPair | false;
  /**
   * Enforce the master-password policy (length, zxcvbn strength, history) on register, password change and
   * recovery — on by default. The server cannot check it (it never sees the password); only tests and benchmarks
   * turn it off.
   */
  passwordPolicy?: boolean;
  /** Takes part in every refresh-token rotation of this client's sessions (session.ts RefreshCoordinator). */
  coordinateRefresh?: RefreshCoordinator;
  /**
   * For sessions that have no refresh token — an API key's (`exchangeApiKey`) — how their access token is renewed
   * when it expires: typically by exchanging the key again. Without it such a session ends with its token.
   */
  renewTokens?: () => Promise<StoredTokens>;
}

/** The SDK's front door: register, log in (→ an unlocked Vault), or resume a stored session. */
export class WatchwordClient {
  readonly http: HttpClient;
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    this.http = new HttpClient(options.serverUrl, options.fetch);
    this.#options = options;
  }

  get #common() {
    return {
      ...(this.#options.kdfVersion !== undefined ? { kdfVersion: this.#options.kdfVersion } : {}),
      ...(this.#options.passwordPolicy === false ? { passwordPolicy: false } : {}),
    };
  }

  register(input: { email: string; password: string }): Promise<RegisterResult> {
    return register(this.http, { ...input, ...this.#common });
  }

  /**
   * Logs in and unlocks: the vault keys never leave this process. With a second factor enabled, `secondFactor` is
   * asked for a TOTP code, a backup code or a WebAuthn assertion (without it: SecondFactorRequiredError).
   */
  async login(input: { email: string; password: string; deviceName?: string; secondFactor?: SecondFactorPrompt; secondFactorRetry?: boolean }): Promise<Vault> {
    const { dpopKey, storedDpopKey } = await this.#newDpopKey();
    const { tokens, exportKey } = await login(this.http, { ...input, ...(dpopKey ? { dpopKey } : {}) });
    const stored = toStoredTokens(tokens);
    await this.#options.onTokens?.(stored);
    return Vault.open(new Session(this.http, stored, this.#options.onTokens, dpopKey, storedDpopKey, this.#options.coordinateRefresh), { exportKey });
  }

  /** The DPoP key for a new session, per the client's `dpop` option. */
  async #newDpopKey(): Promise<{ dpopKey?: CryptoKeyPair; storedDpopKey?: StoredDpopKeyPair }> {
    const option = this.#options.dpop ?? 'generate';
    if (option === 'generate') return { dpopKey: await generateDpopKeyPair() };
    if (option === 'storable') {
      const storedDpopKey = await generateStorableDpopKeyPair();
      return { dpopKey: await importDpopKeyPair(storedDpopKey), storedDpopKey };
    }
    return option === false ? {} : { dpopKey: option };
  }

  /**
   * Signs in with a passkey alone (discoverable credential, user verification, PRF) and unlocks: no e-mail address,
   * no master password. `get` runs navigator.credentials.get() for the app (passkey-unlock.ts); `onCredential` is told
   * which of the account's passkeys signed in (e.g. for a device that keeps it to unlock offline).
   */
  async signInWithPasskey(input: { get: PasskeyGet; deviceName?: string; onCredential?: (credentialId: string) => void }): Promise<Vault> {
    const { dpopKey, storedDpopKey } = await this.#newDpopKey();
    const { onCredential, ...rest } = input;
    const { tokens, accountKey, credentialId } = await signInWithPasskey(this.http, { ...rest, ...(dpopKey ? { dpopKey } : {}) });
    onCredential?.(credentialId);
    const stored = toStoredTokens(tokens);
    await this.#options.onTokens?.(stored);
    return Vault.open(new Session(this.http, stored, this.#options.onTokens, dpopKey, storedDpopKey, this.#options.coordinateRefresh), { accountKey });
  }

  /** Unlocks a signed-in session's vault with one of the account's passkeys (PRF); no new session. */
  async unlockWithPasskey(session: Session, input: { userId: string; get: PasskeyGet }): Promise<Vault> {
    return Vault.open(session, { accountKey: await unlockWithPasskey(session, input) });
  }

  /** Registers a passkey that signs in and unlocks this account (fresh authentication with the master password). */
  registerPasskeyUnlock(vault: Vault, input: { password: string; name: string; create: PasskeyCreate; get: PasskeyGet }): Promise<PasskeyInfo> {
    return registerPasskeyUnlock(vault.session, vault, input);
  }

  /** Changes the master password of an unlocked vault; every other session ends. */
  changePassword(vault: Vault, input: { currentPassword: string; newPassword: string }): Promise<{ revokedSessions: number }> {
    return changePassword({
      session: vault.session,
      accountKey: vault.exportAccountKey(),
      userId: vault.userId,
      email: vault.account.email,
      accountData: vault.account.accountData,
      ...input,
      ...this.#common,
    });
  }

  /** Second factors, activity and account deletion for a signed-in session. */
  security(session: Session): AccountSecurity {
    return new AccountSecurity(session);
  }

  /** The provider's sign-in and consent steps for one interaction (the web vault's `/#/oauth/<uid>` page). */
  oauthInteraction(uid: string): OAuthInteractionClient {
    return new OAuthInteractionClient(this.http, uid);
  }

  /** The account's connected applications and API keys. */
  oauth(session: Session): OAuthAccountClient {
    return new OAuthAccountClient(session);
  }

  /** OAuth client administration (`oauth:read`, `oauth:manage`). */
  oauthAdmin(session: Session): OAuthAdminClient {
    return new OAuthAdminClient(session);
  }

  /** The admin API for a signed-in session whose account holds admin permissions (no vault key needed). */
  admin(session: Session): AdminClient {
    return new AdminClient(session);
  }

  verifyEmail(token: string): Promise<void> {
    return verifyEmail(this.http, token);
  }

  requestRecovery(email: string): Promise<void> {
    return requestRecovery(this.http, email);
  }

  /** New master password with the recovery key; returns the new (rotated) recovery key, shown once. */
  recover(input: Omit<RecoverInput, 'kdfVersion' | 'passwordPolicy'>): Promise<{ recoveryKey: string }> {
    return recover(this.http, { ...input, ...this.#common });
  }

  /** Without the recovery key: a new, empty vault. `confirm` must be the exact VAULT_RESET_CONFIRMATION phrase. */
  resetVault(input: { token: string; newPassword: string; email: string; confirm: string }): Promise<{ recoveryKey: string }> {
    return resetVault(this.http, { ...input, ...this.#common });
  }

  /** A session from stored tokens (no vault key: for `token`, `logout`, …); pass the DPoP key they are bound to. */
  session(tokens: StoredTokens, dpopKey?: CryptoKeyPair): Session {
    return new Session(this.http, tokens, this.#options.onTokens, dpopKey, undefined, this.#options.coordinateRefresh, this.#renewFor(tokens));
  }

  /** Sessions without a refresh token (API keys) renew through the `renewTokens` option. */
  #renewFor(tokens: StoredTokens): (() => Promise<StoredTokens>) | undefined {
    return tokens.refreshToken === '' ? (this.#options.renewTokens ?? (() => Promise.reject(new WatchwordError('INVALID_TOKEN')))) : undefined;
  }

  /**
   * Exchanges an API key for an access token (OAuth client credentials at the provider's token endpoint), as stored
   * tokens with no refresh token: restore them with `restoreSession` to call the API as the key's owner (a read-only
   * key: reads only). Decrypting the vault still needs an unlock with the master password (`unlock`).
   */
  async exchangeApiKey(key: { clientId: string; secret: string }): Promise<StoredTokens & { scope: string }> {
    const now = Date.now();
    const token = await apiKeyAccessToken(this.http.baseUrl, key, this.#options.fetch);
    return { accessToken: token.accessToken, refreshToken: '', accessExpiresAt: now + token.expiresIn * 1000, scope: token.scope };
  }

  /**
   * Unlocks a locked vault of a live session with the master password: the password is proven to the server (a fresh
   * authentication, throttled like a login) and the keys are derived again in this process. No new session, no second
   * factor: the session already passed it. For clients that keep the session but drop the keys (the web vault's lock).
   */
  async unlock(session: Session, password: string): Promise<Vault> {
    const { exportKey } = await proveMasterPassword(session, password);
    return Vault.open(session, { exportKey });
  }

  /**
   * A session kept by Session.toStored(), in this or another process (no vault key). `dpopKey` is the key pair the
   * tokens are bound to when it was kept apart as a non-extractable CryptoKeyPair (the browser extension keeps it in
   * IndexedDB); `stored.dpop` is then null.
   */
  async restoreSession(stored: StoredSession, dpopKey?: CryptoKeyPair): Promise<Session> {
    const renew = this.#renewFor(stored.tokens);
    if (dpopKey) return new Session(this.http, stored.tokens, this.#options.onTokens, dpopKey, undefined, this.#options.coordinateRefresh, renew);
    const dpop: StoredDpopKeyPair | null = stored.dpop;
    return new Session(this.http, stored.tokens, this.#options.onTokens, dpop ? await importDpopKeyPair(dpop) : undefined, dpop ?? undefined, this.#options.coordinateRefresh, renew);
  }

  /**
   * Seals the unlocked vault's account key for resumeSealed in a later process: store `sealed` with the session and
   * keep `resumeKey` apart (module resume.ts). Each call makes a new resume key; earlier ones keep opening their own blob.
   */
  sealForResume(vault: Vault): Promise<SealedAccountKey> {
    const accountKey = vault.exportAccountKey();
    return sealAccountKey(accountKey, vault.userId).finally(() => accountKey.fill(0));
  }

  /**
   * True when `resumeKey` opens the sealed account key of this account, checked here without the network (for a
   * status line: is the vault unlocked in this shell?). The opened key is overwritten at once.
   */
  async canResume(input: { userId: string; sealed: string; resumeKey: string }): Promise<boolean> {
    try {
      (await openSealedAccountKey(input)).fill(0);
      return true;
    } catch (error) {
      if (error instanceof SealedResumeError) return false;
      throw error;
    }
  }

  /**
   * Re-opens the vault of a stored session from a sealed account key and its resume key, without the master password.
   * The key is opened before anything is sent: a tampered blob, a wrong resume key or a blob of another account throws
   * SealedResumeError, and so does an account key that does not open this session's vault keys.
   *
   * With `cache` (a copy made by Vault.sealSnapshot on this device), the vault starts from the copy, so that its first
   * sync asks only for the changes since; and when the server cannot be reached (SERVICE_UNAVAILABLE) it opens
   * read-only from the copy instead (Vault.offlineSince says since when). A copy that does not open throws
   * VaultCacheError before anything is sent.
   */
  async resumeSealed(input: StoredSession & { userId: string; sealed: string; resumeKey: string; cache?: string | null }, dpopKey?: CryptoKeyPair): Promise<Vault> {
    return this.#resumeWithKey(await openSealedAccountKey(input), input, dpopKey);
  }

  /**
   * Seals the unlocked vault's account key for unlocking on this device with the master password alone
   * (resumeWithPassword), stretched at the account's Argon2id profile (module local-unlock.ts). Call it only with the
   * password that just unlocked this vault.
   */
  sealForLocalUnlock(vault: Vault, password: string): Promise<LocalUnlockRecord> {
    const accountKey = vault.exportAccountKey();
    return sealForLocalUnlock(accountKey, vault.userId, password, vault.account.kdfVersion).finally(() => accountKey.fill(0));
  }

  /**
   * resumeSealed, with the master password and a record from sealForLocalUnlock instead of a resume key: the key is
   * opened here (Argon2id), so nothing is sent to check the password and no second factor is asked; with `cache` it
   * works offline too. A password that does not open the record throws LocalUnlockError (it may still be the
   * current password, changed on another device: the caller can then prove it to the server with `unlock`).
   */
  async resumeWithPassword(input: StoredSession & { userId: string; local: LocalUnlockRecord; password: string; cache?: string | null }, dpopKey?: CryptoKeyPair): Promise<Vault> {
    return this.#resumeWithKey(await openLocalUnlock(input.local, input.userId, input.password), input, dpopKey);
  }

  async #resumeWithKey(accountKey: Uint8Array, input: StoredSession & { userId: string; cache?: string | null }, dpopKey?: CryptoKeyPair): Promise<Vault> {
    let snapshot: VaultSnapshot | undefined;
    try {
      if (input.cache) snapshot = await openVaultSnapshot(accountKey, input.userId, input.cache);
    } catch (error) {
      accountKey.fill(0);
      throw error;
    }
    const session = await this.restoreSession(input, dpopKey);
    let vault: Vault;
    try {
      vault = await Vault.open(session, { accountKey });
      if (snapshot) vault.restoreSnapshot(snapshot);
    } catch (error) {
      if (snapshot && error instanceof WatchwordError && error.code === 'SERVICE_UNAVAILABLE') {
        try {
          vault = await Vault.openOffline(session, accountKey, snapshot);
        } catch (offlineError) {
          accountKey.fill(0);
          if (offlineError instanceof DecryptionError) throw new SealedResumeError();
          throw offlineError;
        }
      } else {
        accountKey.fill(0);
        if (error instanceof DecryptionError) throw new SealedResumeError();
        throw error;
      }
    }
    if (vault.userId !== input.userId) {
      vault.lock();
      throw new SealedResumeError();
    }
    return vault;
  }
}
