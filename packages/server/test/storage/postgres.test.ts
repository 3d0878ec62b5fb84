/** PostgreSQL specifics: bigint parsing on the pool only (pg's global parsers untouched). */
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/storage/postgres.ts';
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from '../support/pg.ts';

describe.runIf(dialectsUnderTest().includes('postgres'))('storage (postgres specifics)', () => {
  let database: TestDatabase;
  let db: ReturnType<typeof openPostgres>;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = openPostgres({ url: database.url, poolSize: 2 });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('returns bigint values as exact JS numbers', async () => {
    const { rows } = await sql<{ n: number; c: number }>`select 9007199254740991::bigint as n, count(*) as c from (values (1), (2)) as t(x)`.execute(db);
    expect(rows).toEqual([{ n: Number.MAX_SAFE_INTEGER, c: 2 }]);
  });

  it('refuses bigint values that a JS number cannot hold exactly', async () => {
    await expect(sql`select 9007199254740993::bigint as n`.execute(db)).rejects.toThrow(/safe integer/);
  });

  it("leaves pg's global type parsers alone", () => {
    expect(pg.types.getTypeParser(20, 'text')('42')).toBe('42');
  });
});
