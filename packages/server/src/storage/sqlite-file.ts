/**
 * The embedded database's file name inside DATA_DIR: storage/sqlite.ts opens it, and the host CLI checks that it
 * exists. On its own so that neither the CLI nor a server on PostgreSQL loads better-sqlite3 to learn it.
 */
export const SQLITE_FILE_NAME = 'watchword.db';
