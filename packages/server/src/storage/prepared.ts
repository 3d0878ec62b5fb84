import type { CompiledQuery, Kysely } from 'kysely';
import type { DirectReader, DirectTransaction } from './driver.ts';

/**
 * A query built once by the query builder and executed many times with new parameter values.
 * Building and compiling a Kysely query costs more than running it against SQLite on the hot read path
 * (docs/performance.md), so hot shapes are compiled once: the builder is called with unique marker strings, and
 * each execution binds the real values at the markers' parameter positions. SQL text still comes only from the
 * builder, and every value is still a bound parameter.
 */
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
  driver: { readonly db: Kysely<any>; readonly direct?: DirectReader | undefined },
  arity: Args['length'],
  build: (...markers: string[]) => { compile(): CompiledQuery<Row> },
): (...args: Args) => Promise<Row[]> {
  const compiled = build(...markers(arity)).compile();
  const slots = markerSlots(compiled);
  assertEveryArgumentUsed('preparedQuery', arity, [slots]);
  const { db, direct } = driver;
  return async (...args: Args) => {
    const parameters = bind(compiled, slots, args);
    const rows = direct?.(compiled.sql, parameters);
    if (rows !== undefined) return rows as Row[] | Promise<Row[]>;
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}

/**
 * Writes built once by the query builder, as `preparedQuery` builds a read, and run together atomically: through
 * the driver's own transaction where one is attached (SQLite), otherwise in a query-builder transaction. A login's
 * writes on the embedded database (storage/sessions.ts): Kysely's transaction and compiling four queries per call
 * cost more CPU than the four statements themselves (docs/performance.md).
 */
export function preparedWrites<Args extends readonly unknown[]>(
  driver: { readonly db: Kysely<any>; readonly directTransaction?: DirectTransaction | undefined },
  arity: Args['length'],
  build: (...markers: string[]) => readonly { compile(): CompiledQuery<unknown> }[],
): (...args: Args) => Promise<void> {
  const shapes = build(...markers(arity)).map((query) => {
    const compiled = query.compile();
    return { compiled, slots: markerSlots(compiled) };
  });
  assertEveryArgumentUsed('preparedWrites', arity, shapes.map((shape) => shape.slots));
  const { db, directTransaction: direct } = driver;
  return async (...args: Args) => {
    const statements = shapes.map(({ compiled, slots }) => ({ ...compiled, parameters: bind(compiled, slots, args) }));
    if (direct?.(statements)) return;
    await db.transaction().execute(async (trx) => {
      for (const statement of statements) await trx.executeQuery(statement);
    });
  };
}
