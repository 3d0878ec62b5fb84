import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, type Vault } from '@watchword/client';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

/** Security spec "Validation layers" / "Protected against": 413 / 415 / 400 with codes, no stack traces, nothing changed. */
describe('bad input is refused with a stable code and changes nothing', () => {
  let t: TestApp;
  let vault: Vault;
  let auth: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { BODY_LIMIT: '65536' });
    const client = new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
    await client.register({ email: 'eve@example.com', password: 'a fine passphrase' });
    vault = await client.login({ email: 'eve@example.com', password: 'a fine passphrase' });
    auth = { authorization: `Bearer ${await vault.session.accessToken()}`, 'content-type': 'application/json' };
  });
  afterAll(async () => t.close());

  const expectError = (res: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, code: string) => {
    expect(res.statusCode).toBe(status);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe(code);
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
    expect(res.body).not.toMatch(/at .*\.ts:\d+|stack|node_modules/);
  };

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/items', headers: auth, payload: '{"id": "x",' });
    expectError(res, 400, 'MALFORMED_JSON');
  });

  it('a body over the limit → 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/items', headers: auth, payload: JSON.stringify({ id: crypto.randomUUID(), vaultId: vault.personalVaultId, data: 'A'.repeat(70_000) }) });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a non-JSON content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/start', headers: { 'content-type': type }, payload: 'email=a@b.c' });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('an unknown field → 400 UNKNOWN_FIELD (mass assignment of server-owned fields is impossible)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/items',
      headers: auth,
      payload: { id: crypto.randomUUID(), vaultId: vault.personalVaultId, data: 'AAAA', revision: 99, userId: crypto.randomUUID() },
    });
    expectError(res, 400, 'UNKNOWN_FIELD');
    const q = await t.app.inject({ method: 'GET', url: '/api/v1/items?since=0&admin=true', headers: auth });
    expectError(q, 400, 'UNKNOWN_FIELD');
  });

  it('wrong types and out-of-bounds values → 400 VALIDATION_FAILED with the field', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/items', { id: 123, vaultId: vault.personalVaultId, data: 'AAAA' }],
      ['POST', '/api/v1/items', { id: 'not-a-uuid', vaultId: vault.personalVaultId, data: 'AAAA' }],
      ['POST', '/api/v1/items', { id: crypto.randomUUID(), vaultId: vault.personalVaultId, data: 'not base64url!' }],
      ['POST', '/api/v1/items', [1, 2, 3]],
      ['POST', '/api/v1/auth/login/start', { email: 'x'.repeat(300) + '@example.com', startLoginRequest: 'AAAA' }],
      ['POST', '/api/v1/auth/login/start', { email: 'alice@example.com', startLoginRequest: 'A'.repeat(5000) }],
      ['PUT', `/api/v1/items/${crypto.randomUUID()}`, { revision: '1', data: 'AAAA' }],
      ['PUT', `/api/v1/items/${crypto.randomUUID()}`, { revision: 0, data: 'AAAA' }],
      ['GET', '/api/v1/items/../../etc/passwd', undefined],
      ['GET', '/api/v1/items?since=-1', undefined],
      ['GET', '/api/v1/items?since=1e9', undefined],
    ];
    for (const [method, url, payload] of cases) {
      const res = await t.app.inject({ method: method as 'GET', url, headers: auth, ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}) });
      expect([400, 404], `${method} ${url}`).toContain(res.statusCode);
      if (res.statusCode === 400) expect(JSON.parse(res.body).error.code).toBe('VALIDATION_FAILED');
      else expect(JSON.parse(res.body).error.code).toBe('NOT_FOUND');
    }
  });

  it('nothing above changed the vault', async () => {
    const sync = await t.app.inject({ method: 'GET', url: '/api/v1/items', headers: auth });
    expect(JSON.parse(sync.body)).toMatchObject({ revision: 0, items: [] });
  });

  it('an unknown route is a JSON 404 and every response carries a request id and no-store', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expectError(res, 404, 'NOT_FOUND');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a header block over the limit is refused by the HTTP layer with 431', async () => {
    // inject() bypasses Node's HTTP parser, so this needs a real socket.
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/healthz`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(res.status).toBe(431);
  });
});
