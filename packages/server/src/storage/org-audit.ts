/**
 * The organisation's view of the append-only audit log (issue 25): events written with the organisation's id
 * (`audit_events.org_id`), read back by its owners and admins. Metadata only, as every audit event.
 */
import type { Kysely } from 'kysely';
import { type AuditEventRecord, appendAuditEvent, queryAuditEvents } from './audit.ts';
import type { Database } from './schema.ts';

export interface OrgAuditRepository {
  append(orgId: string, event: AuditEventRecord): Promise<void>;
  /** The organisation's events, newest first, strictly before `before` (ms) when given, at most `limit`. */
  list(orgId: string, before: number | undefined, limit: number): Promise<AuditEventRecord[]>;
}

/** The audit log's writer and query, scoped to one organisation. */
export function createOrgAuditRepository(db: Kysely<Database>): OrgAuditRepository {
  return {
    append: (orgId, event) => appendAuditEvent(db, event, orgId),
    list: (orgId, before, limit) => queryAuditEvents(db, { orgId, until: before }, undefined, limit),
  };
}
