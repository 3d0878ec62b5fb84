import Type, { type Static } from 'typebox';
import { Timestamp, Uuid, strict } from './common.ts';

/**
 * OAuth 2.0 / OpenID Connect management ("Sign in with Watchword"): registered clients, the user's connected
 * applications, the provider's sign-in and consent steps, and API keys for automation. The OAuth protocol endpoints
 * themselves (/oauth/*, discovery) are the provider's and follow RFC 6749 / OIDC Core, not these schemas.
 */

/** An absolute https URL, or http on a loopback host (RFC 8252 §7.3 native apps); compared exactly, never by prefix. */
export const RedirectUri = Type.String({ minLength: 8, maxLength: 512, pattern: '^(https://|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?/)[^\\s#]*$' });
export const ClientName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
/** Client ids are server-chosen: `wwc_` (applications) or `wwk_` (API keys) and 22 base64url characters. */
export const ClientId = Type.String({ pattern: '^ww[ck]_[A-Za-z0-9_-]{22}$', minLength: 26, maxLength: 26 });
export const OAuthScope = Type.Union([Type.Literal('openid'), Type.Literal('profile'), Type.Literal('email'), Type.Literal('offline_access')]);

export const OAuthClientView = Type.Object(
  {
    clientId: ClientId,
    name: ClientName,
    public: Type.Boolean({ description: 'Public clients (SPAs, native apps) have no secret and must use DPoP-bound tokens' }),
    redirectUris: Type.Array(RedirectUri, { maxItems: 10 }),
    postLogoutRedirectUris: Type.Array(RedirectUri, { maxItems: 10 }),
    disabled: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  strict,
);
export const OAuthClientsResponse = Type.Object({ clients: Type.Array(OAuthClientView, { maxItems: 1000 }) }, strict);
export const OAuthClientParams = Type.Object({ clientId: ClientId }, strict);
export const CreateOAuthClientRequest = Type.Object(
  {
    name: ClientName,
    redirectUris: Type.Array(RedirectUri, { minItems: 1, maxItems: 10 }),
    postLogoutRedirectUris: Type.Optional(Type.Array(RedirectUri, { maxItems: 10 })),
    public: Type.Optional(Type.Boolean()),
  },
  strict,
);
/** The client secret appears in this answer once (creation, rotation) and is stored only as an Argon2id hash. */
export const OAuthClientSecretResponse = Type.Object(
  { client: OAuthClientView, clientSecret: Type.Union([Type.String({ minLength: 43, maxLength: 64 }), Type.Null()]) },
  strict,
);
export const OAuthClientResponse = Type.Object({ client: OAuthClientView }, strict);

/** What the consent page shows: who asks, for what, and where the answer goes. */
export const OAuthInteractionParams = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) }, strict);
export const OAuthInteractionResponse = Type.Object(
  {
    prompt: Type.Union([Type.Literal('login'), Type.Literal('consent')]),
    client: Type.Object({ clientId: ClientId, name: ClientName }, strict),
    scopes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 }),
    redirectUri: Type.String({ maxLength: 512 }),
    /** Set once the user signed in at this interaction (the consent step). */
    accountId: Type.Union([Uuid, Type.Null()]),
  },
  strict,
);
/**
 * Where to send the browser next; null (with `consentRequired`) when signing in alone is not enough: the page then
 * shows the consent screen and answers with its decision in the same visit.
 */
export const OAuthInteractionDecision = Type.Object(
  { redirectTo: Type.Union([Type.String({ maxLength: 8192 }), Type.Null()]), consentRequired: Type.Boolean() },
  strict,
);

export const ConnectedAppView = Type.Object(
  { clientId: ClientId, name: ClientName, scopes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 }), grantedAt: Timestamp },
  strict,
);
export const ConnectedAppsResponse = Type.Object({ apps: Type.Array(ConnectedAppView, { maxItems: 1000 }) }, strict);

export const ApiKeyView = Type.Object(
  { clientId: ClientId, name: ClientName, readOnly: Type.Boolean(), createdAt: Timestamp, lastUsedAt: Type.Union([Timestamp, Type.Null()]) },
  strict,
);
export const ApiKeysResponse = Type.Object({ keys: Type.Array(ApiKeyView, { maxItems: 100 }) }, strict);
export const CreateApiKeyRequest = Type.Object({ name: ClientName, readOnly: Type.Optional(Type.Boolean()) }, strict);
/** The secret appears here once; the server keeps only its Argon2id hash. */
export const ApiKeySecretResponse = Type.Object({ key: ApiKeyView, clientSecret: Type.String({ minLength: 43, maxLength: 64 }) }, strict);

export type OAuthClientView = Static<typeof OAuthClientView>;
export type OAuthInteraction = Static<typeof OAuthInteractionResponse>;
export type ConnectedApp = Static<typeof ConnectedAppView>;
export type ApiKeyView = Static<typeof ApiKeyView>;
export type CreateOAuthClientRequest = Static<typeof CreateOAuthClientRequest>;
