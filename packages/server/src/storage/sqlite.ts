/** SQLite dialect: one better-sqlite3 file `<dataDir>/watchword.db`, WAL, durable commits. */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from './schema.ts';

export const SQLITE_FILE_NAME = 'watchword.db';

export function openSqlite(dataDir: string): Kysely<Schema> {
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
  } catch (error) {
    database.close();
    throw error;
  }
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database }) });
}

/** Creates the database file 0600 if missing; SQLite gives the -wal and -shm files the same mode. */
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
