/** PostgreSQL dialect: a pg pool with its own type parsers (pg's global parsers are left untouched). */
import pg from 'pg';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { WatchwordError } from '@watchword/protocol';
import type { DirectReader, PoolStats, StorageDriver } from './driver.ts';
import { isStorageUnavailable } from './errors.ts';
import type { Database } from './schema.ts';

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Longest wait for a connection: opening one, or a free one when all `poolSize` are busy (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout of every connection, ms (0 or unset: none). */
  statementTimeoutMs?: number;
  /**
   * Client-side bound on every query, ms (0 or unset: none): the query fails with STORAGE_UNAVAILABLE and its
   * connection is discarded when the server has not answered by then. Unlike statement_timeout it holds when the
   * server itself is stalled (frozen, swapping, a network path that drops packets).
   */
  queryTimeoutMs?: number;
  /** Recycling: a connection this old is closed once it is free and replaced on demand, seconds (0 or unset: never). */
  maxLifetimeSeconds?: number;
}

/** The Kysely instance on a pool, with the pool's current counts (for the metrics). */
export function openPostgresPool(options: PostgresOptions): StorageDriver & { poolStats(): PoolStats } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 0,
    // Sent as a start-up parameter: the server cancels any statement running longer (error 57014).
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    types: { getTypeParser },
  });
  // A connection that fails emits 'error' on its client, and an unhandled 'error' event ends the process. pg-pool
  // listens on idle clients only (and re-emits on the pool): a client checked out between two statements of a
  // transaction had no listener, so a server dying then took the whole process down. Every client gets one for its
  // whole life; the failure reaches the caller through its next query, which the client refuses.
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: availabilityGuard(pool) }) });
  return {
    dialect: 'postgres',
    db,
    direct: namedStatements(pool),
    // pg has no synchronous transactions: write groups run in a query-builder transaction.
    directTransaction: undefined,
    dataModifyingCtes: true,
    poolStats: () => ({ max: options.poolSize, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/**
 * The hot statements (storage/prepared.ts: the hot reads, and a login's one-statement write) as named prepared
 * statements: each connection parses and plans one the first time it runs it and then only binds and executes, where
 * Kysely's driver sends every query unnamed (parsed and planned on every request). One name per SQL text; the text is the query builder's and every value is bound.
 * A statement on `db` takes any free pooled connection, as Kysely's own path does; statements inside a transaction
 * go through the transaction's instance and never come here.
 */
export function namedStatements(pool: pg.Pool): DirectReader {
  const names = new Map<string, string>();
  return (text, parameters) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `ww_hot_${names.size}`;
      names.set(text, name);
    }
    // pool.query releases a client whose query failed with the error, which discards it.
    return pool.query({ name, text, values: parameters as unknown[] }).then(
      (result) => result.rows as unknown[],
      (error: unknown) => {
        throw asUnavailable(error);
      },
    );
  };
}

/**
 * The pool as Kysely sees it, turning outages into STORAGE_UNAVAILABLE (503) at the driver boundary, where a lost
 * connection can still be told from a bad statement: pg reports a dead socket, a read timeout or a refused
 * connection as plain Errors without a code. A client whose query failed that way is discarded when released
 * (Kysely would return it to the pool) and refuses further queries at once, so the transaction's ROLLBACK fails
 * fast instead of queueing behind a query that will never be answered.
 */
function availabilityGuard(pool: pg.Pool): PostgresPool {
  return {
    options: pool.options,
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        // Refused, timed out, authentication or start-up failures: none is the request's fault.
        throw new WatchwordError('STORAGE_UNAVAILABLE', { cause: error });
      }
      let failure: unknown;
      const guarded = {
        async query(text: string, parameters: readonly unknown[]) {
          if (failure !== undefined) throw new WatchwordError('STORAGE_UNAVAILABLE', { cause: failure });
          try {
            return await client.query(text, parameters as unknown[]);
          } catch (error) {
            const outage = asUnavailable(error);
            if (outage !== error) failure = error;
            throw outage;
          }
        },
        release(destroy?: boolean) {
          client.release(destroy === true || failure !== undefined);
        },
      };
      return guarded as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/** A driver error that means the database is unreachable or stalled, as WatchwordError('STORAGE_UNAVAILABLE'); anything else as is. */
function asUnavailable(error: unknown): unknown {
  if (error instanceof WatchwordError) return error;
  return isStorageUnavailable(error) || isTransportFailure(error) ? new WatchwordError('STORAGE_UNAVAILABLE', { cause: error }) : error;
}

/**
 * pg's own connection failures ("Connection terminated unexpectedly", "Query read timeout", "Client has encountered a
 * connection error and is not queryable") are plain Errors: neither a server error (DatabaseError, with a SQLSTATE)
 * nor a programming error (TypeError, RangeError from a type parser).
 */
function isTransportFailure(error: unknown): boolean {
  return error instanceof Error && error.constructor === Error && !(error instanceof pg.DatabaseError);
}

/** bigint (timestamps, revisions, counts) as JS numbers, refusing any value that would lose precision. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError('bigint column value exceeds the safe integer range');
  return value;
}

const getTypeParser: pg.CustomTypesConfig['getTypeParser'] = (oid, format) =>
  oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format);
