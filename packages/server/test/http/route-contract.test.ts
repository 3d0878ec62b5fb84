/**
 * The one HTTP contract (route descriptors in @watchword/protocol): the server registers every descriptor, with the
 * descriptor's permission and volume-limit class, and registers no API route without one. The SDK can only call
 * routes through descriptors (its HTTP client has no other public way to send a request), so a route that exists on
 * one side only fails here or in the typecheck.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes, api } from '@watchword/protocol';
import { routeTable } from '../../src/http/authenticate.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

/**
 * Routes the server holds that are not part of the SDK's contract, each on purpose: operator probes and the key set
 * (read by load balancers and token verifiers, not the SDK), the metrics scrape, the OpenAPI document, the web
 * vault's static files, and the OpenID provider's protocol endpoints (discovery and /oauth/*, which follow RFC 6749
 * and OpenID Connect, handed raw to oidc-provider).
 */
const SERVER_ONLY = [
  'GET /healthz',
  'GET /readyz',
  'GET /.well-known/jwks.json',
  'GET /metrics',
  'GET /api/openapi.json',
  'GET /',
  'GET /index.html',
  'GET /sw.js',
  'GET /manifest.webmanifest',
  'GET /assets/:file',
  'GET /.well-known/openid-configuration',
  'GET /.well-known/oauth-authorization-server',
  'GET /oauth/authorize',
  'POST /oauth/authorize',
  'GET /oauth/authorize/:uid',
  'POST /oauth/token',
  'GET /oauth/userinfo',
  'POST /oauth/userinfo',
  'GET /oauth/jwks',
  'POST /oauth/revoke',
  'POST /oauth/introspect',
  'POST /oauth/par',
  'GET /oauth/logout',
  'POST /oauth/logout',
  'POST /oauth/logout/confirm',
  'GET /oauth/logout/success',
].sort();

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('sqlite', { METRICS_TOKEN: 'm'.repeat(40) });
});
afterAll(async () => {
  await t?.close();
});

describe('route descriptors', () => {
  it('every descriptor is registered with its permission and volume-limit class', async () => {
    const registered = new Map(routeTable(t.app).map((r) => [`${r.method} ${r.url}`, r]));
    for (const spec of allRoutes()) {
      const entry = registered.get(`${spec.method} ${spec.path}`);
      expect(entry, `${spec.method} ${spec.path} has a descriptor but no server route`).toBeDefined();
      expect(entry?.permission).toBe(spec.permission);
      expect(entry?.rateLimit, `${spec.method} ${spec.path}`).toBe(spec.rateLimit);
    }
  });

  it('every registered route has a descriptor, or is one of the server-only routes', () => {
    const described = new Set(allRoutes().map((r) => `${r.method} ${r.path}`));
    const undescribed = routeTable(t.app)
      .filter((r) => r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`)
      .filter((key) => !described.has(key));
    expect([...new Set(undescribed)].sort()).toEqual(SERVER_ONLY);
  });

  it('descriptors are unique by method and path', () => {
    const keys = allRoutes().map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain(`${api.items.get.method} ${api.items.get.path}`);
  });
});
