/**
 * "Sign in with Watchword" and API keys in the SDK: the provider's sign-in and consent steps (the web vault's page),
 * the account's connected applications and API keys, the admin API for OAuth clients, and the exchange of an API
 * key for an access token (OAuth client credentials, RFC 6749 §4.4, at the provider's token endpoint).
 */
import {
  type ApiKeyView,
  type ConnectedApp,
  type CreateOAuthClientRequest,
  type OAuthClientView,
  type OAuthInteraction,
  WatchwordError,
  api,
  fromBase64Url,
} from '@watchword/protocol';
import type { FetchLike, HttpClient } from './http.ts';
import type { Session } from './session.ts';

/**
 * An interaction of the provider, in the browser that started it (its cookie travels with each call): what the
 * application asks for, then the decision, answered with the URL to send the browser to.
 */
export class OAuthInteractionClient {
  readonly #http: HttpClient;
  readonly #uid: string;

  constructor(http: HttpClient, uid: string) {
    this.#http = http;
    this.#uid = uid;
  }

  details(): Promise<OAuthInteraction> {
    return this.#http.call(api.oauth.interaction, { params: { uid: this.#uid } });
  }

  /**
   * Signs the interaction in as the session's account (the Watchword login happened first, second factor included):
   * the URL to open, or null when the application needs the account's consent first (then call `consent`).
   */
  async signIn(session: Session): Promise<string | null> {
    return (await session.call(api.oauth.interactionLogin, { params: { uid: this.#uid }, body: {} })).redirectTo;
  }

  /** Grants the application what it asked for (signing in too, at a sign-in step); remembered until revoked in Settings. */
  async consent(session: Session): Promise<string> {
    const { redirectTo } = await session.call(api.oauth.interactionConsent, { params: { uid: this.#uid }, body: {} });
    if (redirectTo === null) throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    return redirectTo;
  }

  /** Declines: the application receives `access_denied`. */
  async abort(): Promise<string> {
    const { redirectTo } = await this.#http.call(api.oauth.interactionAbort, { params: { uid: this.#uid }, body: {} });
    if (redirectTo === null) throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    return redirectTo;
  }
}

/** The account's connected applications and API keys. */
export class OAuthAccountClient {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  async connectedApps(): Promise<ConnectedApp[]> {
    return (await this.#session.call(api.oauth.connectedApps, {})).apps;
  }

  /** Forgets the consent and revokes every token the application holds. */
  async disconnect(clientId: string): Promise<void> {
    await this.#session.call(api.oauth.disconnectApp, { params: { clientId } });
  }

  async apiKeys(): Promise<ApiKeyView[]> {
    return (await this.#session.call(api.oauth.apiKeys, {})).keys;
  }

  /** A new key; its secret is in this answer only. */
  createApiKey(input: { name: string; readOnly?: boolean }): Promise<{ key: ApiKeyView; clientSecret: string }> {
    return this.#session.call(api.oauth.createApiKey, { body: { name: input.name, ...(input.readOnly ? { readOnly: true } : {}) } });
  }

  async revokeApiKey(clientId: string): Promise<void> {
    await this.#session.call(api.oauth.revokeApiKey, { params: { clientId } });
  }
}

/** OAuth clients, for an account holding `oauth:read` / `oauth:manage`. */
export class OAuthAdminClient {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  async clients(): Promise<OAuthClientView[]> {
    return (await this.#session.call(api.oauth.clients, {})).clients;
  }

  /** Registers a client; a confidential client's secret is in this answer only (null for a public client). */
  create(input: CreateOAuthClientRequest): Promise<{ client: OAuthClientView; clientSecret: string | null }> {
    return this.#session.call(api.oauth.createClient, { body: input });
  }

  async rotateSecret(clientId: string): Promise<{ client: OAuthClientView; clientSecret: string | null }> {
    return this.#session.call(api.oauth.rotateSecret, { params: { clientId }, body: {} });
  }

  async disable(clientId: string): Promise<OAuthClientView> {
    return (await this.#session.call(api.oauth.disableClient, { params: { clientId }, body: {} })).client;
  }

  async enable(clientId: string): Promise<OAuthClientView> {
    return (await this.#session.call(api.oauth.enableClient, { params: { clientId }, body: {} })).client;
  }

  async delete(clientId: string): Promise<void> {
    await this.#session.call(api.oauth.deleteClient, { params: { clientId } });
  }
}

export interface ApiKeyToken {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  scope: string;
}

/** The provider's token endpoint; the one non-API path the SDK calls (OAuth, not our JSON API). */
export const TOKEN_ENDPOINT = '/oauth/token';

/**
 * Exchanges an API key for an access token (client credentials, RFC 6749 §4.4; the key authenticates with HTTP Basic,
 * §2.3.1). The token acts for the key's owner; decrypting the vault still needs an unlock.
 */
export async function apiKeyAccessToken(serverUrl: string, key: { clientId: string; secret: string }, fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init)): Promise<ApiKeyToken> {
  // RFC 6749 §2.3.1: client id and secret are form-urlencoded before they are joined for Basic.
  const basic = btoa(`${encodeURIComponent(key.clientId)}:${encodeURIComponent(key.secret)}`);
  let response: Response;
  try {
    response = await fetchImpl(`${serverUrl.replace(/\/+$/, '')}${TOKEN_ENDPOINT}`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials',
      redirect: 'manual',
    });
  } catch (cause) {
    throw new WatchwordError('SERVICE_UNAVAILABLE', { message: `cannot reach the server at ${serverUrl}`, cause });
  }
  if (response.status === 429) throw new WatchwordError('RATE_LIMITED');
  if (response.status === 400 || response.status === 401) throw new WatchwordError('INVALID_CREDENTIALS', { message: 'The API key is unknown, revoked or wrong.' });
  if (!response.ok) throw new WatchwordError('SERVICE_UNAVAILABLE');
  const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown; scope?: unknown };
  if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') throw new WatchwordError('SERVICE_UNAVAILABLE');
  return { accessToken: body.access_token, expiresIn: body.expires_in, scope: typeof body.scope === 'string' ? body.scope : scopeClaim(body.access_token) };
}

/**
 * The `scope` claim of an API key's JWT access token (the provider puts the key's scope there, not in the token
 * response when none was asked for). Read, not verified: it only tells the caller what the key allows; the server
 * verifies the token on every call.
 */
function scopeClaim(jwt: string): string {
  try {
    const payload = jwt.split('.')[1] ?? '';
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as { scope?: unknown };
    return typeof claims.scope === 'string' ? claims.scope : '';
  } catch {
    return '';
  }
}
