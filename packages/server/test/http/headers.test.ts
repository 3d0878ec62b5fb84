import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_CSP,
  PERMISSIONS_POLICY,
  WEB_VAULT_CSP,
  WEB_VAULT_CSP_DIRECTIVES,
  registerSecurityHeaders,
} from '../../src/http/security-headers.ts';
import type { App } from '../../src/http/types.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

type Headers = Record<string, string | string[] | number | undefined>;

/** Security spec "Headers" and "XSS": the full set, on every kind of response. */
function expectSecurityHeaders(headers: Headers, csp = API_CSP) {
  expect(headers['content-security-policy']).toBe(csp);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['permissions-policy']).toBe(PERMISSIONS_POLICY);
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['x-xss-protection']).toBe('0');
  expect(headers['x-permitted-cross-domain-policies']).toBe('none');
}

function expectApiHeaders(headers: Headers) {
  expectSecurityHeaders(headers);
  expect(headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  // Plain HTTP and no trusted proxy: RFC 6797 §7.2 forbids HSTS here. CORS is closed by default.
  expect(headers['strict-transport-security']).toBeUndefined();
  expect(Object.keys(headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
}

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { TRUSTED_PROXIES: '10.0.0.0/8' });
  });
  afterAll(async () => t.close());

  it('the API CSP forbids everything a JSON API never needs', () => {
    expect(API_CSP).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  it('the Permissions-Policy denies powerful features and keeps WebAuthn for this origin', () => {
    for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'serial', 'hid', 'display-capture']) {
      expect(PERMISSIONS_POLICY).toContain(`${feature}=()`);
    }
    expect(PERMISSIONS_POLICY).toContain('publickey-credentials-get=(self)');
    expect(PERMISSIONS_POLICY).toContain('publickey-credentials-create=(self)');
  });

  it('are on successful API answers', async () => {
    for (const url of ['/healthz', '/readyz', '/api/openapi.json']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expectApiHeaders(res.headers);
    }
  });

  it('are on error answers: 400, 401, 404, 415 and a malformed URL', async () => {
    const cases = [
      { method: 'POST', url: '/api/v1/auth/login/start', headers: { 'content-type': 'application/json' }, payload: '{"email":', status: 400 },
      { method: 'POST', url: '/api/v1/auth/login/start', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{}}', status: 400 },
      { method: 'GET', url: '/api/v1/items', headers: {}, status: 401 },
      { method: 'GET', url: '/api/v1/nope', headers: {}, status: 404 },
      { method: 'GET', url: '/api/v1/items/%zz', headers: {}, status: 400 },
      { method: 'POST', url: '/api/v1/auth/login/start', headers: { 'content-type': 'text/plain' }, payload: 'x', status: 415 },
    ] as const;
    for (const c of cases) {
      const res = await t.app.inject({ method: c.method, url: c.url, headers: c.headers, ...('payload' in c ? { payload: c.payload } : {}) });
      expect(res.statusCode, `${c.method} ${c.url}`).toBe(c.status);
      expectApiHeaders(res.headers);
      // Even the malformed URL, which Fastify answers before routing, is in the catalogue's shape.
      const body = JSON.parse(res.body) as { error: { code: string; requestId: string } };
      expect(body.error.requestId).toBe(res.headers['x-request-id']);
    }
  });

  it('JWKS may be loaded cross-origin (CORP cross-origin) and keeps the rest', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expectSecurityHeaders(res.headers);
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });

  it('HSTS only when the request came over HTTPS: from a trusted proxy, never from an untrusted peer', async () => {
    const viaProxy = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.1.2.3', headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expectSecurityHeaders(viaProxy.headers);

    const proxyPlain = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.1.2.3', headers: { 'x-forwarded-proto': 'http' } });
    expect(proxyPlain.headers['strict-transport-security']).toBeUndefined();

    const spoofed = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.7', headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();

    // Errors over HTTPS carry it too.
    const notFound = await t.app.inject({ method: 'GET', url: '/nope', remoteAddress: '10.1.2.3', headers: { 'x-forwarded-proto': 'https' } });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('HSTS_PRELOAD=true adds preload', async () => {
    const p = await createTestApp('sqlite', { TRUSTED_PROXIES: '10.0.0.0/8', HSTS_PRELOAD: 'true' });
    try {
      const res = await p.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.9.9.9', headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains; preload');
    } finally {
      await p.close();
    }
  });
});

describe('the web vault policy (static responses)', () => {
  it('allows own scripts and WebAssembly only: no inline script, no eval, never framed', () => {
    const script = WEB_VAULT_CSP_DIRECTIVES['script-src'] ?? [];
    expect(script).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(WEB_VAULT_CSP).not.toMatch(/'unsafe-inline'|'unsafe-eval'|\*/);
    expect(WEB_VAULT_CSP_DIRECTIVES['frame-ancestors']).toEqual(["'none'"]);
    expect(WEB_VAULT_CSP_DIRECTIVES['object-src']).toEqual(["'none'"]);
    expect(WEB_VAULT_CSP_DIRECTIVES['base-uri']).toEqual(["'none'"]);
  });

  it("a static route declaring csp: 'web-vault' gets the vault CSP and the same other headers", async () => {
    const app = Fastify() as unknown as App;
    registerSecurityHeaders(app, { hstsPreload: false, tlsCert: undefined, trustedProxies: [] });
    app.get('/', { config: { csp: 'web-vault' } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><title>vault</title>'));
    app.get('/app.js', { config: { csp: 'web-vault' } }, async (_request, reply) => reply.type('text/javascript').send('export {};'));
    try {
      for (const url of ['/', '/app.js']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expectSecurityHeaders(res.headers, WEB_VAULT_CSP);
        expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      }
    } finally {
      await app.close();
    }
  });
});
