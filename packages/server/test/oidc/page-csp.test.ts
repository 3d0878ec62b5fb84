/**
 * The CSP of the provider's pages (lib/oidc/page-csp.ts): the source a form_post page's form may go to, and the
 * policy with it added and `'none'` dropped beside another source (CSP Level 3 §2.3.1).
 */
import { describe, expect, it } from 'vitest';
import { finishPolicy, formActionSource } from '../../src/lib/oidc/page-csp.ts';
import { OIDC_CSP } from '../../src/http/security-headers.ts';

describe('provider page CSP', () => {
  it('names exactly the redirect URI: scheme, host, port and path, never the query', () => {
    expect(formActionSource('https://wiki.example/callback')).toBe('https://wiki.example/callback');
    expect(formActionSource('http://127.0.0.1:5173/cb?tenant=a')).toBe('http://127.0.0.1:5173/cb');
    expect(formActionSource('https://wiki.example:8443/')).toBe('https://wiki.example:8443/');
    // `;` and `,` would end a directive or a policy: percent-encoded (matching decodes them).
    expect(formActionSource('https://wiki.example/a;b,c')).toBe('https://wiki.example/a%3Bb%2Cc');
    // Whitespace and quotes are already encoded by the URL parser; nothing can close the source.
    expect(formActionSource("https://wiki.example/a b'c")).toBe('https://wiki.example/a%20b%27c');
    // A form is never posted to a custom scheme or anything that is not a URL.
    expect(formActionSource('com.example.app:/cb')).toBeUndefined();
    expect(formActionSource('javascript:alert(1)')).toBeUndefined();
    expect(formActionSource('not a url')).toBeUndefined();
  });

  it('adds the source to form-action and drops a `none` that stands beside another source', () => {
    expect(finishPolicy(OIDC_CSP)).toBe(OIDC_CSP);
    expect(finishPolicy(OIDC_CSP, 'https://wiki.example/callback')).toBe(
      "default-src 'none'; script-src 'none'; form-action 'self' https://wiki.example/callback; frame-ancestors 'none'; base-uri 'none'",
    );
    // As oidc-provider rewrites it after adding a script's hash (directives joined by `;` alone).
    expect(finishPolicy("default-src 'none';script-src 'none' 'sha256-abc=';form-action 'self';frame-ancestors 'none';base-uri 'none'")).toBe(
      "default-src 'none'; script-src 'sha256-abc='; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(finishPolicy("default-src 'none'", 'https://a.example/cb')).toBe("default-src 'none'; form-action https://a.example/cb");
  });
});
