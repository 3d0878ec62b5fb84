/** SQLite dialect: one better-sqlite3 file `<dataDir>/watchword.db`, WAL, durable commits. */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { DirectReader, DirectTransaction, StorageDriver } from './driver.ts';
import type { Database as Schema } from './schema.ts';
import { SQLITE_FILE_NAME } from './sqlite-file.ts';

/** The page cache of the connection, KiB (a negative cache_size is KiB: https://www.sqlite.org/pragma.html#pragma_cache_size). */
export const SQLITE_CACHE_KIB = 2048;

export function openSqlite(dataDir: string): StorageDriver {
  // Only the server's user may read the vault data directory (no-op when it exists already).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SQLITE_FILE_NAME);
  createPrivateFile(file);

  const database = new Database(file);
  try {
    database.pragma('journal_mode = WAL');
    // FULL: a commit survives power loss, not only a process crash.
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    // SQLite's own default page cache, 2 MiB, rather than better-sqlite3's 16 MiB: a full sync of a large vault filled
    // all 16 (~14 MB more RSS for the life of the process) for no gain the sync benchmark could see — the pages come
    // from the OS's file cache instead (docs/performance.md "Server memory").
    database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  } catch (error) {
    database.close();
    throw error;
  }
  const cached = withStatementCache(database);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: cached }) });
  return {
    dialect: 'sqlite',
    db,
    direct: directReader(database, cached),
    directTransaction: directTransaction(database, cached),
    // SQLite has no data-modifying CTEs; a login's writes are a write group instead.
    dataModifyingCtes: false,
    poolStats: undefined,
  };
}

/** How many distinct SQL texts keep a prepared statement (the server issues a few dozen shapes). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query afresh; preparing was the largest single cost of an item read in the
 * profile (docs/performance.md). The SQL text of a query shape never changes (values are bound parameters), so
 * statements are cached by text. better-sqlite3 runs synchronously, so a cached statement is never in use twice at
 * once — except while an `iterate()` is open, which is why a busy statement is never handed out again.
 * Kysely needs only `prepare` and `close` of the database (its SqliteDatabase interface).
 */
export function withStatementCache(database: Database.Database): SqliteDatabase & { prepare(source: string): Database.Statement } {
  const cache = new Map<string, Database.Statement>();
  const rollback = guardedRollback(database);
  return {
    prepare(source: string) {
      if (source === 'rollback') return rollback;
      const cached = cache.get(source);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(source);
      if (!cached) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(source, statement);
      }
      return statement;
    },
    close() {
      database.close();
    },
  };
}

/**
 * Kysely's ROLLBACK after a failed statement in a transaction. On some errors (SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_BUSY, SQLITE_NOMEM) SQLite has already rolled the transaction back itself
 * (https://www.sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction"); a second ROLLBACK then
 * fails with "cannot rollback - no transaction is active", and Kysely throws that instead of the error that
 * caused it, so a full disk looked like a programming error. The rollback runs only while a transaction is open.
 */
function guardedRollback(database: Database.Database): Database.Statement {
  const statement = database.prepare('rollback');
  const noChange: Database.RunResult = { changes: 0, lastInsertRowid: 0 };
  return new Proxy(statement, {
    get(target, property) {
      if (property === 'run') return () => (database.inTransaction ? target.run() : noChange);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Hot statements (storage/prepared.ts) run at once on the connection, synchronously, instead of queueing for Kysely's connection lock (a chain
 * of promises per query; docs/performance.md). Safe only when no transaction is open on the connection: the read
 * then runs in autocommit mode, as if it had been queued first (better-sqlite3 is synchronous, so nothing runs
 * during it). While a transaction is open — between its BEGIN and COMMIT other queries wait for the lock — the
 * reader answers undefined and the query takes Kysely's path, so it never sees uncommitted rows.
 */
function directReader(database: Database.Database, cached: ReturnType<typeof withStatementCache>): DirectReader {
  return (source, parameters) => {
    if (database.inTransaction) return undefined;
    const statement = cached.prepare(source);
    // A statement that returns no rows (a write without RETURNING) is run; better-sqlite3 refuses `all` on it.
    if (statement.reader) return statement.all(parameters);
    statement.run(parameters);
    return [];
  };
}

/**
 * Write groups (storage/prepared.ts `preparedWrites`) run as one better-sqlite3 transaction: BEGIN, the statements,
 * COMMIT, synchronously, so nothing else runs in between; a statement that throws rolls the whole group back and the
 * error goes to the caller. As for reads, never while a query-builder transaction is open on the connection: then
 * the group answers false and takes the query builder's path, queued behind that transaction.
 */
function directTransaction(database: Database.Database, cached: ReturnType<typeof withStatementCache>): DirectTransaction {
  const runAll = database.transaction((statements: Parameters<DirectTransaction>[0]) => {
    for (const { sql, parameters } of statements) cached.prepare(sql).run(parameters);
  });
  return (statements) => {
    if (database.inTransaction) return false;
    runAll(statements);
    return true;
  };
}

/** Creates the database file 0600 if missing; SQLite gives the -wal and -shm files the same mode. */
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
