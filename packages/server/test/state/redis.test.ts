/** Redis specifics: key prefixing, start-up failure, and failing closed when the server goes away. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordError } from '@watchword/protocol';
import { openStateStore } from '../../src/state/index.ts';
import type { StateStore } from '../../src/state/types.ts';
import { deleteKeysWithPrefix, rawRedis, stateKindsUnderTest, testRedisUrl, uniqueKeyPrefix } from '@watchword/testkit';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

describe('state store (redis start-up)', () => {
  it('rejects an unreachable Redis with a one-line message naming host and port but not the password', async () => {
    const attempt = openStateStore({ redisUrl: 'redis://user:hunter2@127.0.0.1:1' });
    await expect(attempt).rejects.toThrow(/^Redis at 127\.0\.0\.1:1 is unreachable \(.*ECONNREFUSED.*\)$/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });

  it('rejects a URL that is not redis:// or rediss://, without echoing it', async () => {
    const attempt = openStateStore({ redisUrl: 'http://user:hunter2@127.0.0.1:6379' });
    await expect(attempt).rejects.toThrow(/redis:\/\/ or rediss:\/\//);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });
});

describe.runIf(stateKindsUnderTest().includes('redis'))('state store (redis specifics)', () => {
  const keyPrefix = uniqueKeyPrefix();
  let proxy: TcpProxy;
  let store: StateStore;

  beforeAll(async () => {
    const target = new URL(testRedisUrl ?? '');
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const viaProxy = new URL(target);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    store = await openStateStore({ redisUrl: viaProxy.toString(), keyPrefix });
  });
  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await deleteKeysWithPrefix(keyPrefix);
  });

  it('writes every key under the prefix, with a TTL', async () => {
    const raw = rawRedis();
    try {
      const k = `k-${randomUUID()}`;
      await store.set(k, 'v', 60_000);
      await store.increment(`${k}-n`, 60_000);
      expect(await raw.get(`${keyPrefix}${k}`)).toBe('v');
      expect(await raw.get(k)).toBeNull();
      const ttl = await raw.pttl(`${keyPrefix}${k}-n`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      // The script's keys are prefixed too: it reads the prefixed value and counts under the prefix.
      await raw.set(k, 'unprefixed');
      expect(await store.incrementAndRead(`${k}-m`, 60_000, [k])).toEqual({ count: 1, values: ['v'] });
      expect(await raw.get(`${keyPrefix}${k}-m`)).toBe('1');
      expect(await raw.pttl(`${keyPrefix}${k}-m`)).toBeGreaterThan(0);
      expect(await raw.exists(`${k}-m`)).toBe(0);
      // The guard is read under the prefix as well: the unprefixed key does not stop the count, the prefixed one does.
      await raw.set(`${k}-g`, 'unprefixed');
      expect(await store.incrementAndReadUnless(`${k}-g`, `${k}-m`, 60_000, [])).toEqual({ guard: null, count: 2, values: [] });
      expect(await store.incrementAndReadUnless(k, `${k}-m`, 60_000, [])).toEqual({ guard: 'v' });
      expect(await raw.get(`${keyPrefix}${k}-m`)).toBe('2');
      await raw.del(`${k}-g`);
      await raw.del(k);
    } finally {
      await raw.quit();
    }
  });

  it('fails closed with STATE_UNAVAILABLE while Redis is away, and recovers when it is back', async () => {
    const k = `k-${randomUUID()}`;
    await store.set(k, 'v', 60_000);
    await proxy.cut();
    for (const operation of [
      () => store.get(k),
      () => store.take(k),
      () => store.set(k, 'w', 60_000),
      () => store.increment(k, 60_000),
      () => store.incrementAndRead(`${k}-n`, 60_000, [k]),
      () => store.incrementAndReadUnless(k, `${k}-n`, 60_000, []),
      () => store.getMany([k]),
      () => store.delete(k),
      () => store.ping(),
    ]) {
      const error = await operation().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WatchwordError);
      expect(error).toMatchObject({ code: 'STATE_UNAVAILABLE', status: 503 });
      expect(String((error as Error).message)).not.toContain(String(proxy.port));
    }
    await proxy.resume();
    await expect.poll(() => store.ping().then(() => true, () => false), { timeout: 15_000, interval: 100 }).toBe(true);
    expect(await store.get(k)).toBe('v');
  });
});
