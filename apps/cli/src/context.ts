import { hostname } from 'node:os';
import {
  type CachedVault,
  type CopySyncResult,
  type SecondFactorAnswer,
  type SecondFactorPrompt,
  type Session,
  type StoredTokens,
  type Vault,
  type VaultItem,
  PasswordPolicyError,
  WatchwordClient,
  WatchwordError,
  checkPassword,
} from '@watchword/client';
import { type MfaMethod, api, isLoopbackHost } from '@watchword/protocol';
import { CliError, EXIT } from './errors.ts';
import { nodeFetch } from './http-fetch.ts';
import { nextStdinLine, promptHidden, promptVisible, readStdinLine } from './prompt.ts';
import { type SessionFile, readSession, removeSession, removeVaultCopy, sameServer, withRefreshedTokens, writeSession } from './session-file.ts';
import { VaultAccess } from './vault-access.ts';
import { DEFAULT_SERVER } from './defaults.ts';

export { DEFAULT_SERVER };

export interface GlobalOptions {
  server?: string;
  json?: boolean;
  passwordStdin?: boolean;
}


/** How many codes an interactive login may try before giving up (the server allows 5 per password proof). */
const MAX_CODE_ATTEMPTS = 3;

/** What the user typed as a second factor: six digits are an authenticator code, anything else a backup code. */
export function secondFactorAnswer(raw: string, methods: readonly MfaMethod[]): SecondFactorAnswer {
  const compact = raw.replace(/\s+/g, '');
  if (/^[0-9]{6}$/.test(compact)) {
    if (!methods.includes('totp')) throw new CliError('this account has no authenticator app (TOTP) set up: use a backup code', EXIT.usage);
    return { method: 'totp', code: compact };
  }
  const code = raw.trim();
  if (!/^[A-Za-z0-9 -]{8,32}$/.test(code)) {
    throw new CliError('that is neither an authenticator code (6 digits) nor a backup code (XXXX-XXXX-XXXX)', EXIT.usage);
  }
  if (!methods.includes('backup_code')) throw new CliError('this account has no backup codes left: use your authenticator app', EXIT.usage);
  return { method: 'backup_code', code };
}

export interface NewPasswordOptions {
  /** Where a script may put it (else only --password-stdin or the prompt). */
  envVar?: string;
  question?: string;
  repeat?: string;
  /** The current password: refused at the prompt. */
  current?: string;
  /** The unlocked vault of the account, so that the prompt can refuse one of its recent passwords at once. */
  vault?: Vault;
}

export interface LoginOptions {
  dpop?: boolean;
  /** The master password, when the command already asked for it. */
  password?: string;
  /** A second-factor code given on the command line (--code). */
  code?: string;
}

/** Everything a command needs: options, the stored session, a client, and the way to an unlocked vault. */
export class CliContext {
  readonly options: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  stored: SessionFile | undefined;

  constructor(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.options = options;
    this.env = env;
    this.stored = readSession(env);
  }

  get server(): string {
    return this.options.server ?? this.env.WATCHWORD_SERVER ?? this.stored?.server ?? DEFAULT_SERVER;
  }

  get json(): boolean {
    return this.options.json === true;
  }

  out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  info(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  client(dpop: 'storable' | false = false): WatchwordClient {
    assertSecureTransport(this.server, this.env);
    return new WatchwordClient({
      serverUrl: this.server,
      fetch: nodeFetch,
      dpop,
      ...(this.env.WATCHWORD_KDF_VERSION ? { kdfVersion: Number(this.env.WATCHWORD_KDF_VERSION) } : {}),
      onTokens: (tokens) => this.#saveTokens(tokens),
      // An API key's session has no refresh token: its next access token comes from the key again.
      renewTokens: () => this.#renewApiKeyToken(),
    });
  }

  /**
   * The API key (OAuth client credentials) for `ww login --apikey` and for renewing its token: WATCHWORD_CLIENT_ID
   * and WATCHWORD_CLIENT_SECRET, else asked for (the secret without echo; a script gives them as lines of standard
   * input). Never an argument: a secret on the command line is visible to every process on the machine.
   */
  async apiKeyCredentials(options: { prompt: boolean }): Promise<{ clientId: string; secret: string } | undefined> {
    let clientId = this.env.WATCHWORD_CLIENT_ID?.trim();
    let secret = this.env.WATCHWORD_CLIENT_SECRET;
    if (!options.prompt && (!clientId || !secret)) return undefined;
    clientId ||= (await this.answer('API key id (wwk_…): ')).trim();
    secret ||= await this.answer('API key secret: ', { hidden: true });
    if (!/^wwk_[A-Za-z0-9_-]{22}$/.test(clientId)) throw new CliError('that is not an API key id (wwk_… as `ww apikey create` printed it)', EXIT.usage);
    if (secret.trim().length === 0) throw new CliError('the API key secret is empty', EXIT.usage);
    return { clientId, secret: secret.trim() };
  }

  /** A new access token for the stored API-key session, from the key in the environment (never from the file). */
  async #renewApiKeyToken(): Promise<StoredTokens> {
    const apiKey = this.stored?.apiKey;
    if (!apiKey) throw new WatchwordError('INVALID_TOKEN');
    const key = await this.apiKeyCredentials({ prompt: false });
    if (!key || key.clientId !== apiKey.clientId) {
      throw new CliError(
        `the access token of API key ${apiKey.clientId} has expired: set WATCHWORD_CLIENT_ID and WATCHWORD_CLIENT_SECRET to that key (the secret is never stored), or run \`ww login --apikey\` again`,
        EXIT.auth,
      );
    }
    const { scope: _scope, ...tokens } = await this.client().exchangeApiKey(key);
    return tokens;
  }

  /**
   * Logs in with an API key: its access token (OAuth client credentials) acts for the key's owner without the master
   * password. The session file keeps the token and the key's id — never its secret — and the vault stays locked:
   * decrypting it needs the master password (`ww unlock`), exactly as after `bw login --apikey`.
   */
  async loginWithApiKey(key: { clientId: string; secret: string }): Promise<SessionFile> {
    const previous = this.stored;
    const previousSession = previous && !previous.apiKey && sameServer(previous.server, this.server) ? await this.session(previous) : undefined;
    this.stored = undefined; // no write of tokens before the new file exists
    const client = this.client();
    const { scope, ...tokens } = await client.exchangeApiKey(key);
    // Whose key it is: the account the token acts for.
    const account = await (await client.restoreSession({ tokens, dpop: null })).call(api.account.get, {});
    if (previous?.userId !== account.userId || !sameServer(previous.server, this.server)) removeVaultCopy(this.env);
    this.stored = {
      version: 1,
      server: this.server,
      email: account.email,
      userId: account.userId,
      tokens,
      sealedAccountKey: null,
      dpop: null,
      apiKey: { clientId: key.clientId, readOnly: !scope.split(' ').includes('vault:write') },
    };
    writeSession(this.stored, this.env);
    // A password session this replaces is ended on the server (best effort), as a new login does.
    await previousSession?.logout().catch(() => undefined);
    return this.stored;
  }

  /**
   * After a refresh: the new tokens go into the session file as it is NOW, and only if it still holds this session.
   * Another ww process may have locked the vault, logged out or logged in meanwhile; writing back the snapshot this
   * process read at its start would undo that (bring a sealed key back after `ww lock`, a file back after logout).
   */
  #saveTokens(tokens: StoredTokens): void {
    if (!this.stored) return;
    const onDisk = readSession(this.env);
    // API-key sessions all have an empty refresh token: the key's id tells them apart.
    const sameKey = onDisk?.apiKey?.clientId === this.stored.apiKey?.clientId;
    const next = sameKey ? withRefreshedTokens(onDisk, this.stored.tokens.refreshToken, tokens) : undefined;
    this.stored = { ...this.stored, tokens };
    if (next !== undefined) writeSession(next, this.env);
  }

  /**
   * The stored session's tokens go to the server they were issued by, never elsewhere: a --server or WATCHWORD_SERVER
   * naming another server (a staging host, a typo) is refused before anything is sent.
   */
  assertSessionServer(stored: SessionFile): void {
    if (sameServer(stored.server, this.server)) return;
    throw new CliError(
      `the stored session belongs to ${stored.server}, not ${this.server}: log in there first (ww login --server ${this.server}), or drop --server / WATCHWORD_SERVER`,
      EXIT.usage,
    );
  }

  /** The master password: --password-stdin, then WATCHWORD_PASSWORD, then a no-echo prompt. */
  async password(question = 'Master password: '): Promise<string> {
    let value: string;
    if (this.options.passwordStdin) value = await readStdinLine();
    else if (this.env.WATCHWORD_PASSWORD !== undefined) value = this.env.WATCHWORD_PASSWORD;
    else value = await promptHidden(question);
    if (value.length === 0) throw new CliError('the master password is empty', EXIT.usage);
    return value;
  }

  /**
   * True when answers (second-factor codes, confirmations) come from standard input line by line rather than from
   * a terminal prompt: with --password-stdin, or when standard input is not a terminal.
   */
  get scripted(): boolean {
    return this.options.passwordStdin === true || !process.stdin.isTTY;
  }

  /** An answer: a prompt on the terminal (hidden for secrets), else the next line of standard input (undefined at its end). */
  async ask(question: string, options: { hidden?: boolean } = {}): Promise<string | undefined> {
    if (this.scripted) return nextStdinLine();
    return options.hidden ? promptHidden(question) : promptVisible(question);
  }

  /** Like ask, but an answer is required. */
  async answer(question: string, options: { hidden?: boolean } = {}): Promise<string> {
    const value = await this.ask(question, options);
    if (value === undefined) {
      throw new CliError(`no answer to "${question.replace(/[:\s]+$/, '')}": standard input ended (give each answer on its own line)`, EXIT.usage);
    }
    return value;
  }

  /** True when the new password comes without a prompt (--password-stdin or the environment variable). */
  newPasswordGiven(envVar?: string): boolean {
    return this.options.passwordStdin === true || (envVar !== undefined && this.env[envVar] !== undefined);
  }

  /**
   * A new master password: --password-stdin (next line), else the environment variable, else a prompt that checks
   * the password policy as you type (with zxcvbn's feedback) and asks twice. The SDK checks the policy again.
   */
  async newPassword(email: string, options: NewPasswordOptions = {}): Promise<string> {
    const question = options.question ?? 'New master password: ';
    let value: string | undefined;
    if (this.options.passwordStdin) value = await readStdinLine('the new master password');
    else if (options.envVar && this.env[options.envVar] !== undefined) value = this.env[options.envVar];
    if (value !== undefined) {
      if (value.length === 0) throw new CliError('the new master password is empty', EXIT.usage);
      return value;
    }
    for (let attempt = 1; ; attempt++) {
      const candidate = await promptHidden(question);
      if (candidate.length === 0) throw new CliError('the master password is empty', EXIT.usage);
      if (options.current !== undefined && candidate === options.current) {
        this.info('That is the current master password.');
        if (attempt >= 3) throw new CliError('the new master password is the same as the current one', EXIT.usage);
        this.info('Choose another one.');
        continue;
      }
      const check = options.vault ? await options.vault.checkNewPassword(candidate) : await checkPassword(candidate, { email });
      if (!check.ok) {
        const error = new PasswordPolicyError(check);
        this.info(error.message);
        if (check.warning && !error.message.includes(check.warning)) this.info(`  ${check.warning}`);
        for (const suggestion of check.suggestions) this.info(`  - ${suggestion}`);
        if (attempt >= 3) throw error;
        this.info('Choose another one.');
        continue;
      }
      const again = await promptHidden(options.repeat ?? 'Repeat the new master password: ');
      if (again === candidate) return candidate;
      // A typo in the repeat costs the repeat, not the whole command: ask for both again.
      if (attempt >= 3) throw new CliError('the passwords do not match', EXIT.usage);
      this.info('The passwords do not match; try again.');
    }
  }

  /**
   * The second-factor prompt for a login: --code when given, else the next line of standard input (scripted), else
   * a terminal prompt (with a few retries). Security keys cannot be used from a terminal: backup codes stand in.
   */
  secondFactor(code: string | undefined): { secondFactor: SecondFactorPrompt; secondFactorRetry: boolean } {
    const interactive = code === undefined && !this.scripted;
    let attempts = 0;
    const secondFactor: SecondFactorPrompt = async (challenge) => {
      const methods = challenge.methods;
      if (!methods.includes('totp') && !methods.includes('backup_code')) {
        throw new CliError(
          'this account\'s second factor is a security key, which the CLI cannot use: log in with the web vault, or here with a backup code (`ww login --code XXXX-XXXX-XXXX`) once you have one (the web vault can make new ones)',
          EXIT.auth,
        );
      }
      attempts++;
      if (attempts > MAX_CODE_ATTEMPTS) throw new CliError('the second-factor code was not accepted', EXIT.auth);
      let raw = code;
      if (raw === undefined) {
        if (this.scripted) {
          raw = await nextStdinLine();
          if (raw === undefined) {
            throw new CliError('this account needs a second factor: pass --code <code>, or give the code on the line after the password', EXIT.auth);
          }
        } else {
          if (attempts > 1) this.info('That code was not accepted; try again.');
          if (!methods.includes('totp')) this.info('Security keys need the web vault; here, use one of your backup codes.');
          // A malformed answer is asked again (nothing was sent); a wrong one comes back through the SDK's retry.
          for (let typo = 1; ; typo++) {
            const typed = await promptVisible(methods.includes('totp') ? 'Authenticator code or backup code: ' : 'Backup code: ');
            try {
              return secondFactorAnswer(typed, methods);
            } catch (error) {
              if (!(error instanceof CliError) || typo >= MAX_CODE_ATTEMPTS) throw error;
              this.info(`${error.message[0]?.toUpperCase() ?? ''}${error.message.slice(1)}.`);
            }
          }
        }
      }
      return secondFactorAnswer(raw, methods);
    };
    return { secondFactor, secondFactorRetry: interactive };
  }

  /** True when the password comes from a prompt (so confirming it twice makes sense). */
  get interactivePassword(): boolean {
    return !this.options.passwordStdin && this.env.WATCHWORD_PASSWORD === undefined;
  }

  requireLogin(): SessionFile {
    if (!this.stored) throw new CliError('not logged in: run `ww login --email <address>`', EXIT.auth);
    return this.stored;
  }

  /**
   * Logs in with OPAQUE, stores the new session with the account key sealed under a fresh session key, and returns
   * the vault plus that session key (to export as WATCHWORD_SESSION).
   */
  async loginAndSeal(email: string, options: LoginOptions = {}): Promise<{ vault: Vault; sessionKey: string }> {
    const password = options.password ?? (await this.password());
    const previous = this.stored;
    // An API key's session is not ended on the server: its session is the key's, shared by every script using it.
    const previousSession = previous && !previous.apiKey && sameServer(previous.server, this.server) ? await this.session(previous) : undefined;
    this.stored = undefined; // no write of tokens before the new file exists
    const client = this.client(options.dpop === false ? false : 'storable');
    const vault = await client.login({ email, password, deviceName: `ww CLI on ${hostname()}`.slice(0, 128), ...this.secondFactor(options.code) });
    const { sealed, resumeKey } = await client.sealForResume(vault);
    const localUnlock = await client.sealForLocalUnlock(vault, password);
    const { tokens, dpop } = vault.session.toStored();
    // The offline copy of another account (or of another server) cannot be opened by this one: drop it.
    if (previous?.userId !== vault.userId || !sameServer(previous.server, this.server)) removeVaultCopy(this.env);
    this.stored = { version: 1, server: this.server, email, userId: vault.userId, tokens, sealedAccountKey: sealed, dpop, localUnlock };
    writeSession(this.stored, this.env);
    // The old CLI session is superseded: end it on the server (best effort — it may have expired already).
    await previousSession?.logout().catch(() => undefined);
    return { vault, sessionKey: resumeKey };
  }

  /** The local copy of the vault, its reads and the vault for changes (vault-access.ts). */
  readonly access: VaultAccess = new VaultAccess(this);

  unlockAndSeal(options: { password?: string; code?: string } = {}): Promise<{ sessionKey: string }> {
    return this.access.unlockAndSeal(options);
  }

  copy(options: { password?: string; code?: string } = {}): Promise<CachedVault> {
    return this.access.copy(options);
  }

  read<T>(lookup: (copy: CachedVault) => Promise<T>, options: { password?: string; code?: string } = {}): Promise<T> {
    return this.access.read(lookup, options);
  }

  vault(options: { password?: string; code?: string; items?: VaultItem[] | 'all' | 'none' } = {}): Promise<Vault> {
    return this.access.vault(options);
  }

  persist(): Promise<void> {
    return this.access.persist();
  }

  noteSync(): void {
    this.access.noteSync();
  }

  get offlineSince(): number | null {
    return this.access.offlineSince;
  }

  get lastSync(): CopySyncResult | undefined {
    return this.access.lastSync;
  }

  /** After a password change made here: the key kept on this device now opens with the new password. */
  async rememberPassword(vault: Vault, password: string): Promise<void> {
    const localUnlock = await this.client().sealForLocalUnlock(vault, password);
    const onDisk = readSession(this.env);
    if (!onDisk || onDisk.userId !== vault.userId || !sameServer(onDisk.server, this.server)) return;
    this.stored = { ...onDisk, localUnlock };
    writeSession(this.stored, this.env);
  }

  /** The stored session (tokens and, when bound, its DPoP key) without unlocking the vault. */
  async session(stored: SessionFile = this.requireLogin()): Promise<Session> {
    this.assertSessionServer(stored);
    return this.client().restoreSession({ tokens: stored.tokens, dpop: stored.dpop });
  }

  forget(): void {
    removeSession(this.env);
    this.stored = undefined;
  }

  /** Forgets the stored session if it belongs to this account on this server (after a recovery ended it). */
  forgetIfAccount(email: string): void {
    if (this.stored && sameServer(this.stored.server, this.server) && this.stored.email === email) this.forget();
  }
}

/**
 * Tokens, OPAQUE messages and refresh tokens must not cross a network in clear: plain http:// is for this machine
 * only (the README's quick start), unless WATCHWORD_INSECURE_HTTP=1 says the network in between is trusted.
 */
export function assertSecureTransport(server: string, env: NodeJS.ProcessEnv): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`invalid server URL: ${server}`, EXIT.usage);
  }
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname) || env.WATCHWORD_INSECURE_HTTP === '1') return;
  throw new CliError(
    `refusing plain http to ${url.host}: use its https:// address (or set WATCHWORD_INSECURE_HTTP=1 for a network you trust)`,
    EXIT.usage,
  );
}
