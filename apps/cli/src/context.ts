import { hostname } from 'node:os';
import { type Session, type StoredTokens, type Vault, WatchwordClient } from '@watchword/client';
import {
  fromBase64Url,
  generateStorableDpopKeyPair,
  importAesKey,
  importDpopKeyPair,
  openBytes,
  randomBytes,
  sealBytes,
  toBase64Url,
  utf8,
} from '@watchword/protocol';
import { CliError, EXIT } from './errors.ts';
import { promptHidden, readStdinLine } from './prompt.ts';
import { type SessionFile, readSession, removeSession, writeSession } from './session-file.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface GlobalOptions {
  server?: string;
  json?: boolean;
  passwordStdin?: boolean;
}

const sessionAad = (userId: string) => utf8(`watchword/v1/cli-session\0${userId}`);

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

  client(dpop: CryptoKeyPair | false = false): WatchwordClient {
    return new WatchwordClient({
      serverUrl: this.server,
      dpop,
      ...(this.env.WATCHWORD_KDF_VERSION ? { kdfVersion: Number(this.env.WATCHWORD_KDF_VERSION) } : {}),
      onTokens: (tokens) => this.#saveTokens(tokens),
    });
  }

  #saveTokens(tokens: StoredTokens): void {
    if (!this.stored) return;
    this.stored = { ...this.stored, tokens };
    writeSession(this.stored, this.env);
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
  async loginAndSeal(email: string, options: { dpop?: boolean } = {}): Promise<{ vault: Vault; sessionKey: string }> {
    const password = await this.password();
    const previous = this.stored;
    const previousSession = previous && previous.server === this.server ? await this.session(previous) : undefined;
    this.stored = undefined; // no write of tokens before the new file exists
    const dpop = options.dpop === false ? null : await generateStorableDpopKeyPair();
    const client = this.client(dpop ? await importDpopKeyPair(dpop) : false);
    const vault = await client.login({ email, password, deviceName: `ww CLI on ${hostname()}`.slice(0, 128) });
    const sessionKeyBytes = randomBytes(32);
    const sealed = await sealBytes(await importAesKey(sessionKeyBytes), vault.exportAccountKey(), sessionAad(vault.userId));
    this.stored = { version: 1, server: this.server, email, userId: vault.userId, tokens: vault.session.tokens, sealedAccountKey: sealed, dpop };
    writeSession(this.stored, this.env);
    // The old CLI session is superseded: end it on the server (best effort — it may have expired already).
    await previousSession?.logout().catch(() => undefined);
    return { vault, sessionKey: toBase64Url(sessionKeyBytes) };
  }

  /** The unlocked vault: from WATCHWORD_SESSION when set, else by asking for the master password. */
  async vault(): Promise<Vault> {
    const stored = this.requireLogin();
    const sessionKey = this.env.WATCHWORD_SESSION;
    if (sessionKey && stored.sealedAccountKey) {
      let accountKey: Uint8Array;
      try {
        accountKey = await openBytes(await importAesKey(fromBase64Url(sessionKey)), stored.sealedAccountKey, sessionAad(stored.userId));
      } catch {
        throw new CliError('WATCHWORD_SESSION does not unlock this session: run `eval "$(ww unlock)"`', EXIT.auth);
      }
      return this.client().resume(stored.tokens, accountKey, await this.#dpopKey(stored));
    }
    if (!this.interactivePassword || process.stdin.isTTY) {
      const { vault, sessionKey: key } = await this.loginAndSeal(stored.email);
      this.info(`Vault unlocked. To skip the password next time: export WATCHWORD_SESSION=${key}`);
      return vault;
    }
    throw new CliError('the vault is locked: run `eval "$(ww unlock)"` or set WATCHWORD_SESSION', EXIT.auth);
  }

  async #dpopKey(stored: SessionFile): Promise<CryptoKeyPair | undefined> {
    return stored.dpop ? importDpopKeyPair(stored.dpop) : undefined;
  }

  /** The stored session (tokens and, when bound, its DPoP key) without unlocking the vault. */
  async session(stored: SessionFile = this.requireLogin()): Promise<Session> {
    return this.client().session(stored.tokens, await this.#dpopKey(stored));
  }

  forget(): void {
    removeSession(this.env);
    this.stored = undefined;
  }
}
