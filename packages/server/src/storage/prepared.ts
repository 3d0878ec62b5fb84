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

export function preparedQuery<Row, Args extends readonly unknown[]>(
  db: Kysely<never> | Kysely<any>,
  arity: Args['length'],
  build: (...markers: string[]) => { compile(): CompiledQuery<Row> },
): (...args: Args) => Promise<Row[]> {
  const compiled = build(...Array.from({ length: arity }, (_, i) => marker(i))).compile();
  const slots = compiled.parameters.map((p) => {
    const match = typeof p === 'string' ? MARKER.exec(p) : null;
    return match ? Number(match[1]) : -1;
  });
  const used = new Set(slots.filter((s) => s >= 0));
  if (used.size !== arity) throw new Error('preparedQuery: every argument must appear as a parameter');
  const direct = directReaders.get(db);
  return async (...args: Args) => {
    const parameters = compiled.parameters.map((p, i) => {
      const slot = slots[i] as number;
      return slot >= 0 ? args[slot] : p;
    });
    const rows = direct?.(compiled.sql, parameters);
    if (rows !== undefined) return rows as Row[] | Promise<Row[]>;
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
