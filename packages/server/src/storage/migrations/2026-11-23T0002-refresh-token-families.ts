/**
 * Refresh-token families. Operational reason: the first schema kept only the current and previous refresh-token
 * hash on the session row, so a token two or more rotations old was merely "unknown" and its replay could not be
 * detected as theft. Every token of a family is now kept (hashed) with the time it was rotated, and the successor
 * is kept sealed under a key only its predecessor yields, so a concurrent duplicate inside the grace window gets
 * the same successor (never a second branch). Sessions also record the DPoP key they are bound to.
 * Append-only: never edit this file once shipped.
 */
import type { Kysely } from 'kysely';

interface Before {
  sessions: { id: string; refresh_hash: string; created_at: number };
  refresh_tokens: { hash: string; session_id: string; created_at: number };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('refresh_tokens')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .addColumn('successor_hash', 'text')
    .addColumn('successor_sealed', 'text')
    .execute();
  // Revoking or expiring a session touches all of its tokens.
  await db.schema.createIndex('refresh_tokens_session_id_idx').on('refresh_tokens').column('session_id').execute();

  // Carry the current token of every existing session over (previous hashes cannot be recovered as families).
  const typed = db as unknown as Kysely<Before>;
  await typed
    .insertInto('refresh_tokens')
    .columns(['hash', 'session_id', 'created_at'])
    .expression((eb) => eb.selectFrom('sessions').select(['refresh_hash', 'id', 'created_at']))
    .execute();

  await db.schema.dropIndex('sessions_refresh_hash_uq').execute();
  await db.schema.dropIndex('sessions_previous_refresh_hash_idx').execute();
  await db.schema.alterTable('sessions').dropColumn('refresh_hash').execute();
  await db.schema.alterTable('sessions').dropColumn('previous_refresh_hash').execute();
  await db.schema.alterTable('sessions').addColumn('dpop_jkt', 'text').execute();
  // The denylist is rebuilt at start-up from recently revoked sessions.
  await db.schema.createIndex('sessions_revoked_at_idx').on('sessions').column('revoked_at').execute();
}
