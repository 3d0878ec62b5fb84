/** Storage records → the organisation API's answers (nothing undeclared leaves: the answers are schema-serialised too). */
import type { Member, OrgAuditEvent } from '@watchword/protocol';
import type { MemberRecord } from '../../storage/orgs.ts';
import type { AuditEventRecord } from '../../storage/audit.ts';

export function toMember(m: MemberRecord): Member {
  return {
    id: m.id,
    userId: m.userId,
    email: m.email,
    role: m.role,
    state: m.state,
    keys: m.keys,
    invitedAt: m.invitedAt,
    acceptedAt: m.acceptedAt,
    confirmedAt: m.confirmedAt,
  };
}

/** Metadata only: the IP address and user agent stay in the server's audit log, not in what members read. */
export function toOrgAuditEvent(e: AuditEventRecord): OrgAuditEvent {
  return {
    id: e.id,
    at: e.at,
    action: e.action,
    actorId: e.actorId,
    targetId: e.targetId,
    outcome: e.outcome === 'success' ? 'success' : 'failure',
    metadata: e.context,
  };
}
