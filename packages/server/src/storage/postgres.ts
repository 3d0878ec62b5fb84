/** PostgreSQL dialect: a pg pool with its own type parsers (pg's global parsers are left untouched). */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { DirectReader, PoolStats, StorageDriver } from './driver.ts';
import type { Database } from './schema.ts';

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Longest wait for a connection: opening one, or a free one when all `poolSize` are busy (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout of every connection, ms (0 or unset: none). */
  statementTimeoutMs?: number;
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
    types: { getTypeParser },
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener that would crash the
  // process. The broken client is discarded by pg and the next query reports the failure to its caller.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
    return pool.query({ name, text, values: parameters as unknown[] }).then((result) => result.rows as unknown[]);
  };
}

/** bigint (timestamps, revisions, counts) as JS numbers, refusing any value that would lose precision. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError('bigint column value exceeds the safe integer range');
  return value;
}

const getTypeParser: pg.CustomTypesConfig['getTypeParser'] = (oid, format) =>
  oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format);
