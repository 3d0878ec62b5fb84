import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from './schema.ts';
import type { SessionRecord, SessionRepository } from './types.ts';

export function createSessionRepository(db: Kysely<Database>): SessionRepository {
  return {
    async create(session) {
      await db
        .insertInto('sessions')
        .values({
          id: session.id,
          user_id: session.userId,
          refresh_hash: session.refreshHash,
          previous_refresh_hash: null,
          device_name: session.deviceName,
          ip: session.ip,
          user_agent: session.userAgent,
          created_at: session.createdAt,
          last_used_at: session.createdAt,
          expires_at: session.expiresAt,
          revoked_at: null,
        })
        .execute();
    },

    async findById(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toSession(row);
    },

    async rotate(presentedHash, newHash, now) {
      // One conditional UPDATE: of two concurrent rotations with the same token exactly one wins.
      const rotated = await db
        .updateTable('sessions')
        .set({ refresh_hash: newHash, previous_refresh_hash: presentedHash, last_used_at: now })
        .where('refresh_hash', '=', presentedHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      if (rotated !== undefined) return { status: 'rotated', session: toSession(rotated) };
      const reused = await db
        .selectFrom('sessions')
        .selectAll()
        .where('previous_refresh_hash', '=', presentedHash)
        .executeTakeFirst();
      if (reused !== undefined) return { status: 'reused', session: toSession(reused) };
      return { status: 'invalid' };
    },

    async listForUser(userId) {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toSession);
    },

    async revoke(userId, id, now) {
      const updated = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (updated !== undefined) return true;
      const already = await db
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is not', null)
        .executeTakeFirst();
      return already !== undefined;
    },

    async revokeAllForUser(userId, now) {
      const rows = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },
  };
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    refreshHash: row.refresh_hash,
    previousRefreshHash: row.previous_refresh_hash,
    deviceName: row.device_name,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}
