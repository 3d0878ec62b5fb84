/**
 * The organisation's view of the append-only audit log (issue 25): events written with the organisation's id
 * (`audit_events.org_id`), read back by its owners and admins. Metadata only, as every audit event.
 */
import type { Kysely } from 'kysely';
import { type AuditEventRecord, auditRow } from './audit.ts';
import type { Database } from './schema.ts';

export interface OrgAuditRepository {
  append(orgId: string, event: AuditEventRecord): Promise<void>;
  /** The organisation's events, newest first, strictly before `before` (ms) when given, at most `limit`. */
  list(orgId: string, before: number | undefined, limit: number): Promise<AuditEventRecord[]>;
}

export function createOrgAuditRepository(db: Kysely<Database>): OrgAuditRepository {
  return {
    async append(orgId, event) {
      await db.insertInto('audit_events').values({ ...auditRow(event), org_id: orgId }).execute();
    },
    async list(orgId, before, limit) {
      let q = db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId);
      if (before !== undefined) q = q.where('at', '<', before);
      const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => ({
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
      }));
    },
  };
}
