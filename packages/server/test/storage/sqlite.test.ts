/** SQLite specifics: where the file lives, its permissions, and the pragmas that make writes durable. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql, type RawBuilder } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.ts';
import { openSqlite } from '../../src/storage/sqlite.ts';
import { SQLITE_FILE_NAME } from '../../src/storage/sqlite-file.ts';
import { createTempDir, type TempDir } from '@watchword/testkit';

describe('storage (sqlite specifics)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function tempDir(): Promise<TempDir> {
    const dir = await createTempDir();
    cleanups.push(dir.remove);
    return dir;
  }

  it('creates a missing data directory 0700 and a 0600 watchword.db inside it, in WAL mode', async () => {
    const dir = await tempDir();
    const dataDir = join(dir.path, 'nested', 'data');
    const storage = await openStorage({ dataDir });
    cleanups.push(() => storage.close());
    expect(storage.dialect).toBe('sqlite');
    await storage.migrateToLatest();
    const file = join(dataDir, SQLITE_FILE_NAME);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // journal_mode is persistent in the file: a separate connection sees it.
    const inspector = new Database(file, { readonly: true });
    try {
      expect(inspector.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(inspector.prepare("select count(*) as n from sqlite_master where name = 'items'").get()).toEqual({ n: 1 });
    } finally {
      inspector.close();
    }
  });

  it('sets synchronous = FULL, foreign_keys = ON and busy_timeout = 5000 on the connection', async () => {
    const dir = await tempDir();
    const { db } = openSqlite(dir.path);
    cleanups.push(() => db.destroy());
    const value = async (query: RawBuilder<Record<string, unknown>>) => Object.values((await query.execute(db)).rows[0] ?? {})[0];
    expect(await value(sql`pragma synchronous`)).toBe(2); // FULL
    expect(await value(sql`pragma foreign_keys`)).toBe(1);
    expect(await value(sql`pragma busy_timeout`)).toBe(5000);
  });

  it('rejects a database URL that is neither unset nor PostgreSQL, without echoing it', async () => {
    const dir = await tempDir();
    const url = 'mysql://root:hunter2@db.example/watchword';
    const attempt = openStorage({ databaseUrl: url, dataDir: dir.path });
    await expect(attempt).rejects.toThrow(/postgres:\/\/ or postgresql:\/\//);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });
});
