import { sendError } from '../../http/errors.ts';
import { bearerCheck } from '../../http/metrics.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';

/** `GET /metrics` on the API listener, only when METRICS_TOKEN is set; anything but the right token: 404. */
export function metricsRoutes(app: App, ctx: Context): void {
  if (ctx.config.metricsToken === undefined) return;
  const authorised = bearerCheck(ctx.config.metricsToken);
  app.get('/metrics', {
    // Public to the access system: the handler checks its own token (and answers 404, never 401, without it).
    config: { permission: 'public', rateLimit: 'none' },
    schema: { hide: true },
  }, async (request, reply) => {
    if (!authorised(request.headers.authorization)) return sendError(reply, request, 'NOT_FOUND');
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
