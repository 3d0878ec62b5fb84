import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isStorageUnavailable } from '../../src/storage/errors.ts';
import { openPostgresPool } from '../../src/storage/postgres.ts';
import { createTestDatabase, dialectsUnderTest, freePort } from '@watchword/testkit';

/** Errors a real driver raises: only outages map to 503 STORAGE_UNAVAILABLE, never a bad statement or a conflict. */
describe('which database errors are outages', () => {
  const caught = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error('expected a throw');
  };

  it('SQLite: a full database is one; a constraint violation or a syntax error is not', () => {
    const db = new Database(':memory:');
    try {
      db.exec('create table t (id integer primary key, v blob)');
      db.prepare('insert into t values (1, null)').run();
      expect(isStorageUnavailable(caught(() => db.prepare('insert into t values (1, null)').run()))).toBe(false);
      expect(isStorageUnavailable(caught(() => db.prepare('select nonsense from').all()))).toBe(false);
      // max_page_count: the file may not grow further — the same SQLITE_FULL a full disk gives.
      db.pragma('max_page_count = 3');
      const full = caught(() => db.prepare('insert into t values (2, zeroblob(100000))').run());
      expect(full).toMatchObject({ code: 'SQLITE_FULL' });
      expect(isStorageUnavailable(full)).toBe(true);
    } finally {
      db.close();
    }
  });

  it.skipIf(!dialectsUnderTest().includes('postgres'))('PostgreSQL: a refused connection is one (503); a unique violation keeps its own code', async () => {
    const nobody = openPostgresPool({ url: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, poolSize: 1, connectTimeoutMs: 1000 });
    try {
      await expect(sql`select 1`.execute(nobody.db)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
    } finally {
      await nobody.db.destroy();
    }
    const database = await createTestDatabase();
    const { db } = openPostgresPool({ url: database.url, poolSize: 2, queryTimeoutMs: 5000 });
    try {
      await sql`create table t (id int primary key)`.execute(db);
      await sql`insert into t values (1)`.execute(db);
      const conflict = await sql`insert into t values (1)`.execute(db).then(() => undefined, (e: unknown) => e);
      expect(conflict).toMatchObject({ code: '23505' });
      expect(isStorageUnavailable(conflict)).toBe(false);
      const bad = await sql`select nonsense from`.execute(db).then(() => undefined, (e: unknown) => e);
      expect(bad).toMatchObject({ code: '42601' });
      // The connections that failed that way are healthy and stay in use.
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows[0]?.one).toBe(1);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
