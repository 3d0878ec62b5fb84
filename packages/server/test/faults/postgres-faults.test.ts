import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient } from '@watchword/client';
import { type ServerProcess, SOURCE_ENTRY, type TempDir, createTempDir, startServerProcess } from '@watchword/testkit';
import { type ThrowawayPostgres, faultSupport, startThrowawayPostgres, until } from './throwaway.ts';

const missing = faultSupport('postgres');

/** Client-side bounds of the server under test: a stalled database must answer 503 well within a few seconds. */
const QUERY_TIMEOUT_MS = 1000;
const READYZ_TIMEOUT_MS = 1000;

/**
 * PostgreSQL dying or freezing under write load (a cluster of the test's own: killed with SIGKILL, frozen with
 * SIGSTOP). The server must stay up, answer 503 STORAGE_UNAVAILABLE with Retry-After while the database is away or
 * stalled — within a few seconds, not as long as the stall — say so in /readyz, and recover by itself.
 */
describe.skipIf(missing !== undefined)(`PostgreSQL faults${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
  let pg: ThrowawayPostgres;
  let dir: TempDir;
  let server: ServerProcess;
  let vault: Vault;
  let token: string;

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    dir = await createTempDir();
    const migrated = spawnSync(process.execPath, [SOURCE_ENTRY, 'migrate'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dir.path, DATABASE_URL: pg.url }, encoding: 'utf8' });
    expect(migrated.status, migrated.stderr).toBe(0);
    server = await startServerProcess({
      DATA_DIR: dir.path,
      DATABASE_URL: pg.url,
      DB_POOL_SIZE: '20',
      DB_CONNECT_TIMEOUT: '1000',
      DB_QUERY_TIMEOUT: String(QUERY_TIMEOUT_MS),
      READYZ_TIMEOUT: String(READYZ_TIMEOUT_MS),
      ALLOWED_KDF_VERSIONS: '0,1',
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
    });
    const client = new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false });
    await client.register({ email: 'load@example.com', password: 'a long load passphrase' });
    vault = await client.login({ email: 'load@example.com', password: 'a long load passphrase' });
    token = vault.session.tokens.accessToken;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await pg?.remove();
    await dir?.remove();
  });

  /** Writers adding items as fast as they can (each add is a transaction of several statements). */
  function writeLoad(writers: number) {
    let running = true;
    let ok = 0;
    const failures = new Map<string, number>();
    const loops = Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; running; i++) {
        try {
          await vault.add({ type: 'note', name: `w${w}-${i}`, fields: [] });
          ok++;
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'unknown';
          failures.set(code, (failures.get(code) ?? 0) + 1);
          // An outage answers at once: don't spin.
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    return {
      get ok() {
        return ok;
      },
      failures,
      get failed() {
        return [...failures.values()].reduce((a, b) => a + b, 0);
      },
      async stop() {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  const readItems = (signal = AbortSignal.timeout(10_000)) => fetch(`${server.url}/api/v1/items`, { headers: { authorization: `Bearer ${token}` }, signal });
  const readyz = (signal = AbortSignal.timeout(10_000)) => fetch(`${server.url}/readyz`, { signal });

  async function expectStorageUnavailable(res: Response): Promise<void> {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('STORAGE_UNAVAILABLE');
    // Nothing about the database's address in the answer.
    expect(JSON.stringify(body)).not.toContain(new URL(pg.url).port);
  }

  async function expectRecovered(): Promise<void> {
    await until('/readyz to pass again', async () => (await readyz()).status === 200, 30_000);
    const before = (await vault.list()).length;
    await vault.add({ type: 'note', name: 'after the outage', fields: [] });
    expect((await vault.list()).length).toBe(before + 1);
  }

  it('stays up when PostgreSQL is killed under write load, answers 503 STORAGE_UNAVAILABLE with Retry-After, and recovers', async () => {
    const load = writeLoad(16);
    await until('writes to succeed', () => load.ok >= 50);
    await pg.kill();
    await until('the writers to see the outage', () => load.failed >= 32);
    // The process is alive and answers: a lost connection checked out mid-transaction must not end it.
    expect(server.child.exitCode, server.output().slice(-3000)).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await expectStorageUnavailable(await readItems());
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { database: string } }).checks.database).toBe('fail');
    await load.stop();
    // Every failure the writers saw is the outage, never a 500.
    expect([...load.failures.keys()]).toEqual(['STORAGE_UNAVAILABLE']);
    expect(server.output()).not.toMatch(/Unhandled 'error' event|uncaughtException/);

    await pg.start();
    await expectRecovered();
    expect(server.child.exitCode).toBeNull();
  }, 60_000);

  it('answers 503 within a few seconds while PostgreSQL is frozen (requests in flight included), and /readyz too', async () => {
    const load = writeLoad(8);
    await until('writes to succeed', () => load.ok >= 20);
    pg.freeze();
    try {
      const started = Date.now();
      await expectStorageUnavailable(await readItems());
      // The connect timeout and the query timeout, with room for a loaded machine; the freeze itself lasts until thaw.
      expect(Date.now() - started).toBeLessThan(8000);
      const probeStarted = Date.now();
      const ready = await readyz();
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: { database: string } }).checks.database).toBe('fail');
      expect(Date.now() - probeStarted).toBeLessThan(READYZ_TIMEOUT_MS + 3000);
      // Writers that were waiting on the frozen database when it stopped have had their answer too.
      await until('the writers in flight to get their answers', () => load.failed >= 8, 10_000);
      expect(server.child.exitCode).toBeNull();
    } finally {
      pg.thaw();
    }
    await load.stop();
    expect([...load.failures.keys()]).toEqual(['STORAGE_UNAVAILABLE']);
    await expectRecovered();
  }, 60_000);
});
