/**
 * RBAC permission matrix (security spec "RBAC"): every registered route declares the permission it needs, and no
 * route is reachable by a role that lacks it. The routes are enumerated from the running app — the table the
 * permission plugin keeps (http/authenticate.ts `routeTable`), checked against Fastify's own route tree — so a new
 * route is covered the moment it exists. Each protected route is called without a token and as an account holding
 * only each built-in role (user, auditor, admin, owner) or a custom role with one permission:
 * - lacking the permission: 403 FORBIDDEN, even with a body or query that could never validate (the check comes
 *   first, so the caller learns nothing about the route), never 2xx/400/404;
 * - holding it: anything but an authentication or authorisation refusal.
 * API keys' tokens (OAuth client credentials, read-write and read-only) are walked over every route too: never past
 * `account:self`, and a read-only key nothing but reads (and the unlock's password proof).
 * Runs on SQLite + memory and on PostgreSQL (+ Redis) when available.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, apiKeyAccessToken } from '@watchword/client';
import { PERMISSIONS, type Permission, api, isPermission, isScopedPermission } from '@watchword/protocol';
import { type RouteEntry, routeTable } from '../../src/http/authenticate.ts';
import type { App } from '../../src/http/types.ts';
import { loadSigningKeys } from '../../src/keys/signing-keys.ts';
import { signAccessToken } from '../../src/tokens/access-token.ts';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';

const BASE = 'http://watchword.test';

/** The spec's built-in roles, written out (not computed by the code under test). */
const USER: Permission[] = ['account:self'];
const AUDITOR: Permission[] = [...USER, 'users:read', 'roles:read', 'audit:read', 'audit:export', 'oauth:read'];
const ADMIN: Permission[] = [...AUDITOR, 'users:disable', 'users:delete', 'sessions:revoke', 'throttle:clear', 'roles:assign', 'settings:read', 'oauth:manage'];
const OWNER: Permission[] = [...ADMIN, 'roles:manage', 'settings:write'];

/** Every route anyone may call without a token. A new public route must be added here on purpose. */
const PUBLIC_ROUTES = [
  'GET /healthz',
  'HEAD /healthz',
  'GET /readyz',
  'HEAD /readyz',
  'GET /.well-known/jwks.json',
  'HEAD /.well-known/jwks.json',
  'POST /api/v1/auth/register/start',
  'POST /api/v1/auth/register/finish',
  'POST /api/v1/auth/login/start',
  'POST /api/v1/auth/login/finish',
  'POST /api/v1/auth/mfa',
  // Passkey sign-in (discoverable credentials): the assertion is the authentication.
  'POST /api/v1/auth/passkey/start',
  'POST /api/v1/auth/passkey/finish',
  'POST /api/v1/auth/verify-email',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/recovery/request',
  'POST /api/v1/auth/recovery/start',
  'POST /api/v1/auth/recovery/finish',
  'POST /api/v1/auth/recovery/reset-vault',
  // Guarded by METRICS_TOKEN itself (only registered when it is set).
  'GET /metrics',
  'HEAD /metrics',
  'GET /api/openapi.json',
  'HEAD /api/openapi.json',
  // The web vault's static files (it holds no data: everything secret is fetched and decrypted by the page).
  'GET /',
  'HEAD /',
  'GET /index.html',
  'HEAD /index.html',
  'GET /sw.js',
  'HEAD /sw.js',
  'GET /manifest.webmanifest',
  'HEAD /manifest.webmanifest',
  'GET /assets/:file',
  'HEAD /assets/:file',
  // The OpenID provider: discovery and its protocol endpoints (OAuth client authentication, PKCE and the user's
  // sign-in are the provider's own checks), and the interaction page's details and "decline" (they need the
  // browser's signed interaction cookie; signing in and consenting need the account's token).
  'GET /.well-known/openid-configuration',
  'HEAD /.well-known/openid-configuration',
  'GET /.well-known/oauth-authorization-server',
  'HEAD /.well-known/oauth-authorization-server',
  'GET /oauth/authorize',
  'HEAD /oauth/authorize',
  'POST /oauth/authorize',
  'GET /oauth/authorize/:uid',
  'HEAD /oauth/authorize/:uid',
  'POST /oauth/token',
  'GET /oauth/userinfo',
  'HEAD /oauth/userinfo',
  'POST /oauth/userinfo',
  'GET /oauth/jwks',
  'HEAD /oauth/jwks',
  'POST /oauth/revoke',
  'POST /oauth/introspect',
  'POST /oauth/par',
  'GET /oauth/logout',
  'HEAD /oauth/logout',
  'POST /oauth/logout',
  'POST /oauth/logout/confirm',
  'GET /oauth/logout/success',
  'HEAD /oauth/logout/success',
  'GET /api/v1/oauth/interactions/:uid',
  'HEAD /api/v1/oauth/interactions/:uid',
  'POST /api/v1/oauth/interactions/:uid/abort',
].sort();

/** Routes Fastify holds that the permission plugin never sees: the CORS preflight (registered before it; no data). */
const FRAMEWORK_ROUTES = ['OPTIONS *'];

/** Every (method, path) in Fastify's own route tree (`printRoutes`), independent of the permission plugin. */
function fastifyRoutes(app: App): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^(.*?)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const path = (depth > 0 ? (stack[depth - 1] ?? '') : '') + (m[2] ?? '');
    stack.length = depth;
    stack[depth] = path;
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) out.push(`${method} ${path}`);
  }
  return out.sort();
}

interface Principal {
  name: string;
  userId: string;
  permissions: ReadonlySet<Permission>;
}

describe.each(backendsUnderTest())('permission matrix ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let mint: (userId: string) => string;
  const principals: Principal[] = [];
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: BASE, fetch: t.fetch, kdfVersion: 0, dpop: false });

  /** A path for the route with every parameter filled in with a value of valid shape. */
  const pathOf = (route: RouteEntry) => route.url.replace(/:(\w+)/g, (_, name: string) => (name === 'role' ? 'auditor' : randomUUID()));

  const call = (route: RouteEntry, token: string | undefined, body: 'minimal' | 'invalid') => {
    const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
    const query = body === 'invalid' && !hasBody ? '?not_a_parameter=1' : '';
    return t.app.inject({
      method: route.method as 'GET',
      url: pathOf(route) + query,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { payload: body === 'invalid' ? '{"not_a_field":true,"role":"owner"}' : '{}' } : {}),
    });
  };
  const errorCode = (res: { body: string }) => {
    try {
      return (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
    } catch {
      return undefined;
    }
  };

  const signUp = async (email: string): Promise<string> => (await client().register({ email, password: `${email} passphrase` })).userId;

  beforeAll(async () => {
    t = await createTestApp(dialect, { METRICS_TOKEN: 'm'.repeat(40), CORS_ORIGINS: 'https://app.example.com' }, { state });
    const keys = loadSigningKeys(t.config.dataDir, { alg: t.config.accessTokenAlg, accessTokenTtlSeconds: t.config.accessTokenTtlSeconds, clockToleranceSeconds: t.config.clockToleranceSeconds });
    const settings = { issuer: t.config.publicUrl, audience: t.config.publicUrl, ttlSeconds: t.config.accessTokenTtlSeconds, clockToleranceSeconds: t.config.clockToleranceSeconds };
    // A fresh session per call: a permitted call may end its own session (logout, logout-all).
    mint = (userId) => signAccessToken(keys, settings, { userId, sessionId: randomUUID() }, t.clock.now).token;

    const now = t.clock.now;
    expect(await t.storage.roles.create({ name: 'audit-reader', parent: null, description: 'Reads the audit log, nothing else', permissions: ['audit:read'] }, now)).toBe('created');
    expect(await t.storage.roles.create({ name: 'session-ender', parent: null, description: 'Ends sessions, nothing else', permissions: ['sessions:revoke'] }, now)).toBe('created');
    const cases: [string, string | null, Permission[]][] = [
      ['user', null, USER],
      ['auditor', 'auditor', AUDITOR],
      ['admin', 'admin', ADMIN],
      ['owner', 'owner', OWNER],
      ['custom audit-reader', 'audit-reader', [...USER, 'audit:read']],
      ['custom session-ender', 'session-ender', [...USER, 'sessions:revoke']],
    ];
    for (const [name, role, permissions] of cases) {
      const userId = await signUp(`${name.replace(/\W+/g, '-')}@matrix.example.com`);
      if (role) expect(await t.storage.roles.grant(userId, role, null, now)).toBe('granted');
      principals.push({ name, userId, permissions: new Set(permissions) });
    }
  });
  afterAll(async () => t?.close());

  it('every route declares a known permission; the public ones are exactly the expected list', () => {
    const table = routeTable(t.app);
    expect(table.length).toBeGreaterThan(60);
    for (const route of table) expect(route.permission === 'public' || isPermission(route.permission) || isScopedPermission(route.permission), `${route.method} ${route.url}`).toBe(true);
    expect(table.filter((r) => r.permission === 'public').map((r) => `${r.method} ${r.url}`).sort()).toEqual(PUBLIC_ROUTES);
    // Nothing escapes the table: Fastify holds exactly these routes, plus the CORS preflight.
    const declared = table.map((r) => `${r.method} ${r.url}`);
    expect(new Set(declared).size).toBe(declared.length);
    expect(fastifyRoutes(t.app)).toEqual([...declared, ...FRAMEWORK_ROUTES].sort());
    // A vault export is the account's own business, behind fresh authentication (checked in the route itself).
    expect(table.find((r) => r.method === 'POST' && r.url === '/api/v1/account/export-events')?.permission).toBe('account:self');
    // Every permission of the closed list guards at least one route but settings:write (no route writes settings yet).
    const used = new Set(table.map((r) => r.permission));
    expect(PERMISSIONS.filter((p) => !used.has(p))).toEqual(['settings:write']);
  });

  it('the CORS preflight, the one undeclared route, answers without any data', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/admin/users', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('every protected route refuses a request without a token (401), before validation', async () => {
    const refused: string[] = [];
    for (const route of routeTable(t.app).filter((r) => r.permission !== 'public')) {
      const res = await call(route, undefined, 'invalid');
      if (res.statusCode !== 401 || (route.method !== 'HEAD' && errorCode(res) !== 'UNAUTHENTICATED')) refused.push(`${route.method} ${route.url}: ${res.statusCode} ${errorCode(res)}`);
    }
    expect(refused).toEqual([]);
  });

  it('a role lacking the declared permission gets 403 FORBIDDEN on every route; one holding it gets through', async () => {
    const wrong: string[] = [];
    let denied = 0;
    let allowed = 0;
    for (const route of routeTable(t.app).filter((r) => r.permission !== 'public')) {
      const permission = route.permission as Permission;
      if (isScopedPermission(route.permission)) {
        // Organisation and vault permissions come from membership there, never from a server-wide role: every
        // principal here, the owner of the server included, is a stranger to a random organisation or vault and gets
        // the answer for one that does not exist (test/orgs/scope-matrix.test.ts walks the member roles).
        const expected = route.permission.startsWith('org:') ? 'ORG_NOT_FOUND' : 'VAULT_NOT_FOUND';
        for (const p of principals) {
          denied++;
          const res = await call(route, mint(p.userId), 'invalid');
          if (res.statusCode !== 404 || (route.method !== 'HEAD' && errorCode(res) !== expected)) wrong.push(`${p.name} → ${route.method} ${route.url} (${route.permission}): stranger, got ${res.statusCode} ${errorCode(res)}`);
        }
        continue;
      }
      for (const p of principals) {
        const label = `${p.name} → ${route.method} ${route.url} (${permission})`;
        if (p.permissions.has(permission)) {
          allowed++;
          const res = await call(route, mint(p.userId), 'minimal');
          const c = errorCode(res);
          if (res.statusCode === 401 || res.statusCode === 403 || c === 'FORBIDDEN' || c === 'UNAUTHENTICATED' || c === 'INVALID_TOKEN') wrong.push(`${label}: held, got ${res.statusCode} ${c}`);
        } else {
          denied++;
          const res = await call(route, mint(p.userId), 'invalid');
          if (res.statusCode !== 403 || (route.method !== 'HEAD' && errorCode(res) !== 'FORBIDDEN')) wrong.push(`${label}: lacking, got ${res.statusCode} ${errorCode(res)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // The matrix is not trivially one-sided.
    expect(denied).toBeGreaterThan(60);
    expect(allowed).toBeGreaterThan(100);
  });

  it("an API key's token reaches its owner's own routes only; a read-only key's nothing but reads", async () => {
    // Keys of an admin: what the key may do never follows its owner's roles.
    const owner = principals.find((p) => p.name === 'admin')!;
    const key = async (readOnly: boolean) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${mint(owner.userId)}` }, payload: { name: readOnly ? 'ro' : 'rw', readOnly } });
      expect(res.statusCode).toBe(201);
      const body = res.json() as { key: { clientId: string }; clientSecret: string };
      return (await apiKeyAccessToken(BASE, { clientId: body.key.clientId, secret: body.clientSecret }, t.fetch)).accessToken;
    };
    const [readWrite, readOnly] = [await key(false), await key(true)];
    /** POST routes that change nothing, open to a read-only key (the unlock's password proof). */
    const readOnlyPosts = new Set(['POST /api/v1/auth/reauth/start', 'POST /api/v1/auth/reauth/finish']);
    /** Sharing keys, organisations and shared vaults: never reached by an API key, read or write (issue 25). */
    const interactiveOnly = new Set(
      Object.values(api)
        .flatMap((group) => Object.values(group as Record<string, { method: string; path: string; tags: readonly string[] }>))
        .filter((d) => d.tags.some((tag) => tag === 'sharing' || tag === 'orgs' || tag === 'vaults'))
        .map((d) => `${d.method} ${d.path}`),
    );
    expect(interactiveOnly.size).toBeGreaterThan(10);
    const wrong: string[] = [];
    let refusedReadOnly = 0;
    for (const route of routeTable(t.app).filter((r) => r.permission !== 'public')) {
      const name = `${route.method} ${route.url}`;
      const reads = route.method === 'GET' || route.method === 'HEAD' || readOnlyPosts.has(name);
      for (const [label, token] of [['read-write', readWrite], ['read-only', readOnly]] as const) {
        const res = await call(route, token, 'minimal');
        const code = errorCode(res);
        const head = route.method === 'HEAD';
        let expected: 'FORBIDDEN' | 'API_KEY_READ_ONLY' | 'through';
        // (A key minting keys passes this check and is refused by the route itself: api-keys.test.ts.)
        if (route.permission !== 'account:self' || interactiveOnly.has(name) || (head && interactiveOnly.has(`GET ${route.url}`))) expected = 'FORBIDDEN';
        else if (label === 'read-only' && !reads) expected = 'API_KEY_READ_ONLY';
        else expected = 'through';
        if (expected === 'through') {
          if (res.statusCode === 401 || res.statusCode === 403) wrong.push(`${label} → ${name}: got ${res.statusCode} ${code}`);
        } else if (res.statusCode !== 403 || (!head && code !== expected)) {
          wrong.push(`${label} → ${name}: expected 403 ${expected}, got ${res.statusCode} ${code}`);
        } else if (expected === 'API_KEY_READ_ONLY') {
          refusedReadOnly++;
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(refusedReadOnly).toBeGreaterThan(15);
  });

  it('permissions are read fresh: a role taken away (or an account disabled) counts on the very next request', async () => {
    const userId = await signUp('fresh@matrix.example.com');
    const token = (await client().login({ email: 'fresh@matrix.example.com', password: 'fresh@matrix.example.com passphrase' })).session.tokens.accessToken;
    const listUsers = () => t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: { authorization: `Bearer ${token}` } });
    expect((await listUsers()).statusCode).toBe(403);
    await t.storage.roles.grant(userId, 'auditor', null, t.clock.now);
    expect((await listUsers()).statusCode).toBe(200);
    await t.storage.roles.revoke(userId, 'auditor');
    expect((await listUsers()).statusCode).toBe(403);

    // Disabled (the database mark alone, sessions untouched): every non-self permission is gone at once.
    await t.storage.roles.grant(userId, 'admin', null, t.clock.now);
    expect((await listUsers()).statusCode).toBe(200);
    await t.storage.users.setDisabled(userId, t.clock.now);
    const res = await listUsers();
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
  });

  it('a disabled account’s tokens (its sessions revoked by the admin API) get 401 everywhere', async () => {
    const owner = principals.find((p) => p.name === 'owner')!;
    const email = 'disabled-admin@matrix.example.com';
    const userId = await signUp(email);
    await t.storage.roles.grant(userId, 'admin', null, t.clock.now);
    const vault = await client().login({ email, password: `${email} passphrase` });
    const token = vault.session.tokens.accessToken;
    const as = (method: 'GET' | 'POST', url: string, bearer: string) =>
      t.app.inject({ method, url, headers: { authorization: `Bearer ${bearer}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { payload: '{}' } : {}) });
    expect((await as('GET', '/api/v1/admin/users', token)).statusCode).toBe(200);
    expect((await as('POST', `/api/v1/admin/users/${userId}/disable`, mint(owner.userId))).statusCode).toBe(200);
    for (const [method, url] of [['GET', '/api/v1/account'], ['GET', '/api/v1/items'], ['GET', '/api/v1/admin/users'], ['POST', '/api/v1/auth/logout']] as const) {
      const res = await as(method, url, token);
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(errorCode(res)).toBe('INVALID_TOKEN');
    }
    expect(await vault.session.refresh().catch((e: { code?: string }) => e.code)).toBe('INVALID_REFRESH_TOKEN');
  });
});
