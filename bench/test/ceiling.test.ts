import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { type AnswerShape, answerShape, assertSameAnswer, startCeiling } from '../lib/ceiling.ts';
import { type Backends, startProfiledServer } from '../lib/profiling.ts';
import { createTestDatabase, type TestDatabase, testDatabaseUrl, testRedisUrl } from '@watchword/testkit';

const ROOT = join(import.meta.dirname, '..', '..');

/** Backends to run the ceiling on: the embedded ones always; PostgreSQL + Redis when the test servers are set (CI). */
const setups: { label: string; backends: () => Promise<{ backends: Backends; drop(): Promise<void> }> }[] = [
  { label: 'SQLite + memory', backends: async () => ({ backends: {}, drop: async () => {} }) },
];
if (testDatabaseUrl !== undefined && testRedisUrl !== undefined) {
  const redisUrl = testRedisUrl;
  setups.push({
    label: 'PostgreSQL + Redis',
    backends: async () => {
      const database: TestDatabase = await createTestDatabase();
      const migrated = spawnSync(process.execPath, [join(ROOT, 'packages/server/src/main.ts'), 'migrate'], {
        env: { ...process.env, DATABASE_URL: database.url },
        encoding: 'utf8',
      });
      if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
      return { backends: { DATABASE_URL: database.url, REDIS_URL: redisUrl }, drop: () => database.drop() };
    },
  });
}

/**
 * The read path's ceiling (bench/ceiling-server.ts, docs/performance.md "The seventh pass") is only a bound if it does
 * what Watchword does for a read and answers the same: these run it on the data a real server left.
 */
describe.each(setups)('the read path ceiling on $label', ({ backends }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers an item read with the status, body and header names Watchword answered it with, and only for its token', async () => {
    const stores = await backends();
    cleanups.push(stores.drop);
    const profiled = await startProfiledServer({ ACCESS_TOKEN_TTL: '3600' }, undefined, stores.backends);
    cleanups.push(() => profiled.close());
    const options = { passwordPolicy: false, serverUrl: profiled.server.url, kdfVersion: 0, dpop: false } as const;
    await new WatchwordClient(options).register({ email: 'ceiling@example.com', password: 'ceiling password' });
    const vault = await new WatchwordClient(options).login({ email: 'ceiling@example.com', password: 'ceiling password' });
    const item = await vault.add({ type: 'note', name: 'n', fields: [] });
    const token = vault.session.tokens.accessToken;
    const authorization = `Bearer ${token}`;
    const path = `/api/v1/items/${item.id}`;
    const expected = await answerShape(profiled.server.url, path, authorization);
    expect(expected.status).toBe(200);
    expect(JSON.parse(expected.body)).toMatchObject({ item: { id: item.id } });
    await profiled.server.stop();

    const ceiling = await startCeiling(profiled, token, undefined);
    cleanups.push(() => ceiling.stop());
    const answered = await answerShape(ceiling.url, path, authorization);
    expect(answered).toEqual(expected);
    expect(() => assertSameAnswer(answered, expected)).not.toThrow();
    // Another item id is not found; another token is refused.
    expect((await answerShape(ceiling.url, '/api/v1/items/00000000-0000-4000-8000-000000000000', authorization)).status).toBe(404);
    expect((await answerShape(ceiling.url, path, `Bearer ${token.slice(0, -2)}AA`)).status).toBe(401);

    const { REDIS_URL } = profiled.backends;
    if (REDIS_URL !== undefined) {
      // It does the state operation: the read was counted, and a revoked session is refused.
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        const { sub, sid } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; sid: string };
        // One counter per one-minute window the reads fell in: two when they straddled a window's start.
        const counters = await redis.keys(`${profiled.keyPrefix}rl:read:u:${sub}:*`);
        expect(counters.length).toBeGreaterThanOrEqual(1);
        expect(counters.length).toBeLessThanOrEqual(2);
        await redis.set(`${profiled.keyPrefix}revoked-session:${sid}`, '1', 'PX', 60_000);
        expect((await answerShape(ceiling.url, path, authorization)).status).toBe(401);
      } finally {
        redis.disconnect();
      }
    }
  }, 60_000);
});

describe('the check that the ceiling answers as Watchword does', () => {
  const watchword: AnswerShape = { status: 200, body: '{"item":{}}', headers: 'content-length content-type x-request-id' };

  it('fails on any difference in status, body or header names', () => {
    expect(() => assertSameAnswer({ ...watchword }, watchword)).not.toThrow();
    expect(() => assertSameAnswer({ ...watchword, status: 404 }, watchword)).toThrow(/answers differently/);
    expect(() => assertSameAnswer({ ...watchword, body: '{"item":null}' }, watchword)).toThrow(/answers differently/);
    expect(() => assertSameAnswer({ ...watchword, headers: 'content-length content-type' }, watchword)).toThrow(/answers differently/);
  });

  it('ignores the header names only when the ceiling runs without its headers', () => {
    const fewer = { ...watchword, headers: 'content-length content-type' };
    expect(() => assertSameAnswer(fewer, watchword, 'state,headers')).not.toThrow();
    expect(() => assertSameAnswer({ ...fewer, body: '{}' }, watchword, 'headers')).toThrow(/answers differently/);
  });
});
