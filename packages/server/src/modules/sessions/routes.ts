import { ErrorResponse, ListSessionsResponse, OkResponse, SessionParams, WatchwordError } from '@watchword/protocol';
import { requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { closeSession } from '../../lib/sessions.ts';
import { audit } from '../../audit/audit.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };
const security = [{ bearer: [] }];

export function sessionRoutes(app: App, ctx: Context): void {
  app.get('/api/v1/sessions', {
    config: { permission: 'account:self', rateLimit: 'read' },
    schema: { tags: ['sessions'], security, response: { 200: ListSessionsResponse, ...errors } },
  }, async (request) => {
    const auth = requireAuth(request);
    const now = ctx.now();
    const idleMs = ctx.config.refreshIdleTimeoutSeconds * 1000;
    const sessions = (await ctx.storage.sessions.listForUser(auth.userId))
      .filter((s) => s.revokedAt === null && s.expiresAt > now && s.lastUsedAt + idleMs > now)
      .map((s) => ({
        id: s.id,
        deviceName: s.deviceName,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        expiresAt: Math.min(s.expiresAt, s.lastUsedAt + idleMs),
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.id === auth.sessionId,
        dpopBound: s.dpopJkt !== null,
        secondFactor: s.secondFactor,
      }));
    return { sessions };
  });

  app.delete('/api/v1/sessions/:id', {
    config: { permission: 'account:self', rateLimit: 'write' },
    schema: { tags: ['sessions'], security, params: SessionParams, response: { 200: OkResponse, ...errors } },
  }, async (request) => {
    const auth = requireAuth(request);
    // Another user's session answers exactly like a missing one.
    if (!(await closeSession(ctx, auth.userId, request.params.id))) throw new WatchwordError('NOT_FOUND');
    await audit(ctx, request, { action: 'session.revoked', actorId: auth.userId, outcome: 'success', context: { session: request.params.id, current: request.params.id === auth.sessionId } });
    return { ok: true as const };
  });
}
