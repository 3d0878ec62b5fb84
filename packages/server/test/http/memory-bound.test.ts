import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, type Vault } from '@watchword/client';
import { createTestApp, type TestApp } from '@watchword/testkit/app';
import { DEFAULT_SOFT_LIMIT_FACTOR, MEMORY_CHECK_EVERY_BYTES, MemoryBound, majorCollector } from '../../src/http/memory-bound.ts';

const MiB = 1024 * 1024;

describe('MemoryBound: a major GC per 8 MiB moved while the RSS is above the soft limit', () => {
  const bound = (softLimitBytes: number | undefined, rss: { value: number }, calls: { n: number }, collect = true) =>
    new MemoryBound({ softLimitBytes, everyBytes: 10 * MiB, rss: () => rss.value, ...(collect ? { collect: () => void calls.n++ } : {}) });

  it('collects once the bytes moved reach everyBytes and the RSS is above the limit, then counts afresh', () => {
    const rss = { value: 300 * MiB };
    const calls = { n: 0 };
    const b = bound(200 * MiB, rss, calls);
    expect(b.moved(6 * MiB)).toBe(false);
    expect(calls.n).toBe(0);
    expect(b.moved(4 * MiB)).toBe(true);
    expect(calls.n).toBe(1);
    // Counted afresh: the next 10 MiB, not the next byte.
    expect(b.moved(1)).toBe(false);
    expect(b.moved(10 * MiB)).toBe(true);
    expect(calls.n).toBe(2);
    expect(b.collections).toBe(2);
  });

  it('never collects at or below the soft limit, and the bytes counted meanwhile do not carry over', () => {
    const rss = { value: 200 * MiB };
    const calls = { n: 0 };
    const b = bound(200 * MiB, rss, calls);
    expect(b.moved(25 * MiB)).toBe(false);
    rss.value = 201 * MiB;
    expect(b.moved(5 * MiB)).toBe(false);
    expect(b.moved(5 * MiB)).toBe(true);
    expect(calls.n).toBe(1);
  });

  it('a soft limit of 0, a runtime without a collector, and nonsense byte counts never collect', () => {
    const rss = { value: 900 * MiB };
    const calls = { n: 0 };
    expect(bound(0, rss, calls).moved(100 * MiB)).toBe(false);
    expect(bound(1, rss, calls, false).moved(100 * MiB)).toBe(false);
    const b = bound(1, rss, calls);
    for (const bytes of [Number.NaN, -5 * MiB, 0]) expect(b.moved(bytes)).toBe(false);
    expect(calls.n).toBe(0);
  });

  it('without a configured limit the limit is taken when the server is ready; a configured one is kept', () => {
    const rss = { value: 80 * MiB };
    const calls = { n: 0 };
    const derived = bound(undefined, rss, calls);
    // Not ready yet: no limit, no collection.
    expect(derived.moved(20 * MiB)).toBe(false);
    derived.ready();
    expect(derived.softLimitBytes).toBe(Math.round(80 * MiB * DEFAULT_SOFT_LIMIT_FACTOR));
    rss.value = 99 * MiB;
    expect(derived.moved(10 * MiB)).toBe(false);
    rss.value = 101 * MiB;
    expect(derived.moved(10 * MiB)).toBe(true);
    const configured = bound(500 * MiB, rss, calls);
    configured.ready();
    expect(configured.softLimitBytes).toBe(500 * MiB);
  });
});

describe('majorCollector: V8 major GC', () => {
  it('frees unreachable ArrayBuffers (which otherwise wait for V8 to collect them on its own), and leaves no global gc', async () => {
    const globalGcBefore = typeof (globalThis as { gc?: unknown }).gc;
    const collect = majorCollector();
    expect(collect).toBeTypeOf('function');
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(globalGcBefore);
    let garbage: Buffer[] | undefined = Array.from({ length: 64 }, () => Buffer.alloc(MiB, 1));
    expect(garbage).toHaveLength(64);
    garbage = undefined;
    const before = process.memoryUsage().arrayBuffers;
    expect(before).toBeGreaterThanOrEqual(64 * MiB);
    (collect as () => void)();
    // The collection runs as a task of its own, not inside the call.
    let after = before;
    for (let waited = 0; waited < 3000 && after > before - 48 * MiB; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
      after = process.memoryUsage().arrayBuffers;
    }
    expect(before - after).toBeGreaterThanOrEqual(48 * MiB);
  });
});

describe('the server counts the bytes each request moves on its socket', () => {
  let t: TestApp;
  let vault: Vault;
  let baseUrl: string;
  let collections = 0;

  beforeAll(async () => {
    // A 1 MB soft limit: the test process is always above it, so every 8 MiB moved asks for one collection.
    t = await createTestApp('sqlite', { MEMORY_SOFT_LIMIT_MB: '1' }, { collectGarbage: () => void collections++ });
    baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: baseUrl, kdfVersion: 0, dpop: false });
    await client().register({ email: 'mem@example.com', password: 'memory passphrase' });
    vault = await client().login({ email: 'mem@example.com', password: 'memory passphrase' });
  });
  afterAll(async () => t.close());

  const send = (method: string, path: string, body?: string) =>
    new Promise<{ status: number; bytes: number }>((resolve, reject) => {
      const req = request(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, 'accept-encoding': 'identity', ...(body ? { 'content-type': 'application/json' } : {}) },
      }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      });
      req.on('error', reject);
      req.end(body);
    });
  // The server answers the next request only after the last one's onResponse: wait for it.
  const settled = () => new Promise((r) => setTimeout(r, 50));

  it('small requests alone never ask for a collection', async () => {
    const start = collections;
    for (let i = 0; i < 50; i++) expect((await send('GET', '/api/v1/items')).status).toBe(200);
    await settled();
    expect(collections).toBe(start);
  });

  it('request bodies count, and one streamed answer of more than 8 MiB asks for exactly one collection', async () => {
    const start = collections;
    // Opaque envelopes of 3.6 KB (the server never opens them): 5 batches of 500, ~9.3 MB of bodies.
    const envelope = () => randomBytes(2_700).toString('base64url');
    let sent = 0;
    for (let b = 0; b < 5; b++) {
      const body = JSON.stringify({ items: Array.from({ length: 500 }, () => ({ id: randomUUID(), vaultId: vault.personalVaultId, data: envelope() })) });
      sent += body.length;
      expect((await send('POST', '/api/v1/items/batch', body)).status).toBe(201);
    }
    await settled();
    expect(sent).toBeGreaterThan(MEMORY_CHECK_EVERY_BYTES);
    expect(collections).toBeGreaterThan(start);
    const beforeSync = collections;
    const sync = await send('GET', '/api/v1/items');
    expect(sync.status).toBe(200);
    expect(sync.bytes).toBeGreaterThan(MEMORY_CHECK_EVERY_BYTES);
    await settled();
    // One request's bytes are counted at once: crossing 8 MiB once asks once, however far past it the answer goes.
    expect(collections).toBe(beforeSync + 1);
  });
});
