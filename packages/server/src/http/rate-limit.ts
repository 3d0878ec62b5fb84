/**
 * Volume limits per endpoint class (security spec "API": rate limits on all endpoints, stricter for sensitive ones).
 * Every route declares `config.rateLimit`; a route without a class cannot be registered (deny by default, like
 * `config.permission`). Classes and default limits (per minute, README "Throttling"):
 * - `auth` (login, registration, refresh): RATE_LIMIT_AUTH_PER_MINUTE (20) per client IP, checked on request
 *   (before the body is parsed);
 * - `write` / `read`: RATE_LIMIT_WRITE_PER_MINUTE (120) / RATE_LIMIT_READ_PER_MINUTE (600) per user on
 *   authenticated routes (checked after authentication), per client IP on public ones;
 * - `none`: the health probes (constant work; load balancers poll them and must see the real state) and the web
 *   vault's content-hashed static files (served from memory; see modules/web/routes.ts).
 * Counters are a sliding-window estimate over two fixed one-minute windows in the shared StateStore (so they hold
 * across instances); the window comes from the injected clock. Every request counts, refused ones included.
 */
import type { FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import type { StateStore } from '../state/types.ts';
import { rateLimited } from './throttle.ts';
import type { App, Context, RateClass } from './types.ts';

const WINDOW_MS = 60_000;
const CLASSES: readonly RateClass[] = ['auth', 'write', 'read', 'none'];

/**
 * Counts one hit and answers whether it is within `limit` per window. The estimate weighs the previous window by
 * the share of it still inside the sliding window: cur + prev · (1 − elapsed / window). The current counter is
 * incremented before it is compared, so concurrent hits cannot exceed the limit.
 * @returns null when allowed, else milliseconds until a hit would be allowed again.
 */
export async function slidingWindowHit(state: StateStore, key: string, limit: number, now: number, windowMs = WINDOW_MS): Promise<number | null> {
  const w = Math.floor(now / windowMs);
  const elapsed = now - w * windowMs;
  const [current, previousRaw] = await Promise.all([state.increment(`${key}:${w}`, windowMs * 2), state.get(`${key}:${w - 1}`)]);
  const previous = Number(previousRaw ?? 0);
  if (current + (previous * (windowMs - elapsed)) / windowMs <= limit) return null;
  // A hint for Retry-After: when the next hit would fit, assuming no one else hits meanwhile.
  const next = current + 1;
  if (next <= limit && previous > 0) return Math.max(1, Math.ceil(windowMs - elapsed - ((limit - next) * windowMs) / previous));
  // The current window is full on its own: its end, plus the time its weight (as the previous window) takes to decay.
  return windowMs - elapsed + Math.max(0, Math.ceil(windowMs * (1 - (limit - 1) / current)));
}

export function registerRateLimits(app: App, ctx: Context): void {
  const limits: Record<Exclude<RateClass, 'none'>, number> = {
    auth: ctx.config.rateLimitAuthPerMinute,
    write: ctx.config.rateLimitWritePerMinute,
    read: ctx.config.rateLimitReadPerMinute,
  };
  const enforce = async (cls: Exclude<RateClass, 'none'>, subject: string) => {
    const wait = await slidingWindowHit(ctx.state, `rl:${cls}:${subject}`, limits[cls], ctx.now());
    if (wait !== null) throw rateLimited(wait);
  };

  app.addHook('onRoute', (route) => {
    const cls = route.config?.rateLimit;
    if (cls === undefined || !CLASSES.includes(cls)) {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare its rate-limit class (config.rateLimit)`);
    }
    if (cls === 'none' || ctx.config.rateLimits === 'off') return;
    if (route.config?.permission !== undefined && route.config.permission !== 'public' && cls !== 'auth') {
      // After authentication (which this hook's position does not matter for: it prepends itself).
      const perUser: preHandlerHookHandler = async (request: FastifyRequest) => enforce(cls, `u:${request.auth?.userId ?? request.ip}`);
      const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
      route.preHandler = [...existing, perUser];
    } else {
      const perIp: onRequestHookHandler = async (request: FastifyRequest) => enforce(cls, `ip:${request.ip}`);
      const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
      route.onRequest = [perIp, ...existing];
    }
  });
}
