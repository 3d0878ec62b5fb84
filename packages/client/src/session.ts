import {
  type RouteInput,
  type RouteResult,
  type RouteSpec,
  type SessionInfo,
  type StoredDpopKeyPair,
  type TokenResponse,
  WatchwordError,
  api,
} from '@watchword/protocol';
import type { HttpClient } from './http.ts';

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch when the access token expires. */
  accessExpiresAt: number;
}

/**
 * A session as a client keeps it between processes (JSON-safe): its tokens and the DPoP key pair they are bound to
 * (null for bearer tokens). The private JWK is a secret like the refresh token; it opens no vault.
 */
export interface StoredSession {
  tokens: StoredTokens;
  dpop: StoredDpopKeyPair | null;
}

/**
 * Runs one refresh-token rotation for a session. `rotate` presents `current` to the server and returns the successor;
 * a coordinator may instead return tokens another holder of the same session already rotated to (the web vault's
 * tabs share one session: they take turns through a Web Lock and hand each other the successor, so no tab presents a
 * token another tab has already rotated — RFC 9700 §4.14.2 reuse detection would end the session).
 */
export type RefreshCoordinator = (current: StoredTokens, rotate: (tokens: StoredTokens) => Promise<StoredTokens>) => Promise<StoredTokens>;

export function toStoredTokens(tokens: TokenResponse, now = Date.now()): StoredTokens {
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, accessExpiresAt: now + tokens.expiresIn * 1000 };
}

/**
 * An authenticated session: keeps the access token fresh (refresh-token rotation) and hands every rotated pair to
 * `onTokens` at once — the previous refresh token is dead after a rotation, so callers must persist the new one.
 */
export class Session {
  readonly http: HttpClient;
  #tokens: StoredTokens;
  #refreshing: Promise<StoredTokens> | undefined;
  readonly #onTokens: ((tokens: StoredTokens) => void | Promise<void>) | undefined;
  /** The key the session's tokens are bound to (RFC 9449), if any. */
  readonly dpopKey: CryptoKeyPair | undefined;
  readonly #storedDpopKey: StoredDpopKeyPair | undefined;
  readonly #coordinate: RefreshCoordinator | undefined;
  readonly #renew: (() => Promise<StoredTokens>) | undefined;

  /**
   * `coordinate` takes part in every refresh-token rotation (RefreshCoordinator). `renew`, for a session without a
   * refresh token (an API key's: OAuth client credentials issue none), is how a new access token is obtained instead
   * of a refresh (see WatchwordClient's `renewTokens`).
   */
  constructor(
    http: HttpClient,
    tokens: StoredTokens,
    onTokens?: (tokens: StoredTokens) => void | Promise<void>,
    dpopKey?: CryptoKeyPair,
    storedDpopKey?: StoredDpopKeyPair,
    coordinate?: RefreshCoordinator,
    renew?: () => Promise<StoredTokens>,
  ) {
    this.http = http;
    this.#tokens = tokens;
    this.#onTokens = onTokens;
    this.dpopKey = dpopKey;
    this.#storedDpopKey = storedDpopKey;
    this.#coordinate = coordinate;
    this.#renew = renew;
  }

  /**
   * Whether this is an API key's session (OAuth client credentials: no refresh token). The server keeps such sessions
   * out of sharing, organisations and shared vaults (issue 25), so a vault opened on one holds the personal vault only.
   */
  get isApiKey(): boolean {
    return this.#tokens.refreshToken === '';
  }

  get tokens(): StoredTokens {
    return this.#tokens;
  }

  /**
   * What to keep to restore this session in another process (WatchwordClient.restoreSession). Only for a bearer
   * session or one whose DPoP key was made storable (the client's `dpop: 'storable'`): a non-extractable key cannot
   * be kept, and storing the tokens without it would store a session nobody can use.
   */
  toStored(): StoredSession {
    if (this.dpopKey !== undefined && this.#storedDpopKey === undefined) {
      throw new Error("this session's DPoP key is not storable: log in with the client's dpop option set to 'storable'");
    }
    return { tokens: this.#tokens, dpop: this.#storedDpopKey ?? null };
  }

  /** A valid access token, refreshed when it expires within 30 s. Concurrent callers share one refresh. */
  async accessToken(): Promise<string> {
    if (this.#tokens.accessExpiresAt - Date.now() > 30_000) return this.#tokens.accessToken;
    return (await this.refresh()).accessToken;
  }

  async refresh(): Promise<StoredTokens> {
    this.#refreshing ??= (async () => {
      try {
        if (this.#renew) {
          this.#tokens = await this.#renew();
        } else {
          const rotate = async (tokens: StoredTokens) =>
            toStoredTokens(await this.http.call(api.auth.refresh, { body: { refreshToken: tokens.refreshToken } }, this.dpopKey ? { dpopKey: this.dpopKey } : {}));
          this.#tokens = this.#coordinate ? await this.#coordinate(this.#tokens, rotate) : await rotate(this.#tokens);
        }
        await this.#onTokens?.(this.#tokens);
        return this.#tokens;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** An authenticated call of one route; one retry after a refresh when the access token was rejected. */
  async call<R extends RouteSpec>(spec: R, input: RouteInput<R>): Promise<RouteResult<R>> {
    const withKey = this.dpopKey ? { dpopKey: this.dpopKey } : {};
    try {
      return await this.http.call(spec, input, { ...withKey, token: await this.accessToken() });
    } catch (error) {
      if (!(error instanceof WatchwordError) || error.code !== 'INVALID_TOKEN') throw error;
      await this.refresh();
      return this.http.call(spec, input, { ...withKey, token: this.#tokens.accessToken });
    }
  }

  async logout(): Promise<void> {
    await this.call(api.auth.logout, { body: {} });
  }

  /** Ends every session of the account, this one included; returns how many were ended. */
  async logoutAll(): Promise<number> {
    return (await this.call(api.auth.logoutAll, { body: {} })).revoked;
  }

  /** The account's live sessions (devices), the current one marked. */
  async listSessions(): Promise<SessionInfo[]> {
    return (await this.call(api.sessions.list, {})).sessions;
  }

  async revokeSession(id: string): Promise<void> {
    await this.call(api.sessions.revoke, { params: { id } });
  }
}
