import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { createTempDir, createTestDatabase, dialectsUnderTest, startServerProcess } from '@watchword/testkit';
import { migrations } from '../../src/storage/migrations/index.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });

describe('server start-up', () => {
  const dirs: { remove(): Promise<void> }[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => d.remove())));

  it('a bad configuration is one line on stderr and exit code 2', () => {
    const r = run(['serve'], { PORT: 'nope' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ww-server: invalid configuration: PORT must be a whole number, got "nope"\n');
  });

  it('an unknown command is a usage error', () => {
    const r = run(['frobnicate'], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ww-server: unknown command "frobnicate"/);
  });

  it('refuses to start when the database has accounts but the OPAQUE setup is missing or different', async () => {
    const dir = await createTempDir();
    dirs.push(dir);
    const server = await startServerProcess({ DATA_DIR: dir.path, ALLOWED_KDF_VERSIONS: '0' });
    await new WatchwordClient({ passwordPolicy: false,  serverUrl: server.url, kdfVersion: 0 }).register({ email: 'a@example.com', password: 'some long password' });
    expect(await server.stop()).toBe(0);

    const setupFile = join(dir.path, 'secrets', 'opaque-server-setup');
    const original = readFileSync(setupFile, 'utf8');
    rmSync(setupFile);
    let r = run(['serve'], { DATA_DIR: dir.path, PORT: '0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/OPAQUE server setup is missing/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);

    // A different, valid setup (another server's): the fingerprint check refuses it.
    const otherDir = await createTempDir();
    dirs.push(otherDir);
    const other = await startServerProcess({ DATA_DIR: otherDir.path });
    await other.stop();
    const otherSetup = readFileSync(join(otherDir.path, 'secrets', 'opaque-server-setup'), 'utf8').trim();
    r = run(['serve'], { DATA_DIR: dir.path, PORT: '0', OPAQUE_SERVER_SETUP: otherSetup });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not match the one this database was created with/);

    // The right setup given as a secret starts fine (and a login still works).
    writeFileSync(setupFile, original, { mode: 0o600 });
    const again = await startServerProcess({ DATA_DIR: dir.path, ALLOWED_KDF_VERSIONS: '0' });
    // The embedded database has no pool to report.
    expect(await (await fetch(`${again.url}/readyz`)).json()).toEqual({ status: 'ready', checks: { database: 'ok', state: 'ok', migrations: 'ok' }, pools: { database: null } });
    const vault = await new WatchwordClient({ passwordPolicy: false,  serverUrl: again.url }).login({ email: 'a@example.com', password: 'some long password' });
    expect(vault.account.email).toBe('a@example.com');
    expect(await again.stop()).toBe(0);
  });

  it.runIf(dialectsUnderTest().includes('postgres'))('on PostgreSQL: refuses to start with pending migrations; `migrate` applies them', async () => {
    const db = await createTestDatabase();
    const dir = await createTempDir();
    dirs.push(dir);
    try {
      const env = { DATA_DIR: dir.path, DATABASE_URL: db.url, PORT: '0' };
      let r = run(['serve'], env);
      expect(r.status).toBe(1);
      const count = Object.keys(migrations).length;
      expect(r.stderr).toMatch(new RegExp(`needs ${count} migration\\(s\\).*npm run migrate`));
      r = run(['migrate'], env);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`applied ${count} migration`));
      expect(run(['migrate'], env).stdout).toMatch(/up to date/);
      const server = await startServerProcess({ DATA_DIR: dir.path, DATABASE_URL: db.url, DB_POOL_SIZE: '7' });
      const ready = await fetch(`${server.url}/readyz`);
      // The pool is reported too (security spec "Pools"): its size, the connections start-up and the probe left open
      // (idle once the probe is answered), and no query waiting.
      const body = (await ready.json()) as { pools: { database: { total: number; idle: number } } };
      expect(body).toEqual({
        status: 'ready',
        checks: { database: 'ok', state: 'ok', migrations: 'ok' },
        pools: { database: { max: 7, total: expect.any(Number), idle: expect.any(Number), waiting: 0 } },
      });
      expect(body.pools.database.total).toBeGreaterThanOrEqual(1);
      expect(body.pools.database.total).toBeLessThanOrEqual(7);
      expect(body.pools.database.idle).toBeLessThanOrEqual(body.pools.database.total);
      expect(await server.stop()).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
