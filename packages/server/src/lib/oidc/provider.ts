/**
 * The OpenID Provider ("Sign in with Watchword"): panva's oidc-provider (OpenID Certified), configured for
 * Watchword. Nothing here speaks OAuth itself; it configures the provider and plugs Watchword in:
 *
 * - issuer = PUBLIC_URL; protocol endpoints under /oauth/ and discovery at /.well-known/openid-configuration;
 * - authorization code flow only (no implicit, no password grant), PKCE S256 required of every client, `iss` in
 *   every authorization response (RFC 9207, on by default), exact redirect-URI matching (the provider's own);
 *   responses by query (the default) or `form_post`, whose auto-submitting page keeps the strict CSP
 *   (page-csp.ts);
 * - ID tokens (and API-key access tokens) signed with the server's token-signing keys (keys/signing-keys.ts): the
 *   provider is rebuilt whenever the key set changes, with the current key first so it signs with it, and every
 *   token names its key (`kid`); the provider's JWKS and /.well-known/jwks.json publish the same public keys;
 * - refresh tokens rotated on every use; a rotated one presented again revokes its whole grant (reuse detection);
 *   a replayed authorization code does the same;
 * - public clients must use DPoP (RFC 9449) bound tokens; introspection (RFC 7662) for confidential clients only;
 * - client secrets checked against their Argon2id hash, each check a throttled credential attempt;
 * - claims `sub` (the account's UUID, never the e-mail), `email`, `email_verified`, `name` — nothing from the vault;
 * - the user signs in and consents in the web vault (`/#/oauth/<uid>`), which calls the interaction routes.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { AccessTokenInstance, ClientInstance, KoaContextWithOIDC, Provider } from 'oidc-provider';
import { WatchwordError } from '@watchword/protocol';
import type { Context } from '../../context.ts';
import type { KeySet } from '../../keys/signing-keys.ts';
import { credentialAttempt } from '../credential-attempt.ts';
import { adapterClass } from './adapter.ts';
import { finishPageCsp } from './page-csp.ts';
import { verifyClientSecret } from './secrets.ts';

/** Where the provider's endpoints live (all under /oauth/, so one Fastify route family serves them). */
export const OIDC_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  userinfo: '/oauth/userinfo',
  jwks: '/oauth/jwks',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  end_session: '/oauth/logout',
  pushed_authorization_request: '/oauth/par',
  registration: '/oauth/register',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
} as const;

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
/** RFC 8414 authorization server metadata (the same document). */
export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';

/** The web vault's sign-in and consent page for an interaction. */
export const interactionPath = (uid: string) => `/#/oauth/${uid}`;

/** Access tokens of API keys carry this session id prefix; revoking the key denylists `apikey:<clientId>`. */
export const API_KEY_SESSION_PREFIX = 'apikey:';
export const API_KEY_SCOPES = { read: 'vault:read', write: 'vault:write' } as const;

const GRANT_TTL_SECONDS = 365 * 24 * 3600;
const REFRESH_TTL_SECONDS = 30 * 24 * 3600;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  // No script and no style: the pages answer under the OIDC CSP (http/security-headers.ts).
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/**
 * oidc-provider (with Koa and jose) loads on the first OAuth request: a server nobody signs in to through it never
 * pays for it, and Node's fetch implementation, which its dependencies touch when loaded, stays unloaded
 * (docs/architecture.md, "Start-up stays small").
 */
type OidcModule = typeof import('oidc-provider');
let oidcModule: Promise<OidcModule> | undefined;
const loadOidcProvider = () => (oidcModule ??= import('oidc-provider'));

export interface OidcProvider {
  /** The provider for the key set in force now (rebuilt when it changes). */
  current(): Promise<Provider>;
  /** Lets the provider's hooks find the Fastify request behind a raw request (client-auth throttling). */
  bind(raw: IncomingMessage, request: FastifyRequest): void;
}

export function createOidcProvider(ctx: Context): OidcProvider {
  const requests = new WeakMap<IncomingMessage, FastifyRequest>();
  const issuer = ctx.config.publicUrl;
  const cookieKey = createHmac('sha256', ctx.secrets.serverSecret).update('watchword/oidc/cookies').digest('base64url');
  let built: { signature: string; provider: Provider } | undefined;

  const keySignature = (set: KeySet) => [set.current.kid, ...[...set.byKid.keys()].sort()].join(',');

  function build({ default: ProviderClass, errors }: OidcModule, set: KeySet): Provider {
    /** A refusal by the credential throttle, answered in OAuth form (RFC 6749 §5.2 shape) with 429 and Retry-After. */
    class TooManyAttempts extends errors.OIDCProviderError {
      constructor() {
        super(429, 'invalid_client');
        this.error_description = 'too many failed attempts; try again later';
      }
    }

    const ordered = [set.current, ...[...set.byKid.values()].filter((k) => k.kid !== set.current.kid)];
    const jwks = { keys: ordered.map((k) => ({ ...k.privateKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' })) };
    const algs = [...set.algorithms];
    const currentAlg = set.current.alg;

    const provider = new ProviderClass(issuer, {
      adapter: adapterClass({ storage: ctx.storage, now: ctx.now, idTokenAlg: () => currentAlg }),
      jwks,
      cookies: { keys: [cookieKey] },
      routes: OIDC_ROUTES,
      scopes: ['openid', 'offline_access', 'profile', 'email'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      responseTypes: ['code'],
      pkce: { required: () => true },
      clientAuthMethods: ['none', 'client_secret_basic'],
      enabledJWA: {
        idTokenSigningAlgValues: algs,
        userinfoSigningAlgValues: algs,
        requestObjectSigningAlgValues: algs,
        clientAuthSigningAlgValues: algs,
        introspectionSigningAlgValues: algs,
        authorizationSigningAlgValues: algs,
      },
      clientDefaults: { id_token_signed_response_alg: currentAlg, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
      extraClientMetadata: { properties: ['ww_owner', 'ww_read_only'], validator: () => undefined },
      features: {
        devInteractions: { enabled: false },
        registration: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: {
          enabled: true,
          // RFC 7662 §2.1: the endpoint is for protected resources and clients that can authenticate; a client
          // learns about its own tokens only.
          allowedPolicy: async (_c: KoaContextWithOIDC, client: ClientInstance, token: AccessTokenInstance) => client.clientAuthMethod !== 'none' && token.clientId === client.clientId,
        },
        // RFC 7009 §2.1: a client revokes its own tokens only.
        revocation: { enabled: true, allowedPolicy: async (_c: KoaContextWithOIDC, client: ClientInstance, token: AccessTokenInstance) => token.clientId === client.clientId },
        userinfo: { enabled: true },
        dPoP: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (k: KoaContextWithOIDC, form: string) => {
            k.body = page('Sign out', `${form}<p>Sign out of Watchword at ${escapeHtml(k.host)}?</p><button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button> <button type="submit" form="op.logoutForm">No, stay signed in</button>`);
          },
          postLogoutSuccessSource: async (k: KoaContextWithOIDC) => {
            k.body = page('Signed out', '<p>You are signed out.</p>');
          },
        },
        resourceIndicators: {
          enabled: true,
          // API keys get JWT access tokens for the Watchword API itself; applications get opaque tokens for userinfo.
          defaultResource: async (_c: KoaContextWithOIDC, client: ClientInstance) => (client.metadata().ww_owner ? issuer : undefined),
          useGrantedResource: async () => false,
          getResourceServerInfo: async (_c: KoaContextWithOIDC, resource: string, client: ClientInstance) => {
            // The provider hands the indicator over normalised (a URL's href: a trailing slash after the host).
            if (URL.parse(resource)?.href !== URL.parse(issuer)?.href || !client.metadata().ww_owner) throw new errors.InvalidTarget();
            return {
              scope: `${API_KEY_SCOPES.read} ${API_KEY_SCOPES.write}`,
              audience: issuer,
              accessTokenTTL: ctx.config.accessTokenTtlSeconds,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: currentAlg } },
            };
          },
        },
      },
      formats: {
        customizers: {
          // An API key's token acts for its owner, as the session `apikey:<clientId>` (so revoking the key denylists
          // it on every instance), with the scope its key allows — whatever was asked for.
          jwt: async (_c: KoaContextWithOIDC, token: AccessTokenInstance, jwt: { payload: Record<string, unknown> }) => {
            const metadata = token.client?.metadata();
            const owner = metadata?.ww_owner;
            if (typeof owner !== 'string') throw new errors.InvalidTarget();
            jwt.payload.sub = owner;
            jwt.payload.sid = `${API_KEY_SESSION_PREFIX}${token.clientId}`;
            jwt.payload.scope = metadata?.ww_read_only === true ? API_KEY_SCOPES.read : `${API_KEY_SCOPES.read} ${API_KEY_SCOPES.write}`;
          },
        },
      },
      interactions: { url: async (_c: KoaContextWithOIDC, interaction: { uid: string }) => interactionPath(interaction.uid) },
      findAccount: async (_c: KoaContextWithOIDC, sub: string) => {
        const user = await ctx.storage.users.findById(sub);
        if (!user || user.disabledAt !== null) return undefined;
        return {
          accountId: user.id,
          // Watchword keeps no display name: `name` is the account's e-mail address.
          claims: async () => ({ sub: user.id, email: user.email, email_verified: user.emailVerifiedAt !== null, name: user.email }),
        };
      },
      loadExistingGrant: async (k: KoaContextWithOIDC) => {
        const client = k.oidc.client;
        if (!client) return undefined;
        const accountId = k.oidc.session?.accountId;
        const grantId = k.oidc.result?.consent?.grantId ?? (accountId ? (await ctx.storage.oauth.findConsent(accountId, client.clientId))?.grantId : undefined);
        return grantId ? k.oidc.provider.Grant.find(grantId) : undefined;
      },
      // Every client with the refresh_token grant gets one; tokens live on after the provider's browser session
      // (they end with their grant: revocation, a disconnected app, a disabled or deleted client).
      issueRefreshToken: async (_c: KoaContextWithOIDC, client: ClientInstance) => client.grantTypeAllowed('refresh_token'),
      expiresWithSession: async () => false,
      rotateRefreshToken: true,
      ttl: {
        AccessToken: ctx.config.accessTokenTtlSeconds,
        ClientCredentials: ctx.config.accessTokenTtlSeconds,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 3600,
        Grant: GRANT_TTL_SECONDS,
        RefreshToken: REFRESH_TTL_SECONDS,
      },
      renderError: async (k: KoaContextWithOIDC, out: { error?: string; error_description?: string }) => {
        k.type = 'html';
        k.body = page('Sign-in error', `<p>${escapeHtml(String(out.error ?? 'error'))}</p><p>${escapeHtml(String(out.error_description ?? ''))}</p>`);
      },
      // Browser apps on other origins call the token, userinfo and discovery endpoints: allowed for registered
      // clients from the origin of one of their redirect URIs.
      clientBasedCORS: (_c: KoaContextWithOIDC, origin: string, client: ClientInstance) =>
        ((client.metadata().redirect_uris as string[] | undefined) ?? []).some((uri) => new URL(uri).origin === origin),
    });
    // The mount (modules/oidc/provider-routes.ts) sets X-Forwarded-Proto from PUBLIC_URL on every request it hands
    // over, so the provider's URLs are always PUBLIC_URL's; client addresses are Fastify's (trusted proxies only).
    provider.proxy = true;
    // The CSP of its HTML pages: a form_post page may post to its validated redirect URI, and nowhere else (page-csp.ts).
    provider.use(finishPageCsp);

    // Client secrets are stored as Argon2id hashes, so the provider's comparison is replaced by a verification, each
    // one a credential attempt (throttled per client and per IP, like passwords).
    provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: ClientInstance, presented: string): Promise<boolean> {
      const k = ProviderClass.ctx;
      const request = k ? requests.get(k.req) : undefined;
      const stored = this.metadata().client_secret;
      if (!request || typeof stored !== 'string') return false;
      const attempt = credentialAttempt(ctx, request, 'client_secret', { account: `client:${this.clientId}` });
      let counted;
      try {
        counted = await attempt.begin();
      } catch (error) {
        if (error instanceof WatchwordError && error.code === 'RATE_LIMITED') {
          const retryAfter = error.details?.retryAfter;
          if (k && typeof retryAfter === 'number') k.set('retry-after', String(retryAfter));
          throw new TooManyAttempts();
        }
        throw error;
      }
      const ok = await verifyClientSecret(stored, presented);
      if (ok) {
        await attempt.succeeded(counted);
        await ctx.storage.oauth.touchClient(this.clientId, ctx.now());
      }
      return ok;
    };
    provider.on('server_error', (_k: unknown, error: unknown) => {
      ctx.log.error({ err: error }, 'oidc provider error');
    });
    return provider;
  }

  return {
    async current() {
      const module = await loadOidcProvider();
      const set = ctx.signingKeys.at(ctx.now());
      const signature = keySignature(set);
      if (built?.signature !== signature) built = { signature, provider: build(module, set) };
      return built.provider;
    },
    bind(raw, request) {
      requests.set(raw, request);
    },
  };
}
