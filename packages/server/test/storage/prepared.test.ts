import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'better-sqlite3';
import { preparedQuery } from '../../src/storage/prepared.ts';

interface Db {
  t: { id: string; owner: string; n: number };
}

describe('preparedQuery', () => {
  const sqlite = new Database(':memory:');
  sqlite.exec("create table t (id text, owner text, n integer); insert into t values ('a', 'x', 1), ('b', 'x', 2), ('c', 'y', 3)");
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
  afterAll(() => db.destroy());

  it('binds each call’s values at the marker positions and keeps constants', async () => {
    const q = preparedQuery<{ id: string }, [string, number]>(db, 2, (owner, min) =>
      db.selectFrom('t').select('id').where('owner', '=', owner).where('n', '>=', min as unknown as number).where('id', '!=', 'zzz').orderBy('id'),
    );
    expect(await q('x', 2)).toEqual([{ id: 'b' }]);
    expect(await q('x', 0)).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(await q('y', 0)).toEqual([{ id: 'c' }]);
    // A hostile value is a value, never SQL.
    expect(await q("x' or '1'='1", 0)).toEqual([]);
  });

  it('refuses a shape that does not use every argument', () => {
    expect(() => preparedQuery(db, 2, (owner) => db.selectFrom('t').select('id').where('owner', '=', owner))).toThrow(/every argument/);
  });
});
