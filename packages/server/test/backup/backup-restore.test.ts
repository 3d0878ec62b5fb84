/**
 * Server backup and restore with real processes (README "Backups"): a backup taken while a client keeps writing,
 * restored into a fresh data directory (SQLite) or a fresh database (PostgreSQL, with pg_dump/pg_restore as the README
 * says), a new server started on it, and every item acknowledged before the backup began read back by logging in.
 * Also: the file is 0600 and sealed, a wrong passphrase and a non-empty target change nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ItemContent, type Vault, WatchwordClient } from '@watchword/client';
import { GENEROUS_LIMITS, SOURCE_ENTRY, type ServerProcess, type TempDir, type TestDatabase, createTempDir, createTestDatabase, dialectsUnderTest, startServerProcess } from '@watchword/testkit';

const PASSPHRASE = 'a backup passphrase kept apart';
const EMAIL = 'backup@example.com';
const PASSWORD = 'backup owner passphrase';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(command, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d));
    child.stderr?.on('data', (d: Buffer) => (stderr += d));
    child.stdin?.end(stdin);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const wwServer = (args: string[], env: Record<string, string>, stdin = '') => run(process.execPath, [SOURCE_ENTRY, ...args], env, stdin);

const client = (url: string) => new WatchwordClient({ serverUrl: url, kdfVersion: 0, dpop: false, passwordPolicy: false });
const content = (i: number): ItemContent => ({ type: 'login', name: `item ${i}`, fields: [], login: { username: `user${i}`, password: `secret-${i}-${'x'.repeat(i % 50)}`, urls: [`https://site${i}.example`] } });

/** Adds items one after another until stopped; `acknowledged` holds each item once the server has confirmed it. */
function writeLoad(vault: Vault, start: number) {
  const acknowledged = new Map<string, ItemContent>();
  let stopped = false;
  let i = start;
  const loop = (async () => {
    while (!stopped) {
      const c = content(i++);
      const item = await vault.add(c);
      acknowledged.set(item.id, c);
    }
  })();
  return { acknowledged, stop: async () => ((stopped = true), await loop) };
}

describe.each(dialectsUnderTest())('ww-server backup and restore (%s)', (dialect) => {
  const dirs: TempDir[] = [];
  const databases: TestDatabase[] = [];
  const servers: ServerProcess[] = [];
  let work: TempDir;
  let source: { dataDir: string; env: Record<string, string> };
  let before = new Map<string, ItemContent>();
  let backupFile: string;
  let dumpFile: string;

  const serverEnv = (dataDir: string, databaseUrl?: string) => ({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });

  beforeAll(async () => {
    work = await createTempDir();
    dirs.push(work);
    const dataDir = join(work.path, 'source');
    const db = dialect === 'postgres' ? await createTestDatabase() : undefined;
    if (db) databases.push(db);
    source = { dataDir, env: serverEnv(dataDir, db?.url) };
    if (db) expect((await wwServer(['migrate'], source.env)).code).toBe(0);
    const server = await startServerProcess(source.env);
    servers.push(server);
    await client(server.url).register({ email: EMAIL, password: PASSWORD });
    const vault = await client(server.url).login({ email: EMAIL, password: PASSWORD });
    // Enough data that the copy takes more than an instant.
    const first = await vault.addMany(Array.from({ length: 400 }, (_, i) => content(i)));
    const load = writeLoad(vault, 1000);
    while (load.acknowledged.size < 5) await new Promise((r) => setTimeout(r, 5));
    // Everything acknowledged before the backup begins must come back.
    before = new Map([...first.map((item) => [item.id, item.content] as const), ...load.acknowledged]);
    const ackedAtStart = load.acknowledged.size;
    backupFile = join(work.path, 'watchword.backup');
    dumpFile = join(work.path, 'watchword.pgdump');
    const backup = wwServer(['backup', '--output', backupFile, '--passphrase-stdin'], source.env, `${PASSPHRASE}\n`);
    const dump = db ? run('pg_dump', ['--format=custom', '--file', dumpFile, '--dbname', db.url], {}) : undefined;
    const [result, dumped] = await Promise.all([backup, dump]);
    expect(result.code, result.stderr).toBe(0);
    if (dumped) expect(dumped.code, dumped.stderr).toBe(0);
    const ackedAtEnd = load.acknowledged.size;
    await load.stop();
    // The writes really went on while the backup ran.
    expect(ackedAtEnd).toBeGreaterThan(ackedAtStart);
    expect(result.stdout).toMatch(dialect === 'sqlite' ? /SQLite database \(\d+ bytes\), OPAQUE server setup, server secret, 1 signing key/ : /pg_dump/);
    await server.stop();
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const db of databases) await db.drop();
    for (const d of dirs) await d.remove();
  });

  it('the backup file is 0600 and sealed: no secret of the data directory is readable in it', () => {
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(backupFile);
    const header = JSON.parse(bytes.subarray(0, bytes.indexOf(0x0a)).toString('utf8')) as Record<string, unknown>;
    expect(header).toMatchObject({ format: 'watchword-server-backup', version: 1, database: dialect, kdf: { name: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 4 } });
    const text = bytes.toString('latin1');
    for (const name of readdirSync(join(source.dataDir, 'secrets'))) {
      const secret = readFileSync(join(source.dataDir, 'secrets', name), 'utf8').trim();
      expect(text.includes(secret), name).toBe(false);
    }
    expect(text).not.toContain('BEGIN PRIVATE KEY');
    expect(text).not.toContain('secret-1-');
  });

  // Dialect-independent refusals: run once, on SQLite (each is a process start).
  it.runIf(dialect === 'sqlite')('a backup never overwrites a file', async () => {
    const r = await wwServer(['backup', '--output', backupFile, '--passphrase-stdin'], source.env, `${PASSPHRASE}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ww-server: backup: .* already exists: a backup never overwrites a file\n$/);
  });

  it.runIf(dialect === 'sqlite')('restore refuses a non-empty data directory and a wrong passphrase, changing nothing', async () => {
    const target = join(work.path, 'refused');
    mkdirSync(target);
    writeFileSync(join(target, 'something'), 'x');
    const databaseUrl: Record<string, string> = dialect === 'postgres' ? { DATABASE_URL: databases[0]!.url } : {};
    const busy = await wwServer(['restore', backupFile, '--passphrase-stdin'], { DATA_DIR: target, ...databaseUrl }, `${PASSPHRASE}\n`);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/^ww-server: restore: .* is not empty/);
    expect(readdirSync(target)).toEqual(['something']);
    const empty = join(work.path, 'wrong-passphrase');
    const wrong = await wwServer(['restore', backupFile, '--passphrase-stdin'], { DATA_DIR: empty, ...databaseUrl }, 'not the right passphrase\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong passphrase/);
    expect(existsSync(empty) ? readdirSync(empty) : []).toEqual([]);
    expect(readdirSync(work.path).filter((n) => n.includes('.restore-'))).toEqual([]);
  });

  it('restored into a fresh data directory / database, a new server logs the owner in and serves every item acknowledged before the backup', async () => {
    const target = join(work.path, 'restored');
    let databaseUrl: string | undefined;
    if (dialect === 'postgres') {
      const fresh = await createTestDatabase();
      databases.push(fresh);
      databaseUrl = fresh.url;
      const restored = await run('pg_restore', ['--no-owner', '--no-privileges', '--dbname', fresh.url, dumpFile], {});
      expect(restored.code, restored.stderr).toBe(0);
    }
    // The passphrase from the environment here (automation), from standard input everywhere else.
    const r = await wwServer(['restore', backupFile], { DATA_DIR: target, BACKUP_PASSPHRASE: PASSPHRASE, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/restored the backup of/);
    expect(statSync(target).mode & 0o777).toBe(0o700);
    expect(statSync(join(target, 'secrets', 'opaque-server-setup')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(target, 'secrets', 'opaque-server-setup'), 'utf8')).toBe(readFileSync(join(source.dataDir, 'secrets', 'opaque-server-setup'), 'utf8'));
    expect(readdirSync(join(target, 'keys', 'jwt'))).toEqual(readdirSync(join(source.dataDir, 'keys', 'jwt')));

    const server = await startServerProcess(serverEnv(target, databaseUrl));
    servers.push(server);
    const vault = await client(server.url).login({ email: EMAIL, password: PASSWORD });
    const items = new Map((await vault.list()).map((i) => [i.id, i.content]));
    expect(before.size).toBeGreaterThan(400);
    const missing = [...before.keys()].filter((id) => !items.has(id));
    expect(missing).toEqual([]);
    for (const [id, c] of before) expect(items.get(id)).toEqual(c);
    // And the restored server takes new writes.
    await vault.add(content(99_999));
    await server.stop();
  });
});
