import { type RawBuilder, sql } from 'kysely';

/**
 * A text value bound as `cast(? as text)` instead of a bare parameter. SQLite (built with STAT4, as better-sqlite3
 * is) marks a statement whose plan may depend on a bare parameter's value — here an id that also bounds an index
 * through a join — and re-plans, re-parses, it whenever a value is bound there again: with better-sqlite3, which binds
 * on every call, every execution; that cost several times the query itself (docs/performance.md "Shared vaults").
 * Behind the cast the planner does not read the value, and the plan is the same. Ids are text columns on both
 * dialects, so the cast changes nothing on PostgreSQL.
 */
export const textParameter = (value: string): RawBuilder<string> => sql<string>`cast(${value} as text)`;

/** An integer bound as `cast(? as integer)`, for the same reason (a `LIMIT` bound bare was re-planned the same way). */
export const integerParameter = (value: number): RawBuilder<number> => sql<number>`cast(${value} as integer)`;
