/** The append-only audit log: insert and read, never update; old events go only through `prune`, the retention job (security spec "Audit"). */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditEventsTable, Database } from './schema.ts';
import type { AuditEventRecord, AuditRepository } from './types.ts';

/** An event as its row. */
export const auditRow = (e: AuditEventRecord) => ({
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
});

/** Inserts one event (in `db` or inside a caller's transaction). */
export async function appendAuditEvent(db: Kysely<Database> | Transaction<Database>, e: AuditEventRecord): Promise<void> {
  await db.insertInto('audit_events').values(auditRow(e)).execute();
}

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async append(e) {
      await appendAuditEvent(db, e);
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
      return rows.map(toAuditEvent);
    },
    async query(filters, cursor, limit) {
      let q = db.selectFrom('audit_events').selectAll();
      if (filters.since !== undefined) q = q.where('at', '>=', filters.since);
      if (filters.until !== undefined) q = q.where('at', '<', filters.until);
      if (filters.action !== undefined) q = q.where('action', '=', filters.action);
      if (filters.actorId !== undefined) q = q.where('actor_id', '=', filters.actorId);
      if (filters.targetId !== undefined) q = q.where('target_id', '=', filters.targetId);
      if (filters.outcome !== undefined) q = q.where('outcome', '=', filters.outcome);
      // Keyset pagination on the (at, id) index: strictly after the last row of the previous page.
      if (cursor !== undefined) q = q.where((eb) => eb.or([eb('at', '<', cursor.at), eb.and([eb('at', '=', cursor.at), eb('id', '<', cursor.id)])]));
      const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toAuditEvent);
    },
    async prune(before) {
      const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toAuditEvent(r: Selectable<AuditEventsTable>): AuditEventRecord {
  return {
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
  };
}
