import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient } from '@watchword/client';
import { type ServerProcess, startServerProcess } from '@watchword/testkit';
import { type SmallDisk, faultSupport, mountSmallDisk, until } from './throwaway.ts';

const missing = faultSupport('disk');

/**
 * The embedded database's file system fills up (a real one: a 16 MiB tmpfs holding DATA_DIR, filled with a file).
 * Writes answer 503 STORAGE_UNAVAILABLE, the log names the cause (SQLITE_FULL, not the failed ROLLBACK that follows
 * it, and not redacted), /readyz reports the database failing although it still reads, and everything works again
 * once there is space.
 */
describe.skipIf(missing !== undefined)(`a full disk under SQLite${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
  let disk: SmallDisk;
  let server: ServerProcess;
  let vault: Vault;

  beforeAll(async () => {
    disk = await mountSmallDisk(16);
    server = await startServerProcess({ DATA_DIR: disk.path, ALLOWED_KDF_VERSIONS: '0,1', LOG_LEVEL: 'warn' });
    const client = new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false });
    await client.register({ email: 'full@example.com', password: 'a long full-disk passphrase' });
    vault = await client.login({ email: 'full@example.com', password: 'a long full-disk passphrase' });
    await vault.add({ type: 'note', name: 'before', fields: [] });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await disk?.remove();
  });

  const readyz = async () => {
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: { database: string } } };
  };

  it('answers writes with 503 STORAGE_UNAVAILABLE, logs SQLITE_FULL, and /readyz reports the database', async () => {
    const logStart = server.output().length;
    await disk.fill();
    const error = await vault.add({ type: 'note', name: 'no room', fields: [] }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; status?: number },
    );
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });

    // The log line travels through a pipe: it may arrive just after the answer.
    const unavailableLines = () => server.output().slice(logStart).split('\n').filter((line) => line.includes('"database unavailable"'));
    await until('the outage to be logged', () => unavailableLines().length > 0, 5000);
    const log = server.output().slice(logStart);
    const lines = unavailableLines();
    // The original cause with its code in the clear — not the ROLLBACK that failed after it.
    const logged = JSON.parse(lines[0] as string) as { code: string; err: { code: string; message: string } };
    expect(logged.code).toBe('STORAGE_UNAVAILABLE');
    expect(logged.err.code).toBe('SQLITE_FULL');
    expect(log).not.toContain('cannot rollback');

    // Reads still work; the readiness probe's write does not.
    expect((await vault.list()).map((item) => item.content.name)).toEqual(['before']);
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('fail');
    expect(server.child.exitCode).toBeNull();
  });

  it('recovers once there is space again', async () => {
    await disk.free();
    await until('/readyz to pass again', async () => (await readyz()).status === 200);
    await vault.add({ type: 'note', name: 'after', fields: [] });
    expect((await vault.list()).map((item) => item.content.name).sort()).toEqual(['after', 'before']);
  });
});
