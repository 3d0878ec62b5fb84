import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect, sql } from 'kysely';
import Database from 'better-sqlite3';
import { preparedQuery, preparedWrites } from '../../src/storage/prepared.ts';
import type { DirectTransaction } from '../../src/storage/driver.ts';
import { openSqlite } from '../../src/storage/sqlite.ts';
import { createTempDir } from '@watchword/testkit';

interface Db {
  t: { id: string; owner: string; n: number };
}

describe('preparedQuery', () => {
  const sqlite = new Database(':memory:');
  sqlite.exec("create table t (id text, owner text, n integer); insert into t values ('a', 'x', 1), ('b', 'x', 2), ('c', 'y', 3)");
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
  afterAll(() => db.destroy());

  it('binds each call’s values at the marker positions and keeps constants', async () => {
    const q = preparedQuery<{ id: string }, [string, number]>({ db }, 2, (owner, min) =>
      db.selectFrom('t').select('id').where('owner', '=', owner).where('n', '>=', min as unknown as number).where('id', '!=', 'zzz').orderBy('id'),
    );
    expect(await q('x', 2)).toEqual([{ id: 'b' }]);
    expect(await q('x', 0)).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(await q('y', 0)).toEqual([{ id: 'c' }]);
    // A hostile value is a value, never SQL.
    expect(await q("x' or '1'='1", 0)).toEqual([]);
  });

  it('refuses a shape that does not use every argument', () => {
    expect(() => preparedQuery({ db }, 2, (owner) => db.selectFrom('t').select('id').where('owner', '=', owner))).toThrow(/every argument/);
  });

  it('on the embedded database, runs hot reads at once but never inside an open transaction (no dirty reads)', async () => {
    const dir = await createTempDir();
    const driver = openSqlite(dir.path);
    const file = driver.db as unknown as Kysely<Db>;
    try {
      await sql`create table t (id text, owner text, n integer)`.execute(file);
      await file.insertInto('t').values({ id: 'a', owner: 'x', n: 1 }).execute();
      const q = preparedQuery<{ id: string }, [string]>(driver, 1, (owner) => file.selectFrom('t').select('id').where('owner', '=', owner).orderBy('id'));
      expect(await q('x')).toEqual([{ id: 'a' }]);
      // A transaction inserts a row and, before it rolls back, yields to the event loop; a read issued meanwhile
      // must wait for it (through the query builder's connection lock) and so never see the uncommitted row.
      let readDuring: Promise<{ id: string }[]> | undefined;
      const rolledBack = file.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 'b', owner: 'x', n: 2 }).execute();
        readDuring = q('x');
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      });
      await expect(rolledBack).rejects.toThrow('roll back');
      expect(await readDuring).toEqual([{ id: 'a' }]);
      // Committed rows are seen, whichever path the read takes.
      await file.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 'c', owner: 'x', n: 3 }).execute();
      });
      expect(await q('x')).toEqual([{ id: 'a' }, { id: 'c' }]);
      // A write without RETURNING runs on the direct path too, and answers no rows.
      const add = preparedQuery<never, [string, string]>(driver, 2, (id, owner) => file.insertInto('t').values({ id, owner, n: 9 }));
      expect(await add('d', 'x')).toEqual([]);
      expect(await q('x')).toEqual([{ id: 'a' }, { id: 'c' }, { id: 'd' }]);
    } finally {
      await file.destroy();
      await dir.remove();
    }
  });
});

describe('preparedWrites', () => {
  interface Pair {
    a: { id: string; n: number };
    b: { id: string; a_id: string };
  }
  const schema = async (db: Kysely<Pair>) => {
    await sql`create table a (id text primary key, n integer not null)`.execute(db);
    await sql`create table b (id text primary key, a_id text not null)`.execute(db);
  };
  const pairWrites = (db: Kysely<Pair>, driver: { db: Kysely<Pair>; directTransaction?: DirectTransaction | undefined } = { db }) =>
    preparedWrites<[string, number, string]>(driver, 3, (id, n, bId) => [
      db.insertInto('a').values({ id, n: n as unknown as number }),
      db.insertInto('b').values({ id: bId, a_id: id }),
    ]);
  const contents = async (db: Kysely<Pair>) => ({
    a: await db.selectFrom('a').selectAll().orderBy('id').execute(),
    b: await db.selectFrom('b').selectAll().orderBy('id').execute(),
  });

  it('refuses a shape that does not use every argument', () => {
    const db = new Kysely<Pair>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    expect(() => preparedWrites({ db }, 2, (id) => [db.insertInto('a').values({ id, n: 1 })])).toThrow(/every argument/);
  });

  // The embedded database (the driver's own synchronous transaction) and a plain query builder (its transaction).
  for (const kind of ['embedded database', 'query builder'] as const) {
    it(`binds each call's values and writes all or nothing (${kind})`, async () => {
      const dir = await createTempDir();
      const driver = kind === 'embedded database' ? openSqlite(dir.path) : undefined;
      const db = driver ? (driver.db as unknown as Kysely<Pair>) : new Kysely<Pair>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
      try {
        await schema(db);
        const write = pairWrites(db, driver ? { db, directTransaction: driver.directTransaction } : { db });
        await write('a1', 1, 'b1');
        await write("x' or '1'='1", 2, 'b2');
        expect(await contents(db)).toEqual({ a: [{ id: 'a1', n: 1 }, { id: "x' or '1'='1", n: 2 }], b: [{ id: 'b1', a_id: 'a1' }, { id: 'b2', a_id: "x' or '1'='1" }] });
        // The second statement fails (b1 exists): the first one's row is rolled back with it.
        await expect(write('a3', 3, 'b1')).rejects.toThrow(/UNIQUE/);
        expect((await contents(db)).a.map((row) => row.id)).toEqual(['a1', "x' or '1'='1"]);
      } finally {
        await db.destroy();
        await dir.remove();
      }
    });
  }

  it('on the embedded database, never runs inside an open transaction: it waits for it (here one that rolls back)', async () => {
    const dir = await createTempDir();
    const driver = openSqlite(dir.path);
    const db = driver.db as unknown as Kysely<Pair>;
    try {
      await schema(db);
      const write = pairWrites(db, { db, directTransaction: driver.directTransaction });
      let during: Promise<void> | undefined;
      const rolledBack = db.transaction().execute(async (trx) => {
        await trx.insertInto('a').values({ id: 'tx', n: 0 }).execute();
        during = write('w1', 1, 'wb1');
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      });
      await expect(rolledBack).rejects.toThrow('roll back');
      await during;
      // The group was not part of the rolled-back transaction: its rows are there, the transaction's are not.
      expect(await contents(db)).toEqual({ a: [{ id: 'w1', n: 1 }], b: [{ id: 'wb1', a_id: 'w1' }] });
    } finally {
      await db.destroy();
      await dir.remove();
    }
  });
});
