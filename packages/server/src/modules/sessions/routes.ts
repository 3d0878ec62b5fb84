import {
  api,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { closeSession } from '../../lib/sessions.ts';
import { audit } from '../../audit/audit.ts';


export function sessionRoutes(app: App, ctx: Context): void {
  route(app, api.sessions.list, async (request) => {
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

  route(app, api.sessions.revoke, async (request) => {
    const auth = requireAuth(request);
    // Another user's session answers exactly like a missing one.
    if (!(await closeSession(ctx, auth.userId, request.params.id))) throw new WatchwordError('NOT_FOUND');
    await audit(ctx, request, { action: 'session.revoked', actorId: auth.userId, outcome: 'success', context: { session: request.params.id, current: request.params.id === auth.sessionId } });
    return { ok: true as const };
  });
}
