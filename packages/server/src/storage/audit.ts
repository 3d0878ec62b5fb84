/** The append-only audit log: insert and read, never update; old events go only through `prune`, the retention job (security spec "Audit"). */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditEventsTable, Database } from './schema.ts';

export interface AuditEventRecord {
  id: string;
  at: number;
  actorId: string | null;
  action: string;
  targetId: string | null;
  ip: string;
  userAgent: string;
  outcome: 'success' | 'failure' | 'denied';
  requestId: string;
  context: Record<string, string | number | boolean | null>;
}

/** Admin audit query: every field optional; `since` inclusive, `until` exclusive (ms). */
export interface AuditQueryFilters {
  since?: number | undefined;
  until?: number | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  outcome?: AuditEventRecord['outcome'] | undefined;
}

/** The position of the last event of a page. */
export interface AuditCursor {
  at: number;
  id: string;
}

/** Append-only: there is no update here on purpose, and the only deletion is `prune` (the retention job). */
export interface AuditRepository {
  append(event: AuditEventRecord): Promise<void>;
  /** Events where the user is actor or target, newest first. */
  listForUser(userId: string, limit: number): Promise<AuditEventRecord[]>;
  /**
   * Events matching every given filter, newest first — ordered by (at, id) descending — strictly after `cursor` in
   * that order (keyset pagination: no duplicates or gaps between pages), at most `limit`.
   */
  query(filters: AuditQueryFilters, cursor: AuditCursor | undefined, limit: number): Promise<AuditEventRecord[]>;
  /**
   * The retention job (AUDIT_RETENTION_DAYS, see audit/retention.ts) and nothing else: deletes every event older than
   * `before` (ms, exclusive) and returns how many went.
   */
  prune(before: number): Promise<number>;
}

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

/** Inserts one event (in `db` or inside a caller's transaction); with `orgId`, as one of that organisation's events. */
export async function appendAuditEvent(db: Kysely<Database> | Transaction<Database>, e: AuditEventRecord, orgId?: string): Promise<void> {
  await db
    .insertInto('audit_events')
    .values(orgId === undefined ? auditRow(e) : { ...auditRow(e), org_id: orgId })
    .execute();
}

/** The filters of `queryAuditEvents`: the admin's, and the organisation an event belongs to (the organisation audit). */
export interface AuditScope extends AuditQueryFilters {
  orgId?: string | undefined;
}

/**
 * Events matching every given filter, newest first — ordered by (at, id) descending — strictly after `cursor` in that
 * order (keyset pagination: no duplicates or gaps between pages), at most `limit`.
 */
export async function queryAuditEvents(db: Kysely<Database>, filters: AuditScope, cursor: AuditCursor | undefined, limit: number): Promise<AuditEventRecord[]> {
  let q = db.selectFrom('audit_events').selectAll();
  if (filters.orgId !== undefined) q = q.where('org_id', '=', filters.orgId);
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
    query: (filters, cursor, limit) => queryAuditEvents(db, filters, cursor, limit),
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
