/** The append-only audit log: insert and read, never update or delete (security spec "Audit"). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { AuditEventRecord, AuditRepository } from './types.ts';

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async append(e) {
      await db
        .insertInto('audit_events')
        .values({
          id: e.id,
          at: e.at,
          actor_id: e.actorId,
          action: e.action,
          target_id: e.targetId,
          ip: e.ip,
          user_agent: e.userAgent,
          outcome: e.outcome,
          request_id: e.requestId,
          context: JSON.stringify(e.context),
        })
        .execute();
    },
    async listForUser(userId, limit) {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where((eb) => eb.or([eb('actor_id', '=', userId), eb('target_id', '=', userId)]))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(
        (r): AuditEventRecord => ({
          id: r.id,
          at: r.at,
          actorId: r.actor_id,
          action: r.action,
          targetId: r.target_id,
          ip: r.ip,
          userAgent: r.user_agent,
          outcome: r.outcome as AuditEventRecord['outcome'],
          requestId: r.request_id,
          context: JSON.parse(r.context) as AuditEventRecord['context'],
        }),
      );
    },
  };
}
