import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Value from 'typebox/value';
import { Organisations, WatchwordClient, type Vault } from '@watchword/client';
import { ListItemsResponse, SharedSyncResponse } from '@watchword/protocol';
import { createTestApp, type TestApp } from '@watchword/testkit/app';
import { COMPRESS_MIN_BYTES, negotiateEncoding } from '../../src/http/compression.ts';

/** Large answers (a full sync) are compressed as Accept-Encoding asks; small ones never are. */
describe('response compression', () => {
  let t: TestApp;
  let vault: Vault;
  let baseUrl: string;
  /** content-encoding of every sync answer the real SDK received over a real socket (undici's fetch). */
  const syncEncodings: (string | null)[] = [];

  beforeAll(async () => {
    t = await createTestApp('sqlite', {}, { clock: 'running' });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = address;
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).includes('/api/v1/items') && (init?.method ?? 'GET') === 'GET') syncEncodings.push(res.headers.get('content-encoding'));
      return res;
    };
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: baseUrl, fetch: recording, kdfVersion: 0, dpop: false });
    await client().register({ email: 'big@example.com', password: 'big passphrase' });
    vault = await client().login({ email: 'big@example.com', password: 'big passphrase' });
    await vault.addMany(Array.from({ length: 300 }, (_, i) => ({ type: 'login' as const, name: `site ${i}`, fields: [], login: { username: `user${i}`, password: `pw-${i}` } })));
  });
  afterAll(async () => t.close());

  const get = (url: string, acceptEncoding?: string) =>
    t.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }) },
    });

  it('the real SDK over a real socket gets a compressed full sync and decodes it transparently', async () => {
    syncEncodings.length = 0;
    const items = await vault.list();
    expect(items).toHaveLength(300);
    expect(items.find((i) => i.content.name === 'site 123')?.content.login?.password).toBe('pw-123');
    expect(syncEncodings.length).toBeGreaterThan(0);
    // undici's fetch asks for gzip, deflate (and br where built in): the server picked one of them.
    for (const e of syncEncodings) expect(['br', 'gzip']).toContain(e);
  });

  it('br, gzip and identity answer the same JSON bytes, valid against the schema, with the security headers kept', async () => {
    const plain = await get('/api/v1/items', 'identity');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(COMPRESS_MIN_BYTES);
    const body = JSON.parse(plain.rawPayload.toString('utf8'));
    expect(Value.Check(ListItemsResponse, body)).toBe(true);
    expect(body.items).toHaveLength(300);

    const br = await get('/api/v1/items', 'gzip;q=0.5, br');
    const gz = await get('/api/v1/items', 'gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload)).toBe(true);
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
    for (const res of [plain, br, gz]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(String(res.headers.vary).toLowerCase()).toContain('accept-encoding');
    }
    for (const res of [br, gz]) {
      expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length * 0.9);
      if (res.headers['content-length'] !== undefined) expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    }
    // Refused codings (q=0) and no header at all: identity.
    expect((await get('/api/v1/items', 'br;q=0, gzip;q=0')).headers['content-encoding']).toBeUndefined();
    expect((await get('/api/v1/items')).headers['content-encoding']).toBeUndefined();
  });

  it('small answers and other routes are never compressed: a delta sync with no change, an error, a single item, the API document', async () => {
    const cursor = JSON.parse((await get('/api/v1/items', 'identity')).rawPayload.toString('utf8')).revision as number;
    const delta = await get(`/api/v1/items?since=${cursor}`, 'br, gzip');
    expect(delta.statusCode).toBe(200);
    expect(delta.headers['content-encoding']).toBeUndefined();
    expect(delta.json()).toEqual({ revision: cursor, full: false, items: [] });
    const id = (await vault.list())[0]!.id;
    const one = await get(`/api/v1/items/${id}`, 'br, gzip');
    expect([one.statusCode, one.headers['content-encoding']]).toEqual([200, undefined]);
    const denied = await t.app.inject({ method: 'GET', url: '/api/v1/items', headers: { 'accept-encoding': 'br, gzip' } });
    expect([denied.statusCode, denied.headers['content-encoding'], denied.json().error.code]).toEqual([401, undefined, 'UNAUTHENTICATED']);
    // Only the sync is compressed: another large JSON answer goes out as it is.
    const doc = await t.app.inject({ method: 'GET', url: '/api/openapi.json', headers: { 'accept-encoding': 'br, gzip' } });
    expect(doc.statusCode).toBe(200);
    expect(doc.rawPayload.length).toBeGreaterThan(COMPRESS_MIN_BYTES);
    expect(doc.headers['content-encoding']).toBeUndefined();
  });

  it('negotiates per RFC 9110: q-values, wildcard, identity, bounded header', () => {
    expect(negotiateEncoding(undefined)).toBeUndefined();
    expect(negotiateEncoding('identity')).toBeUndefined();
    expect(negotiateEncoding('gzip, deflate')).toBe('gzip');
    expect(negotiateEncoding('gzip, deflate, br')).toBe('br');
    expect(negotiateEncoding('br;q=0.1, gzip;q=0.9')).toBe('gzip');
    expect(negotiateEncoding('BR')).toBe('br');
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('*;q=0, gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0')).toBeUndefined();
    expect(negotiateEncoding(`gzip, ${'x'.repeat(600)}`)).toBeUndefined();
  });
  it('the shared vaults\' sync is compressed too, decoded by the SDK, the same JSON in every coding', async () => {
    const orgs = new Organisations(vault);
    const org = await orgs.create('Compressed');
    const shared = await orgs.createVault(org.id, 'Big shared vault');
    for (let i = 0; i < 60; i++) await vault.add({ type: 'login', name: `shared ${i}`, fields: [], notes: 'n'.repeat(200), login: { username: `u${i}`, password: `p-${i}` } }, { vaultId: shared.id });
    const post = (acceptEncoding: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/vaults/sync',
        headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, 'content-type': 'application/json', 'accept-encoding': acceptEncoding },
        payload: { known: [] },
      });
    const plain = await post('identity');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(COMPRESS_MIN_BYTES);
    const body = JSON.parse(plain.rawPayload.toString('utf8'));
    expect(Value.Check(SharedSyncResponse, body)).toBe(true);
    expect(body.items).toHaveLength(60);
    const br = await post('br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload)).toBe(true);
    const gz = await post('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
    // The query form (what the SDK sends for up to 100 vaults): the same bytes, compressed the same way.
    const get = await t.app.inject({ method: 'GET', url: '/api/v1/vaults/sync', headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, 'accept-encoding': 'br' } });
    expect(get.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(get.rawPayload).equals(plain.rawPayload)).toBe(true);
    // The real SDK, over the socket, reads the shared items through it.
    await vault.sync();
    expect((await vault.list()).filter((i) => i.vaultId === shared.id)).toHaveLength(60);
  });
});
