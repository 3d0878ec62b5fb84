/** PostgreSQL specifics: bigint parsing on the pool only (pg's global parsers untouched); the hot reads' named statements. */
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedStatements, openPostgresPool } from '../../src/storage/postgres.ts';
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from '@watchword/testkit';

describe.runIf(dialectsUnderTest().includes('postgres'))('storage (postgres specifics)', () => {
  let database: TestDatabase;
  let db: ReturnType<typeof openPostgresPool>['db'];
  beforeAll(async () => {
    database = await createTestDatabase();
    db = openPostgresPool({ url: database.url, poolSize: 2 }).db;
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

  it('runs the hot reads as named prepared statements: parsed once per connection, one name per SQL text, values bound', async () => {
    // One connection, so that pg_prepared_statements (per session) shows what the reader prepared on it.
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    // pool.end() can resolve before the server has seen the connection's Terminate; the database's drop (afterAll)
    // then ends that backend, and its FATAL reaches a client nobody listens to any more: an uncaught error.
    pool.on('connect', (client) => client.on('error', () => {}));
    try {
      const read = namedStatements(pool);
      const byValue = 'select $1::text as v, $2::int as n';
      expect(await read(byValue, ['a', 1])).toEqual([{ v: 'a', n: 1 }]);
      expect(await read(byValue, ["b'; drop table x; --", 2])).toEqual([{ v: "b'; drop table x; --", n: 2 }]);
      expect(await read('select $1::int + 1 as m', [41])).toEqual([{ m: 42 }]);
      const { rows } = await pool.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements order by name');
      expect(rows).toEqual([
        { name: 'ww_hot_0', statement: byValue },
        { name: 'ww_hot_1', statement: 'select $1::int + 1 as m' },
      ]);
    } finally {
      await pool.end();
    }
  });
});
