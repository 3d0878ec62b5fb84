/**
 * The CSP of the provider's own HTML pages, finished once the provider has written them.
 *
 * Pages with a script: the provider adds the script's SHA-256 to `script-src 'none'` (http/security-headers.ts,
 * OIDC_CSP_DIRECTIVES); `'none'` beside a source is ignored (CSP Level 3 §2.3.1) but browsers warn about it, so it is
 * dropped from any directive that has another source.
 *
 * `response_mode=form_post` (OAuth 2.0 Form Post Response Mode) under the OIDC CSP. The provider answers such an
 * authorization with a page whose one inline script submits a form of hidden fields (code, state, iss) to the
 * client's redirect URI; oidc-provider already adds that script's SHA-256 to `script-src`
 * (http/security-headers.ts, OIDC_CSP_DIRECTIVES). `form-action 'self'` would still stop the browser from posting
 * to the application, so this answer — and no other — gets exactly the redirect URI it posts to added to
 * `form-action`, once the provider has checked it against the client's registered URIs (exact match).
 *
 * CSP Level 3 §6.7.2.12 ("Does url match expression in origin with redirect count?"): a source with a path matches
 * that path exactly (it does not end in `/`), and paths are not compared after a redirect — an application whose
 * callback redirects on to another page of its own origin keeps working; one that redirects to another origin does
 * not (the browser refuses it, as it would any form leaving for an unlisted origin).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * The CSP source expression for exactly this URL (scheme, host, port and path; the query is never part of a
 * source), or undefined for anything but http(s): a form is never posted to a custom scheme.
 */
export function formActionSource(redirectUri: string): string | undefined {
  const url = URL.parse(redirectUri);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  // §2.3.1 source-expression grammar: `;` and `,` end a directive or a policy, and a quote starts a keyword, so they
  // are written percent-encoded (path matching decodes both sides, §6.7.2.12); the URL parser already encoded
  // whitespace and double quotes.
  const path = url.pathname.replace(/;/g, '%3B').replace(/,/g, '%2C').replace(/'/g, '%27');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The policy with `'none'` dropped where a directive has another source, and `formAction` (when given) added to its
 * `form-action` directive (created if missing).
 */
export function finishPolicy(policy: string, formAction?: string): string {
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d.length > 0)
    .map((d) => d.split(/\s+/));
  if (formAction !== undefined) {
    const existing = directives.find(([name]) => name === 'form-action');
    if (existing) existing.push(formAction);
    else directives.push(['form-action', formAction]);
  }
  return directives.map(([name = '', ...values]) => [name, ...(values.length > 1 ? values.filter((v) => v !== "'none'") : values)].join(' ')).join('; ');
}

/**
 * Koa middleware for the provider (`provider.use`): finishes the CSP of each HTML page it answers with; after an
 * authorization answered in form_post mode, lets that page's form reach the redirect URI it was validated against.
 */
export async function finishPageCsp(k: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const policy = k.response.get('content-security-policy');
  if (!policy || !String(k.type).startsWith('text/html')) return;
  k.set('content-security-policy', finishPolicy(policy, formPostTarget(k)));
}

/** The source to add to `form-action` for a form_post answer, if this is one to a validated http(s) redirect URI. */
function formPostTarget(k: KoaContextWithOIDC): string | undefined {
  const oidc = k.oidc as KoaContextWithOIDC['oidc'] | undefined;
  // `responseMode` reads the request's parameters, which only the authorization endpoints have.
  if (!oidc?.params || oidc.responseMode !== 'form_post') return undefined;
  const redirectUri = oidc.params.redirect_uri;
  if (typeof redirectUri !== 'string' || !oidc.client?.redirectUriAllowed(redirectUri)) return undefined;
  return formActionSource(redirectUri);
}
