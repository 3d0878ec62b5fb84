/**
 * Volume limits per endpoint class (security spec "API": rate limits on all endpoints, stricter for sensitive ones).
 * Every route declares `config.rateLimit`; a route without a class cannot be registered (deny by default, like
 * `config.permission`). Classes and default limits (per minute, README "Throttling"):
 * - `auth` (login, registration, refresh): RATE_LIMIT_AUTH_PER_MINUTE (20) per client IP, checked on request
 *   (before the body is parsed);
 * - `write` / `read`: RATE_LIMIT_WRITE_PER_MINUTE (120) / RATE_LIMIT_READ_PER_MINUTE (600) per user on
 *   authenticated routes (counted by the authentication hook once the token verifies, in the same state operation
 *   as its revocation check: `userLimit` below), per client IP on public ones;
 * - `none`: the health probes (constant work; load balancers poll them and must see the real state) and the web
 *   vault's content-hashed static files (served from memory; see modules/web/routes.ts).
 * Counters are a sliding-window estimate over two fixed one-minute windows in the shared StateStore (so they hold
 * across instances); the window comes from the injected clock. Every request counts, refused ones included, except
 * where the user is not yet known to be the caller: on authenticated routes nothing is counted for a token that does
 * not verify, a DPoP-bound token without its proof, or a revoked session.
 */
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { StateStore } from '../state/types.ts';
import { rateLimited } from '../lib/throttle.ts';
import type { App, RateClass } from './types.ts';
import type { Context } from '../context.ts';
import { OperatorError } from '../operator-errors.ts';

const WINDOW_MS = 60_000;
const CLASSES: readonly RateClass[] = ['auth', 'write', 'read', 'none'];

/**
 * Counts one hit and answers whether it is within `limit` per window. The estimate weighs the previous window by
 * the share of it still inside the sliding window: cur + prev · (1 − elapsed / window). The current counter is
 * incremented before it is compared, so concurrent hits cannot exceed the limit.
 * Returns null when allowed, else milliseconds until a hit would be allowed again.
 */
export async function slidingWindowHit(state: StateStore, key: string, limit: number, now: number, windowMs = WINDOW_MS): Promise<number | null> {
  const window = windowOf(key, now, windowMs);
  const { count, values } = await state.incrementAndRead(window.current, windowMs * 2, [window.previous]);
  return windowWait(count, Number(values[0] ?? 0), limit, window.elapsed, windowMs);
}

/**
 * `slidingWindowHit`, unless `guardKey` holds a value: then nothing is counted and that value comes back as `guard`
 * (one state operation, one round trip on Redis).
 */
export async function slidingWindowHitUnless(
  state: StateStore,
  guardKey: string,
  key: string,
  limit: number,
  now: number,
  windowMs = WINDOW_MS,
  alsoRead?: string,
): Promise<GuardedHit> {
  const window = windowOf(key, now, windowMs);
  const readKeys = alsoRead === undefined ? [window.previous] : [window.previous, alsoRead];
  const hit = await state.incrementAndReadUnless(guardKey, window.current, windowMs * 2, readKeys);
  if (hit.guard !== null) return { guard: hit.guard };
  return { guard: null, wait: windowWait(hit.count, Number(hit.values[0] ?? 0), limit, window.elapsed, windowMs), marker: hit.values[1] ?? null };
}

/** A guarded hit: refused by its guard (nothing counted), or counted, with the wait and the value of `alsoRead`. */
export type GuardedHit = { guard: string } | { guard: null; wait: number | null; marker: string | null };

/** The counter keys of the fixed window `now` falls in and of the one before it, and how far into it `now` is. */
function windowOf(key: string, now: number, windowMs: number): { current: string; previous: string; elapsed: number } {
  const w = Math.floor(now / windowMs);
  return { current: `${key}:${w}`, previous: `${key}:${w - 1}`, elapsed: now - w * windowMs };
}

function windowWait(current: number, previous: number, limit: number, elapsed: number, windowMs: number): number | null {
  if (current + (previous * (windowMs - elapsed)) / windowMs <= limit) return null;
  // A hint for Retry-After: when the next hit would fit, assuming no one else hits meanwhile.
  const next = current + 1;
  if (next <= limit && previous > 0) return Math.max(1, Math.ceil(windowMs - elapsed - ((limit - next) * windowMs) / previous));
  // The current window is full on its own: its end, plus the time its weight (as the previous window) takes to decay.
  return windowMs - elapsed + Math.max(0, Math.ceil(windowMs * (1 - (limit - 1) / current)));
}

/**
 * A route's per-user volume limit: counts one hit for `userId` unless `guardKey` (the session's revocation) holds a
 * value, in one state operation: a request of a revoked session is refused without being counted. `alsoRead` is
 * read in the same operation (the denylist's marker) and comes back as `marker`.
 */
export type UserLimit = (userId: string, guardKey: string, alsoRead?: string) => Promise<GuardedHit>;

/** Whether a route's class is counted per user (authenticated, not `auth`, limits on) rather than per IP or not at all. */
function limitedPerUser(ctx: Context, cls: RateClass | undefined, permission: string | undefined): cls is 'read' | 'write' {
  return (cls === 'read' || cls === 'write') && permission !== undefined && permission !== 'public' && ctx.config.rateLimits !== 'off';
}

/**
 * The per-user limit of an authenticated route, for the authentication hook (http/authenticate.ts) to apply: it
 * knows the user only after the token verifies, and checks the session's revocation in the same operation.
 * Undefined when the route is not limited per user.
 */
export function userLimit(ctx: Context, cls: RateClass | undefined, permission: string | undefined): UserLimit | undefined {
  if (!limitedPerUser(ctx, cls, permission)) return undefined;
  const limit = perMinute(ctx, cls);
  const prefix = `rl:${cls}:u:`;
  return (userId, guardKey, alsoRead) => slidingWindowHitUnless(ctx.state, guardKey, prefix + userId, limit, ctx.now(), WINDOW_MS, alsoRead);
}

function perMinute(ctx: Context, cls: Exclude<RateClass, 'none'>): number {
  if (cls === 'auth') return ctx.config.rateLimitAuthPerMinute;
  return cls === 'write' ? ctx.config.rateLimitWritePerMinute : ctx.config.rateLimitReadPerMinute;
}

export function registerRateLimits(app: App, ctx: Context): void {
  const enforce = async (cls: Exclude<RateClass, 'none'>, subject: string) => {
    const wait = await slidingWindowHit(ctx.state, `rl:${cls}:${subject}`, perMinute(ctx, cls), ctx.now());
    if (wait !== null) throw rateLimited(wait);
  };

  app.addHook('onRoute', (route) => {
    const cls = route.config?.rateLimit;
    if (cls === undefined || !CLASSES.includes(cls)) {
      throw new OperatorError('WW_ROUTE_UNDECLARED', `route ${String(route.method)} ${route.url} does not declare its rate-limit class (config.rateLimit)`);
    }
    // Per-user classes are the authentication hook's (userLimit above).
    if (cls === 'none' || ctx.config.rateLimits === 'off' || limitedPerUser(ctx, cls, route.config?.permission)) return;
    const perIp: onRequestHookHandler = async (request: FastifyRequest) => enforce(cls, `ip:${request.ip}`);
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [perIp, ...existing];
  });
}
