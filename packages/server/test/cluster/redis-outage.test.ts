import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOpaqueReady, opaqueClient } from '@watchword/protocol';
import { createTempDir, createTestDatabase, deleteKeysWithPrefix, dialectsUnderTest, type ServerProcess, startServerProcess, stateKindsUnderTest, type TempDir, type TestDatabase, testRedisUrl, uniqueKeyPrefix } from '@watchword/testkit';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy.ts';

const enabled = stateKindsUnderTest().includes('redis');

/** With Redis gone the server fails closed (503 STATE_UNAVAILABLE), says so in /readyz, and recovers by itself. */
describe.runIf(enabled)('Redis outage', () => {
  let proxy: TcpProxy;
  let server: ServerProcess;
  let dir: TempDir;
  let db: TestDatabase | undefined;
  const prefix = uniqueKeyPrefix();

  beforeAll(async () => {
    const redis = new URL(testRedisUrl as string);
    proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
    dir = await createTempDir();
    db = dialectsUnderTest().includes('postgres') ? await createTestDatabase() : undefined;
    if (db) {
      const { spawnSync } = await import('node:child_process');
      const { join } = await import('node:path');
      spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'src', 'main.ts'), 'migrate'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dir.path, DATABASE_URL: db.url } });
    }
    server = await startServerProcess({
      DATA_DIR: dir.path,
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: prefix,
      ...(db ? { DATABASE_URL: db.url } : {}),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await db?.drop();
    await dir?.remove();
    await deleteKeysWithPrefix(prefix);
  });

  /** A well-formed login start: it reaches the state store (to save the handshake). */
  const loginStart = async () => {
    await ensureOpaqueReady();
    const { startLoginRequest } = opaqueClient.startLogin('whatever password');
    return fetch(`${server.url}/api/v1/auth/login/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.com', startLoginRequest }),
    });
  };

  it('fails closed with 503 STATE_UNAVAILABLE while Redis is away, and /readyz says why', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await loginStart()).status).toBe(200);
    await proxy.cut();
    const res = await loginStart();
    expect(res.status).toBe(503);
    // RFC 9110 §10.2.3: when to try again (delay-seconds).
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('STATE_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toContain(String(proxy.port));
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { state: string } }).checks.state).toBe('fail');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('recovers on its own when Redis returns', async () => {
    await proxy.resume();
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${server.url}/readyz`)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    expect((await loginStart()).status).toBe(200);
  });
});
