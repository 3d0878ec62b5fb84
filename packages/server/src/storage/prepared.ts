import type { CompiledQuery, Kysely } from 'kysely';

/**
 * A query built once by the query builder and executed many times with new parameter values.
 * Building and compiling a Kysely query costs more than running it against SQLite on the hot read path
 * (docs/performance.md), so hot shapes are compiled once: the builder is called with unique marker strings, and
 * each execution binds the real values at the markers' parameter positions. SQL text still comes only from the
 * builder, and every value is still a bound parameter.
 */
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
  return async (...args: Args) => {
    const parameters = compiled.parameters.map((p, i) => {
      const slot = slots[i] as number;
      return slot >= 0 ? args[slot] : p;
    });
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
