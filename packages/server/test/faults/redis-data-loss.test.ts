import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { type ServerProcess, type TempDir, createTempDir, startServerProcess } from '@watchword/testkit';
import { type ThrowawayRedis, faultSupport, startThrowawayRedis, until } from './throwaway.ts';

const missing = faultSupport('redis');
const run = promisify(execFile);

/**
 * Logout takes effect at once and stays in effect (design brief §3) even when Redis loses its data: restarted without
 * persistence, or flushed. The database is the record of revocation; the server rebuilds the denylist from it as
 * soon as it finds the store without it, before it lets any token through.
 */
describe.skipIf(missing !== undefined)(`Redis losing its data${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
  let redis: ThrowawayRedis;
  let dir: TempDir;
  let server: ServerProcess;
  let client: WatchwordClient;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    dir = await createTempDir();
    server = await startServerProcess({ DATA_DIR: dir.path, REDIS_URL: redis.url, ALLOWED_KDF_VERSIONS: '0,1', LOG_LEVEL: 'warn' });
    client = new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false });
    await client.register({ email: 'gone@example.com', password: 'a long logout passphrase' });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await dir?.remove();
  });

  const login = async () => (await client.login({ email: 'gone@example.com', password: 'a long logout passphrase' })).session;
  /** An authenticated read with the token itself (no refresh, no retry). */
  const read = (token: string) => fetch(`${server.url}/api/v1/items`, { headers: { authorization: `Bearer ${token}` } });
  const ready = async () => (await fetch(`${server.url}/readyz`)).status === 200;

  it('a logged-out session stays logged out after Redis restarts empty', async () => {
    const session = await login();
    const token = session.tokens.accessToken;
    expect((await read(token)).status).toBe(200);
    await session.logout();
    expect((await read(token)).status).toBe(401);

    await redis.restartEmpty();
    await until('the server to reconnect to Redis', ready);
    const res = await read(token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
  });

  it('and after Redis is flushed, while live sessions keep working', async () => {
    const live = await login();
    const ended = await login();
    const endedToken = ended.tokens.accessToken;
    await ended.logout();
    expect((await read(endedToken)).status).toBe(401);

    await run('redis-cli', ['-u', redis.url, 'FLUSHALL']);
    // Both at once: the first requests after the loss wait for the same rebuild.
    const [afterFlush, liveAnswer] = await Promise.all([read(endedToken), read(live.tokens.accessToken)]);
    expect(afterFlush.status).toBe(401);
    expect(liveAnswer.status).toBe(200);
    expect((await read(endedToken)).status).toBe(401);
  });
});
