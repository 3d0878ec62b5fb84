import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Config } from '../config.ts';
import type { App } from './types.ts';

/**
 * Security headers on every response: API JSON, errors, 404s, redirects, CORS preflights (SECURITY.md "Headers").
 * Set from the first onRequest hooks, so they are in place before any later hook, parser, handler or error handler
 * answers; `applySecurityHeaders` also serves the one path Fastify answers without hooks (framework errors such as a
 * malformed URL). Our own rather than @fastify/helmet: every helmet default would be overridden, HSTS must depend
 * on the request, and helmet's headers cannot be applied on that hook-less path.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `web-vault`: the static web vault's CSP instead of the API's (its page; modules/web/routes.ts). */
    csp?: 'api' | 'web-vault' | 'oidc';
  }
}

type CspDirectives = Readonly<Record<string, readonly string[]>>;

/**
 * The API answers JSON only and is never a document: nothing may load, frame it, be its base or receive a form
 * from it. (CSP Level 3; `frame-ancestors` replaces X-Frame-Options for browsers that know it.)
 */
export const API_CSP_DIRECTIVES: CspDirectives = Object.freeze({
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
});

/**
 * The static web vault's policy (its page is served from this origin): its own scripts only, no inline script and no
 * `eval` — `'wasm-unsafe-eval'` (CSP Level 3) permits compiling WebAssembly (Argon2id, OPAQUE) and nothing else.
 * Images may be `data:` (icons); everything the vault fetches is same-origin; never framed (clickjacking). The
 * installable app's service worker and manifest are same-origin files named explicitly (`worker-src`,
 * `manifest-src`: the same `'self'` that `default-src` already gives them, stated so that loosening `default-src`
 * later cannot widen them).
 * The static routes declare `config: { csp: 'web-vault' }`.
 */
export const WEB_VAULT_CSP_DIRECTIVES: CspDirectives = Object.freeze({
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
});

/**
 * The OpenID provider's own pages (the RP-initiated logout confirmation, its result, error pages): nothing loaded, no
 * style; a form may post back to this origin only; never framed. `script-src 'none'` is there for the provider to
 * extend: a page with a script (its self-submitting forms) adds that script's SHA-256 to the directive, which then
 * allows exactly that script (CSP Level 3 hash sources; `'none'` is then dropped, lib/oidc/page-csp.ts). A
 * `response_mode=form_post` page also gets its validated redirect URI in `form-action` (same module).
 */
export const OIDC_CSP_DIRECTIVES: CspDirectives = Object.freeze({
  'default-src': ["'none'"],
  'script-src': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
});

/** The header value of a policy (directives joined by `; `, the serialized-policy grammar of CSP Level 3 §2.2). */
export function cspValue(directives: CspDirectives): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

export const API_CSP = cspValue(API_CSP_DIRECTIVES);
export const WEB_VAULT_CSP = cspValue(WEB_VAULT_CSP_DIRECTIVES);
export const OIDC_CSP = cspValue(OIDC_CSP_DIRECTIVES);

/**
 * Powerful features are off for this origin and anything it embeds. WebAuthn (passkeys) stays
 * available to the origin itself. Clipboard access is left at the browser default: the vault copies passwords.
 */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'browsing-topics=()',
  'camera=()',
  'display-capture=()',
  'encrypted-media=()',
  'geolocation=()',
  'gyroscope=()',
  'hid=()',
  'idle-detection=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'picture-in-picture=()',
  'screen-wake-lock=()',
  'serial=()',
  'usb=()',
  'xr-spatial-tracking=()',
  'publickey-credentials-create=(self)',
  'publickey-credentials-get=(self)',
].join(', ');

/** RFC 6797 §6.1: one year, every subdomain; `preload` only on request (HSTS_PRELOAD), as it is hard to undo. */
export function hstsValue(preload: boolean): string {
  return `max-age=31536000; includeSubDomains${preload ? '; preload' : ''}`;
}

/** What every response carries (the CSP, CORP and HSTS vary; see applySecurityHeaders). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  // Legacy twin of `frame-ancestors 'none'` for browsers without CSP2.
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': PERMISSIONS_POLICY,
  // A window this origin opens, or that opens it, shares no browsing-context group (no window.opener handle).
  'cross-origin-opener-policy': 'same-origin',
  // `0`: the legacy XSS auditor could be steered into blanking parts of a page, which leaked cross-origin
  // information (XS-Leaks); every current browser has removed it, and OWASP recommends turning it off explicitly
  // for the ones still around. CSP is the protection that works.
  'x-xss-protection': '0',
  // Adobe Flash/Acrobat cross-domain policy files: none.
  'x-permitted-cross-domain-policies': 'none',
});

/**
 * Routes whose responses other origins must be able to load: the JWKS is public by design (RFC 7517; verifiers on
 * other origins fetch it), so `Cross-Origin-Resource-Policy: same-origin` would only break them and protects no
 * secret. CORS for it still follows CORS_ORIGINS.
 */
export const CROSS_ORIGIN_READABLE_ROUTES: ReadonlySet<string> = new Set(['/.well-known/jwks.json']);

/** The full set for one kind of answer: built once, so a request pays for copying it and nothing else. */
function headerSet(csp: string, corp: 'same-origin' | 'cross-origin'): Readonly<Record<string, string>> {
  return Object.freeze({ ...SECURITY_HEADERS, 'content-security-policy': csp, 'cross-origin-resource-policy': corp });
}

/** Every combination a route can declare: [csp][cross-origin readable]. */
const HEADER_SETS = {
  api: { own: headerSet(API_CSP, 'same-origin'), shared: headerSet(API_CSP, 'cross-origin') },
  'web-vault': { own: headerSet(WEB_VAULT_CSP, 'same-origin'), shared: headerSet(WEB_VAULT_CSP, 'cross-origin') },
  // Relying parties on other origins read discovery, the key set, tokens and userinfo (CORS per client).
  oidc: { own: headerSet(OIDC_CSP, 'cross-origin'), shared: headerSet(OIDC_CSP, 'cross-origin') },
} as const;
const API_HEADERS = HEADER_SETS.api.own;
/** The API's set, for answers written outside Fastify (Node's HTTP-parser errors, http/client-errors.ts). */
export const API_SECURITY_HEADERS = API_HEADERS;

/** The set a route answers with; the API's unless the route is a web-vault page or readable cross-origin. */
function routeHeaders(url: string | undefined, csp: 'api' | 'web-vault' | 'oidc' | undefined): Readonly<Record<string, string>> {
  const sets = HEADER_SETS[csp ?? 'api'];
  return url !== undefined && CROSS_ORIGIN_READABLE_ROUTES.has(url) ? sets.shared : sets.own;
}

/**
 * Sets the security headers on a reply (the hook-less framework-error path; the hooks below do the same per route).
 * `hsts` is sent only when the request arrived over HTTPS:
 * RFC 6797 §7.2: "An HSTS Host MUST NOT include the STS header field in HTTP responses conveyed over non-secure
 * transport." request.protocol is 'https' for native TLS, or from a trusted proxy's X-Forwarded-Proto only.
 */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply, hsts: string): void {
  const route = request.routeOptions;
  reply.headers(routeHeaders(route.url, route.config?.csp));
  if (request.protocol === 'https') reply.header('strict-transport-security', hsts);
}

/**
 * Every answer gets the API's set from the first global hook (so guards, CORS preflights, errors and 404s carry
 * it); the few routes whose set differs get theirs from a route hook, which runs after the global ones. Both hooks
 * are synchronous. Without native TLS or a trusted proxy a request can never be HTTPS, so HSTS is not even looked at.
 */
export function registerSecurityHeaders(app: App, config: Pick<Config, 'hstsPreload' | 'tlsCert' | 'trustedProxies'>): void {
  const hsts = hstsValue(config.hstsPreload);
  const mayBeHttps = config.tlsCert !== undefined || config.trustedProxies.length > 0;
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(API_HEADERS);
    if (mayBeHttps && request.protocol === 'https') reply.header('strict-transport-security', hsts);
    done();
  });
  app.addHook('onRoute', (route) => {
    const headers = routeHeaders(route.url, route.config?.csp);
    if (headers === API_HEADERS) return;
    const own: onRequestHookHandler = (_request, reply, done) => {
      reply.headers(headers);
      done();
    };
    // A new array: Fastify copies a GET route's options for its HEAD route.
    route.onRequest = [...(route.onRequest ? [route.onRequest].flat() : []), own];
  });
}
