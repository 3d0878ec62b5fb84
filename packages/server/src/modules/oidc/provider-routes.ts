/**
 * Mounts the OpenID provider (lib/oidc/provider.ts) in Fastify: discovery and each /oauth/ endpoint are handed,
 * raw, to the provider (its own body parsing, errors and redirects), after Fastify's hooks ran — the per-IP volume
 * limit and the security headers, which are copied onto the raw answer (the provider's pages answer under the OIDC
 * CSP). The routes are hidden from the OpenAPI document: they follow RFC 6749 / OpenID Connect, not our schemas.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../http/types.ts';
import { DISCOVERY_PATH, OAUTH_METADATA_PATH, OIDC_ROUTES, type OidcProvider } from '../../lib/oidc/provider.ts';

/**
 * Exactly the endpoints the provider serves with the features enabled (lib/oidc/provider.ts); any other path under
 * /oauth/ is Fastify's 404. Every `GET` also answers `HEAD`.
 */
export const PROVIDER_ENDPOINTS: readonly { readonly method: 'GET' | 'POST'; readonly url: string }[] = [
  { method: 'GET', url: DISCOVERY_PATH },
  { method: 'GET', url: OAUTH_METADATA_PATH },
  { method: 'GET', url: OIDC_ROUTES.authorization },
  { method: 'POST', url: OIDC_ROUTES.authorization },
  { method: 'GET', url: `${OIDC_ROUTES.authorization}/:uid` },
  { method: 'POST', url: OIDC_ROUTES.token },
  { method: 'GET', url: OIDC_ROUTES.userinfo },
  { method: 'POST', url: OIDC_ROUTES.userinfo },
  { method: 'GET', url: OIDC_ROUTES.jwks },
  { method: 'POST', url: OIDC_ROUTES.revocation },
  { method: 'POST', url: OIDC_ROUTES.introspection },
  { method: 'POST', url: OIDC_ROUTES.pushed_authorization_request },
  { method: 'GET', url: OIDC_ROUTES.end_session },
  { method: 'POST', url: OIDC_ROUTES.end_session },
  { method: 'POST', url: `${OIDC_ROUTES.end_session}/confirm` },
  { method: 'GET', url: `${OIDC_ROUTES.end_session}/success` },
];

export function providerRoutes(app: App, oidc: OidcProvider, publicUrl: string): void {
  const origin = new URL(publicUrl);
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const provider = await oidc.current();
    oidc.bind(request.raw, request);
    // The provider names its endpoints after the request's origin: it is always PUBLIC_URL's (the Host header was
    // already checked against it where that matters, http/production.ts), whatever proxy or client sent it.
    request.raw.headers.host = origin.host;
    request.raw.headers['x-forwarded-proto'] = origin.protocol.slice(0, -1);
    delete request.raw.headers['x-forwarded-host'];
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value as string | number | string[]);
    }
    reply.hijack();
    provider.callback()(request.raw, reply.raw);
  };

  void app.register(async (scope) => {
    // The provider reads its own request bodies (form-encoded, RFC 6749 §4.1.3): Fastify must leave them unread.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const { method, url } of PROVIDER_ENDPOINTS) {
      scope.route({ method, url, schema: { hide: true }, handler: handle, config: { permission: 'public', rateLimit: method === 'GET' ? 'read' : 'auth', csp: 'oidc' } });
    }
  });
}
