import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import v8 from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { createTestApp } from '@watchword/testkit/app';
import { DEFAULT_SOFT_LIMIT_FACTOR, LARGE_REQUEST_BYTES, MEMORY_CHECK_EVERY_BYTES, MemoryBound, QUIET_MIN_BYTES, QUIET_MS, majorCollector } from '../../src/http/memory-bound.ts';

const MiB = 1024 * 1024;

describe('MemoryBound: a major GC per 8 MiB moved, and once when quiet, while the RSS is above the soft limit', () => {
  /** `calls.n` collections so far, `calls.reduced` whether each was a memory-reducing one. */
  const bound = (softLimitBytes: number | undefined, rss: { value: number }, calls: { n: number; reduced?: boolean[] }, collect = true) =>
    new MemoryBound({
      softLimitBytes,
      everyBytes: 10 * MiB,
      quietMinBytes: MiB,
      rss: () => rss.value,
      ...(collect ? { collect: (reduce: boolean) => void (calls.n++, (calls.reduced ??= []).push(reduce)) } : {}),
    });

  it('collects once the bytes moved reach everyBytes and the RSS is above the limit, then counts afresh', () => {
    const rss = { value: 300 * MiB };
    const calls: { n: number; reduced?: boolean[] } = { n: 0 };
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
    // While the traffic goes on: regular collections, which leave the young generation its size.
    expect(calls.reduced).toEqual([false, false]);
  });

  it('never collects at or below the soft limit, and the bytes counted meanwhile do not carry over', () => {
    const rss = { value: 200 * MiB };
    const calls: { n: number; reduced?: boolean[] } = { n: 0 };
    const b = bound(200 * MiB, rss, calls);
    expect(b.moved(25 * MiB)).toBe(false);
    rss.value = 201 * MiB;
    expect(b.moved(5 * MiB)).toBe(false);
    expect(b.moved(5 * MiB)).toBe(true);
    expect(calls.n).toBe(1);
  });

  it('a soft limit of 0, a runtime without a collector, and nonsense byte counts never collect', () => {
    const rss = { value: 900 * MiB };
    const calls: { n: number; reduced?: boolean[] } = { n: 0 };
    expect(bound(0, rss, calls).moved(100 * MiB)).toBe(false);
    expect(bound(1, rss, calls, false).moved(100 * MiB)).toBe(false);
    const b = bound(1, rss, calls);
    for (const bytes of [Number.NaN, -5 * MiB, 0]) expect(b.moved(bytes)).toBe(false);
    expect(calls.n).toBe(0);
  });

  it('small requests count only towards the quiet check, however many', () => {
    const rss = { value: 300 * MiB };
    const calls: { n: number; reduced?: boolean[] } = { n: 0 };
    const b = bound(200 * MiB, rss, calls);
    for (let i = 0; i < 1000; i++) expect(b.moved(LARGE_REQUEST_BYTES - 1)).toBe(false);
    expect(calls.n).toBe(0);
    // ~64 MB of them: no byte-count collection, but the quiet check sees them.
    expect(b.quiet()).toBe(true);
    expect(calls.reduced).toEqual([true]);
    expect(b.moved(10 * MiB)).toBe(true);
  });

  it('a quiet period after traffic checks once; without new traffic, or with too little, it does not', () => {
    const rss = { value: 300 * MiB };
    const calls: { n: number; reduced?: boolean[] } = { n: 0 };
    const b = bound(200 * MiB, rss, calls);
    expect(b.quiet()).toBe(false);
    b.moved(MiB / 2);
    expect(b.quiet()).toBe(false);
    b.moved(MiB / 2);
    expect(b.quiet()).toBe(true);
    expect(calls.n).toBe(1);
    // Quiet: a memory-reducing one.
    expect(calls.reduced).toEqual([true]);
    // The same quiet period again, no new traffic: nothing.
    expect(b.quiet()).toBe(false);
    // Traffic, but the RSS is below the limit now: checked, not collected, and not checked again.
    b.moved(2 * MiB);
    rss.value = 150 * MiB;
    expect(b.quiet()).toBe(false);
    rss.value = 300 * MiB;
    expect(b.quiet()).toBe(false);
    expect(calls.n).toBe(1);
    // A collection on the byte count resets what the quiet check counts.
    b.moved(10 * MiB);
    expect(calls.n).toBe(2);
    expect(b.quiet()).toBe(false);
  });

  it('without a configured limit the limit is taken when the server is ready; a configured one is kept', () => {
    const rss = { value: 80 * MiB };
    const calls: { n: number; reduced?: boolean[] } = { n: 0 };
    const derived = bound(undefined, rss, calls);
    // Not ready yet: no limit, no collection.
    expect(derived.moved(20 * MiB)).toBe(false);
    derived.ready();
    expect(derived.softLimitBytes).toBe(Math.round(80 * MiB * DEFAULT_SOFT_LIMIT_FACTOR));
    rss.value = Math.floor(80 * MiB * DEFAULT_SOFT_LIMIT_FACTOR) - 1;
    expect(derived.moved(10 * MiB)).toBe(false);
    rss.value = Math.ceil(80 * MiB * DEFAULT_SOFT_LIMIT_FACTOR) + 1;
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
    let garbage: Buffer[] | undefined = Array.from({ length: 64 }, () => Buffer.alloc(MiB, 1));
    expect(garbage).toHaveLength(64);
    garbage = undefined;
    const before = process.memoryUsage().arrayBuffers;
    expect(before).toBeGreaterThanOrEqual(64 * MiB);
    collect(false);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(globalGcBefore);
    // The collection runs as a task of its own, not inside the call.
    let after = before;
    for (let waited = 0; waited < 3000 && after > before - 48 * MiB; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
      after = process.memoryUsage().arrayBuffers;
    }
    expect(before - after).toBeGreaterThanOrEqual(48 * MiB);
  });
});

describe('majorCollector: V8 memory-reducing GC', () => {
  it('shrinks the young generation a burst of allocation grew, which a regular collection leaves committed', async () => {
    const collect = majorCollector();
    const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
    const burst = () => {
      let keep: { s: string }[] = [];
      for (let i = 0; i < 400_000; i++) {
        keep.push({ s: `${i}`.padStart(40, 'x') });
        if (keep.length > 20_000) keep = [];
      }
      return keep.length;
    };
    const settle = async (done: () => boolean) => {
      for (let waited = 0; waited < 3000 && !done(); waited += 10) await new Promise((r) => setTimeout(r, 10));
    };
    expect(burst()).toBeGreaterThan(0);
    const grown = newSpace();
    expect(grown).toBeGreaterThanOrEqual(2 * MiB);
    collect(true);
    await settle(() => newSpace() < grown / 2);
    expect(newSpace()).toBeLessThan(grown / 2);
  });
});

describe('the server counts the bytes each request moves on its socket', () => {
  /** A server of its own per test (so each starts counting from zero), on a real socket, with a 1 MB soft limit: the test process is always above it. */
  async function server() {
    let collections = 0;
    const reduced: boolean[] = [];
    const t = await createTestApp('sqlite', { MEMORY_SOFT_LIMIT_MB: '1' }, { collectGarbage: (reduce) => void (collections++, reduced.push(reduce)) });
    const baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: baseUrl, kdfVersion: 0, dpop: false });
    await client().register({ email: 'mem@example.com', password: 'memory passphrase' });
    const vault = await client().login({ email: 'mem@example.com', password: 'memory passphrase' });
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
    /** `count` opaque envelopes of 3.6 KB (the server never opens them) in batches of 500; returns the body bytes sent. */
    const addItems = async (count: number) => {
      let sent = 0;
      for (let done = 0; done < count; done += 500) {
        const body = JSON.stringify({ items: Array.from({ length: Math.min(500, count - done) }, () => ({ id: randomUUID(), vaultId: vault.personalVaultId, data: randomBytes(2_700).toString('base64url') })) });
        sent += body.length;
        expect((await send('POST', '/api/v1/items/batch', body)).status).toBe(201);
      }
      return sent;
    };
    // The byte count's collections are regular ones; a quiet period's (whenever a pause of QUIET_MS falls between two
    // requests, as it may on a loaded machine) are memory-reducing: the tests count each kind apart.
    return { t, send, addItems, collections: () => collections, regular: () => reduced.filter((r) => !r).length, reducing: () => reduced.filter((r) => r).length };
  }
  let current: Awaited<ReturnType<typeof server>> | undefined;
  afterEach(async () => {
    await current?.t.close();
    current = undefined;
  });
  // The count is taken when a request ends; the test's client may see its answer's end first.
  const settled = () => new Promise((r) => setTimeout(r, 50));

  it('small requests alone never ask for a collection', async () => {
    current = await server();
    for (let i = 0; i < 50; i++) expect((await current.send('GET', '/api/v1/items')).status).toBe(200);
    await settled();
    expect(current.collections()).toBe(0);
  });

  it('request bodies count: ~9.3 MB of them ask for one collection', async () => {
    current = await server();
    const sent = await current.addItems(2_500);
    await settled();
    expect(sent).toBeGreaterThan(MEMORY_CHECK_EVERY_BYTES);
    expect(sent).toBeLessThan(2 * MEMORY_CHECK_EVERY_BYTES - MiB);
    expect(current.regular()).toBe(1);
  });

  it('one streamed answer of more than 8 MiB asks for one collection when it ends', async () => {
    current = await server();
    await current.addItems(2_500);
    await settled();
    const beforeSync = current.regular();
    const sync = await current.send('GET', '/api/v1/items');
    expect(sync.status).toBe(200);
    expect(sync.bytes).toBeGreaterThan(MEMORY_CHECK_EVERY_BYTES);
    await settled();
    // One request's bytes are counted at once: crossing 8 MiB asks once, however far past it the answer goes.
    expect(current.regular()).toBe(beforeSync + 1);
  });

  it('after traffic under 8 MiB, the server collects once it has been quiet for QUIET_MS, and only once', async () => {
    current = await server();
    expect(await current.addItems(400)).toBeGreaterThan(QUIET_MIN_BYTES);
    await new Promise((r) => setTimeout(r, QUIET_MS + 200));
    // Under 8 MiB: no collection on the byte count; quiet: one memory-reducing collection.
    expect(current.regular()).toBe(0);
    expect(current.reducing()).toBe(1);
    await new Promise((r) => setTimeout(r, QUIET_MS + 200));
    expect(current.collections()).toBe(1);
  });
});
