/**
 * What each database module (sqlite.ts, postgres.ts) hands the repositories: the query builder, and the dialect's
 * capabilities stated explicitly — how a hot statement runs straight on the driver, whether a group of writes can run
 * as one driver transaction, whether writes may appear in a WITH clause. Repositories branch on a capability, never on
 * the dialect's name.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Runs a compiled statement straight on the driver — synchronously on the embedded database, as a named prepared
 * statement on PostgreSQL — or answers undefined when the query must take the query builder's own path. SQL text and
 * parameters are the builder's, unchanged. Mostly the hot reads; a write answers its RETURNING rows, or none.
 */
export type DirectReader = (sql: string, parameters: readonly unknown[]) => unknown[] | Promise<unknown[]> | undefined;

/**
 * Runs several compiled writes as one transaction straight on the driver and answers true; or answers false when it
 * cannot now (a transaction of the query builder is open on the connection), and the writes take the query builder's
 * path.
 */
export type DirectTransaction = (statements: readonly { readonly sql: string; readonly parameters: readonly unknown[] }[]) => boolean;

export interface StorageDriver {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  /** The hot statements compiled on `db` (never a transaction's) run through it (storage/prepared.ts). */
  readonly direct: DirectReader;
  /** Write groups (preparedWrites) run through it where the driver has its own synchronous transactions. */
  readonly directTransaction: DirectTransaction | undefined;
  /** INSERT/UPDATE inside WITH (PostgreSQL's data-modifying CTEs): a login's writes as one atomic statement. */
  readonly dataModifyingCtes: boolean;
  /** The connection pool's counts, where there is a pool. */
  readonly poolStats: (() => PoolStats) | undefined;
}

export interface PoolStats {
  /** The pool's size: the most connections it opens. */
  readonly max: number;
  /** Open connections, busy or idle. */
  readonly total: number;
  readonly idle: number;
  /** Queries waiting for a free connection. */
  readonly waiting: number;
}
