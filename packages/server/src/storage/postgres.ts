/** PostgreSQL dialect: a pg pool with its own type parsers (pg's global parsers are left untouched). */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.ts';

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  poolSize: number;
}

export function openPostgres(options: PostgresOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    types: { getTypeParser },
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener that would crash the
  // process. The broken client is discarded by pg and the next query reports the failure to its caller.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** bigint (timestamps, revisions, counts) as JS numbers, refusing any value that would lose precision. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError('bigint column value exceeds the safe integer range');
  return value;
}

const getTypeParser: pg.CustomTypesConfig['getTypeParser'] = (oid, format) =>
  oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format);
