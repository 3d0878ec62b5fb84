/** The audit log, queried page by page (keyset pagination, newest first). */
import {
  api,
  fromBase64Url,
  MAX_AUDIT_PAGE,
  toBase64Url,
  utf8,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { audit } from '../../audit/audit.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import type { AuditCursor, AuditEventRecord, AuditQueryFilters } from '../../storage/audit.ts';
import type { AdminGuard } from './guard.ts';
import { UUID_RE, invalidCursor } from './views.ts';

const DEFAULT_AUDIT_PAGE = 100;

const encodeAuditCursor = (e: Pick<AuditEventRecord, 'at' | 'id'>) => toBase64Url(utf8(`${e.at}:${e.id}`));

function decodeAuditCursor(cursor: string): AuditCursor {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(cursor));
  } catch {
    throw invalidCursor();
  }
  const match = /^(0|[1-9][0-9]{0,15}):([0-9a-f-]{36})$/.exec(text);
  if (!match?.[1] || !match[2] || !UUID_RE.test(match[2])) throw invalidCursor();
  return { at: Number(match[1]), id: match[2] };
}

export function auditFilters(q: { since?: string; until?: string; action?: string; actorId?: string; targetId?: string; outcome?: AuditEventRecord['outcome'] }): AuditQueryFilters {
  return {
    since: q.since === undefined ? undefined : Number(q.since),
    until: q.until === undefined ? undefined : Number(q.until),
    action: q.action,
    actorId: q.actorId,
    targetId: q.targetId,
    outcome: q.outcome,
  };
}

// -------------------------------------------------------------------------------------------------------- export

export const toAuditEvent = (e: AuditEventRecord) => ({
  id: e.id,
  at: e.at,
  actorId: e.actorId,
  action: e.action,
  targetId: e.targetId,
  ip: e.ip,
  userAgent: e.userAgent,
  outcome: e.outcome,
  requestId: e.requestId,
  context: e.context,
});

export function auditRoutes(app: App, ctx: Context, guard: AdminGuard): void {
  const { auditPermissionRefusal } = guard;

  route(app, api.admin.audit, {
    onError: auditPermissionRefusal('admin.read_refused'),
  }, async (request) => {
    const { cursor, limit, ...filters } = request.query;
    const size = Math.min(limit === undefined ? DEFAULT_AUDIT_PAGE : Number(limit), MAX_AUDIT_PAGE);
    const found = await ctx.storage.audit.query(auditFilters(filters), cursor === undefined ? undefined : decodeAuditCursor(cursor), size + 1);
    const page = found.slice(0, size);
    const last = page.at(-1);
    return { events: page.map(toAuditEvent), nextCursor: found.length > size && last ? encodeAuditCursor(last) : null };
  });
}
