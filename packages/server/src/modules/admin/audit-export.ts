/** The whole matching audit log as JSON Lines or CSV, streamed page by page. */
import { Readable } from 'node:stream';
import { api } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { audit } from '../../audit/audit.ts';
import { requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import type { AuditCursor, AuditEventRecord, AuditQueryFilters } from '../../storage/audit.ts';
import type { AdminGuard } from './guard.ts';
import { auditFilters, toAuditEvent } from './audit.ts';

/** The export reads the log in pages of this many rows and streams each out: never the whole log in memory. */
export const AUDIT_EXPORT_PAGE = 1000;

const CSV_COLUMNS = ['id', 'at', 'time', 'actor_id', 'action', 'target_id', 'ip', 'user_agent', 'outcome', 'request_id', 'context'];

/**
 * One CSV field (RFC 4180 §2): quoted when it holds a comma, a quote or a line break, quotes doubled. A cell that a
 * spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return) gets a leading single
 * quote first (OWASP "CSV Injection"): user agents and contexts are attacker-controlled text.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvLine = (cells: string[]) => `${cells.map(csvField).join(',')}\r\n`;

function csvRow(e: AuditEventRecord): string {
  return csvLine([e.id, String(e.at), new Date(e.at).toISOString(), e.actorId ?? '', e.action, e.targetId ?? '', e.ip, e.userAgent, e.outcome, e.requestId, JSON.stringify(e.context)]);
}

/** Every matching event, newest first, one page of the log at a time (each page one chunk). */
async function* exportChunks(ctx: Context, filters: AuditQueryFilters, format: 'jsonl' | 'csv'): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine(CSV_COLUMNS);
  let cursor: AuditCursor | undefined;
  for (;;) {
    const page = await ctx.storage.audit.query(filters, cursor, AUDIT_EXPORT_PAGE);
    if (page.length > 0) yield page.map((e) => (format === 'csv' ? csvRow(e) : `${JSON.stringify(toAuditEvent(e))}\n`)).join('');
    const last = page.at(-1);
    if (page.length < AUDIT_EXPORT_PAGE || !last) return;
    cursor = { at: last.at, id: last.id };
  }
}

export function auditExportRoutes(app: App, ctx: Context, guard: AdminGuard): void {
  const { auditPermissionRefusal } = guard;

  /** The whole matching log as JSON Lines or CSV, streamed page by page (newest first). */
  route(app, api.admin.auditExport, {
    onError: auditPermissionRefusal('admin.audit_exported'),
  }, async (request, reply) => {
    const { userId } = requireAuth(request);
    const { format, ...raw } = request.query;
    const filters = auditFilters(raw);
    const context: Record<string, string | number | boolean | null> = { format };
    for (const [key, value] of Object.entries(filters)) if (value !== undefined) context[key] = value;
    await audit(ctx, request, { action: 'admin.audit_exported', actorId: userId, targetId: null, outcome: 'success', context });
    const stamp = new Date(ctx.now()).toISOString().replace(/[:.]/g, '-');
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="watchword-audit-${stamp}.${format}"`)
      // A stream is sent as it is (never serialized): the 200 schema only documents the body.
      .send(Readable.from(exportChunks(ctx, filters, format)) as unknown as string);
  });
}
