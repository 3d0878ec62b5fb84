import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, type Vault } from '@watchword/client';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../../src/http/json-body.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(jsonDepthExceeds(nested(32), 32)).toBe(false);
    expect(jsonDepthExceeds(nested(33), 32)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":[1,{"c":2}]}}', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":[1,{"c":2}]}}', 4)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: '[[[[{{{{' }), 1)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: 'a\\"[[[[' }), 1)).toBe(false);
    expect(jsonDepthExceeds('[[[[', 3)).toBe(true);
  });
});

/** Issue 4 "Request hardening": JSON nesting bounded, prototype poisoning refused, JSON only, charset accepted. */
describe('JSON request bodies', () => {
  let t: TestApp;
  let vault: Vault;
  let auth: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    const client = new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
    await client.register({ email: 'jay@example.com', password: 'a fine passphrase' });
    vault = await client.login({ email: 'jay@example.com', password: 'a fine passphrase' });
    auth = { authorization: `Bearer ${await vault.session.accessToken()}` };
  });
  afterAll(async () => t.close());

  const post = (payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/api/v1/items', headers: { ...auth, 'content-type': contentType }, payload });
  const code = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

  it(`a body nested deeper than ${MAX_JSON_DEPTH} → 400 BODY_TOO_DEEP, before parsing`, async () => {
    const deep = await post(`{"id":${nested(MAX_JSON_DEPTH)}}`);
    expect(deep.statusCode).toBe(400);
    expect(code(deep.body)).toBe('BODY_TOO_DEEP');
    // 100 000 levels: refused just the same, cheaply.
    const hostile = await post(nested(100_000));
    expect(hostile.statusCode).toBe(400);
    expect(code(hostile.body)).toBe('BODY_TOO_DEEP');
    // At the bound the body is parsed and reaches the schema (which refuses it for its own reasons).
    const atBound = await post(`{"id":${nested(MAX_JSON_DEPTH - 1)}}`);
    expect(atBound.statusCode).toBe(400);
    expect(code(atBound.body)).toBe('VALIDATION_FAILED');
  });

  it('a __proto__ or constructor.prototype key → 400, never silently dropped', async () => {
    const base = { id: crypto.randomUUID(), vaultId: vault.personalVaultId, data: 'AAAA' };
    for (const payload of [
      `{"__proto__":{"admin":true},"id":"${base.id}","vaultId":"${base.vaultId}","data":"AAAA"}`,
      `{"id":"${base.id}","vaultId":"${base.vaultId}","data":"AAAA","x":{"__proto__":{"polluted":1}}}`,
      `{"constructor":{"prototype":{"polluted":1}},"id":"${base.id}","vaultId":"${base.vaultId}","data":"AAAA"}`,
    ]) {
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      expect(code(res.body)).toBe('MALFORMED_JSON');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('JSON with a charset parameter is accepted; other types stay 415', async () => {
    const item = { id: crypto.randomUUID(), vaultId: vault.personalVaultId, data: 'AAAA' };
    const ok = await post(JSON.stringify(item), 'application/json; charset=utf-8');
    expect(ok.statusCode).toBe(201);
    const upper = await post(JSON.stringify({ ...item, id: crypto.randomUUID() }), 'Application/JSON;charset=UTF-8');
    expect(upper.statusCode).toBe(201);
    for (const type of ['text/json', 'application/jsonx', 'text/plain; charset=utf-8']) {
      const res = await post(JSON.stringify({ ...item, id: crypto.randomUUID() }), type);
      expect(res.statusCode, type).toBe(415);
      expect(code(res.body)).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });
});
