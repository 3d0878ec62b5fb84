import { type FetchLike, HttpClient } from './http.ts';
import { type RegisterResult, login, register } from './auth.ts';
import { Session, type StoredTokens, toStoredTokens } from './session.ts';
import { Vault } from './vault.ts';
import { generateDpopKeyPair } from '@watchword/protocol';

export interface ClientOptions {
  serverUrl: string;
  fetch?: FetchLike;
  /** Key-stretching profile for new registrations (default: the current profile). */
  kdfVersion?: number;
  /** Called with every new token pair (login and each rotation). */
  onTokens?: (tokens: StoredTokens) => void | Promise<void>;
  /**
   * Sender-constrain the session with DPoP (RFC 9449), on by default: 'generate' makes a non-extractable key at
   * login; a CryptoKeyPair uses that key (e.g. one the CLI keeps); false asks for plain bearer tokens.
   */
  dpop?: 'generate' | CryptoKeyPair | false;
}

/** The SDK's front door: register, log in (→ an unlocked Vault), or resume a stored session. */
export class WatchwordClient {
  readonly http: HttpClient;
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    this.http = new HttpClient(options.serverUrl, options.fetch);
    this.#options = options;
  }

  register(input: { email: string; password: string }): Promise<RegisterResult> {
    return register(this.http, { ...input, ...(this.#options.kdfVersion !== undefined ? { kdfVersion: this.#options.kdfVersion } : {}) });
  }

  /** Logs in and unlocks: the vault keys never leave this process. */
  async login(input: { email: string; password: string; deviceName?: string }): Promise<Vault> {
    const option = this.#options.dpop ?? 'generate';
    const dpopKey = option === 'generate' ? await generateDpopKeyPair() : option === false ? undefined : option;
    const { tokens, exportKey } = await login(this.http, { ...input, ...(dpopKey ? { dpopKey } : {}) });
    const stored = toStoredTokens(tokens);
    await this.#options.onTokens?.(stored);
    return Vault.open(new Session(this.http, stored, this.#options.onTokens, dpopKey), { exportKey });
  }

  /** A session from stored tokens (no vault key: for `token`, `logout`, …); pass the DPoP key they are bound to. */
  session(tokens: StoredTokens, dpopKey?: CryptoKeyPair): Session {
    return new Session(this.http, tokens, this.#options.onTokens, dpopKey);
  }

  /** Re-opens the vault from stored tokens and an account key kept from an earlier unlock. */
  resume(tokens: StoredTokens, accountKey: Uint8Array, dpopKey?: CryptoKeyPair): Promise<Vault> {
    return Vault.open(this.session(tokens, dpopKey), { accountKey });
  }
}
