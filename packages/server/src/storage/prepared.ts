import type { CompiledQuery, Kysely } from 'kysely';

/**
 * A query built once by the query builder and executed many times with new parameter values.
 * Building and compiling a Kysely query costs more than running it against SQLite on the hot read path
 * (docs/performance.md), so hot shapes are compiled once: the builder is called with unique marker strings, and
 * each execution binds the real values at the markers' parameter positions. SQL text still comes only from the
 * builder, and every value is still a bound parameter.
 */
/**
 * Runs a compiled statement straight on the driver — synchronously on the embedded database (storage/sqlite.ts), as
 * a named prepared statement on PostgreSQL (storage/postgres.ts) — or answers undefined when the query must take the
 * query builder's own path. SQL text and parameters are the builder's, unchanged. Mostly the hot reads; a write
 * answers its RETURNING rows, or none.
 */
export type DirectReader = (sql: string, parameters: readonly unknown[]) => unknown[] | Promise<unknown[]> | undefined;
const directReaders = new WeakMap<object, DirectReader>();

/** Lets the hot statements compiled on `db` (never a transaction's) run through `reader`. */
export function attachDirectReader(db: Kysely<any>, reader: DirectReader): void {
  directReaders.set(db, reader);
}

const MARKER = /^\u0000ww-param-(\d+)\u0000$/;
const marker = (index: number) => `\u0000ww-param-${index}\u0000`;

const markers = (arity: number) => Array.from({ length: arity }, (_, i) => marker(i));

/** For each parameter of a query compiled with markers: the argument it takes (-1: a constant of the shape). */
function markerSlots(compiled: CompiledQuery<unknown>): number[] {
  return compiled.parameters.map((p) => {
    const match = typeof p === 'string' ? MARKER.exec(p) : null;
    return match ? Number(match[1]) : -1;
  });
}

function bind(compiled: CompiledQuery<unknown>, slots: readonly number[], args: readonly unknown[]): unknown[] {
  return compiled.parameters.map((p, i) => {
    const slot = slots[i] as number;
    return slot >= 0 ? args[slot] : p;
  });
}

function assertEveryArgumentUsed(name: string, arity: number, slotLists: readonly (readonly number[])[]): void {
  const used = new Set(slotLists.flat().filter((s) => s >= 0));
  if (used.size !== arity) throw new Error(`${name}: every argument must appear as a parameter`);
}

export function preparedQuery<Row, Args extends readonly unknown[]>(
  db: Kysely<never> | Kysely<any>,
  arity: Args['length'],
  build: (...markers: string[]) => { compile(): CompiledQuery<Row> },
): (...args: Args) => Promise<Row[]> {
  const compiled = build(...markers(arity)).compile();
  const slots = markerSlots(compiled);
  assertEveryArgumentUsed('preparedQuery', arity, [slots]);
  const direct = directReaders.get(db);
  return async (...args: Args) => {
    const parameters = bind(compiled, slots, args);
    const rows = direct?.(compiled.sql, parameters);
    if (rows !== undefined) return rows as Row[] | Promise<Row[]>;
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}

/**
 * Runs several compiled writes as one transaction straight on the driver — synchronously, in one better-sqlite3
 * transaction on the embedded database (storage/sqlite.ts) — and answers true; or answers false when it cannot now
 * (a transaction of the query builder is open on the connection), and the writes take the query builder's path.
 */
export type DirectTransaction = (statements: readonly { readonly sql: string; readonly parameters: readonly unknown[] }[]) => boolean;
const directTransactions = new WeakMap<object, DirectTransaction>();

/** Lets the write groups compiled on `db` (preparedWrites) run through `run`. */
export function attachDirectTransaction(db: Kysely<any>, run: DirectTransaction): void {
  directTransactions.set(db, run);
}

/**
 * Writes built once by the query builder, as `preparedQuery` builds a read, and run together atomically: through
 * the driver's own transaction where one is attached (SQLite), otherwise in a query-builder transaction. A login's
 * writes on the embedded database (storage/sessions.ts): Kysely's transaction and compiling four queries per call
 * cost more CPU than the four statements themselves (docs/performance.md, sixth pass).
 */
export function preparedWrites<Args extends readonly unknown[]>(
  db: Kysely<any>,
  arity: Args['length'],
  build: (...markers: string[]) => readonly { compile(): CompiledQuery<unknown> }[],
): (...args: Args) => Promise<void> {
  const shapes = build(...markers(arity)).map((query) => {
    const compiled = query.compile();
    return { compiled, slots: markerSlots(compiled) };
  });
  assertEveryArgumentUsed('preparedWrites', arity, shapes.map((shape) => shape.slots));
  const direct = directTransactions.get(db);
  return async (...args: Args) => {
    const statements = shapes.map(({ compiled, slots }) => ({ ...compiled, parameters: bind(compiled, slots, args) }));
    if (direct?.(statements)) return;
    await db.transaction().execute(async (trx) => {
      for (const statement of statements) await trx.executeQuery(statement);
    });
  };
}
