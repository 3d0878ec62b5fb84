import type { FastifyRequest } from 'fastify';
import { WatchwordError, isPermission, isScopedPermission } from '@watchword/protocol';
import { resolveScope } from '../rbac/scope.ts';
import { requirePermission, requireSecondFactorSession } from '../rbac/permissions.ts';
import { userLimit } from './rate-limit.ts';
import { rateLimited } from '../lib/throttle.ts';
import { verifyAccessToken } from '../tokens/access-token.ts';
import { DENYLIST_PRIMED_KEY, denylistPrimer, revokedSessionKey } from '../tokens/denylist.ts';
import { VerifiedTokenCache } from '../tokens/verified-cache.ts';
import type { App, RateClass, RoutePermission } from './types.ts';
import type { Context } from '../context.ts';
import { OperatorError } from '../operator-errors.ts';

export { revokedSessionKey };

type Scheme = 'Bearer' | 'DPoP';
const CREDENTIALS = /^(Bearer|DPoP) ([A-Za-z0-9_.-]+)$/;

/**
 * Access tokens are read from the Authorization header only (RFC 6750 §2.1, RFC 9449 §7.1) — never from the query
 * string (RFC 6750 §2.3 is deliberately not supported) nor from the body or cookies.
 */
function authorization(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (typeof header !== 'string') throw new WatchwordError('UNAUTHENTICATED');
  return header;
}

function credentials(header: string): { scheme: Scheme; token: string } {
  const match = CREDENTIALS.exec(header);
  if (!match?.[2]) throw new WatchwordError('INVALID_TOKEN');
  return { scheme: match[1] as Scheme, token: match[2] };
}

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly permission: RoutePermission;
  readonly rateLimit: RateClass | undefined;
}

const routeTables = new WeakMap<object, RouteEntry[]>();

/** Every route registered on `app` with the permission it declared, in registration order (the permission-matrix test reads it). */
export function routeTable(app: App): readonly RouteEntry[] {
  return routeTables.get(app) ?? [];
}

/**
 * Enforces each route's declared permission (security spec "RBAC": every protected endpoint checks one). A route
 * without a declaration, or with a name outside the closed list, makes start-up fail: deny by default. The check
 * runs before the body is even read (onRequest), so a caller without the permission learns nothing about the route's
 * schema and cannot make the server buffer or parse a body.
 */
export function registerAuthentication(app: App, ctx: Context): void {
  app.decorateRequest('auth', null);
  app.decorateRequest('scope', null);
  const cache = new VerifiedTokenCache();
  const primeDenylist = denylistPrimer(ctx);
  /**
   * The state store had lost the denylist (tokens/denylist.ts): rebuild it from the database, then read this
   * session's key again. Until the rebuild is done no request is let through on an incomplete copy.
   */
  const refuseIfRevokedAfterPriming = async (revokedKey: string) => {
    await primeDenylist();
    if ((await ctx.state.get(revokedKey)) !== null) throw new WatchwordError('INVALID_TOKEN');
  };
  /** The header parsed and its token verified, or the cached result for this exact header value. */
  const verify = (header: string) => {
    const now = ctx.now();
    const key = VerifiedTokenCache.key(header);
    const hit = cache.get(key, now);
    // A hit is a header value that parsed before: its scheme is its first word.
    if (hit) return { scheme: header.startsWith('DPoP ') ? ('DPoP' as const) : ('Bearer' as const), claims: hit };
    const { scheme, token } = credentials(header);
    const claims = verifyAccessToken(ctx.signingKeys, ctx.tokens, token, now);
    cache.set(key, claims);
    return { scheme, claims };
  };
  const table: RouteEntry[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (permission !== 'public' && !isPermission(permission) && !isScopedPermission(permission)) {
      throw new OperatorError('WW_ROUTE_UNDECLARED', `route ${String(route.method)} ${route.url} does not declare a known permission (config.permission)`);
    }
    for (const method of [route.method].flat()) table.push({ method, url: route.url, permission, rateLimit: route.config?.rateLimit });
    if (permission === 'public') return;
    // Sharing (issue 25) is for people, not automation: an API key's token is refused on these routes before the
    // body is read, whatever the permission (requireInteractiveAuth checks it again in the handlers).
    const interactiveOnly = (route.schema?.tags ?? []).some((tag) => INTERACTIVE_ONLY_TAGS.has(tag));
    // The route's per-user volume limit (http/rate-limit.ts), counted here, where the user is first known.
    const limit = userLimit(ctx, route.config?.rateLimit, permission);
    // onRequest, after the route's own onRequest hooks: before its body is read, so nobody without a valid token
    // makes the server buffer or parse a body (the import route takes megabytes).
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [
      ...existing,
      async (request: FastifyRequest) => {
        const header = authorization(request);
        const { scheme, claims } = verify(header);
        const boundTo = claims.cnf?.jkt;
        if (boundTo !== undefined) {
          // RFC 9449 §7.1: a DPoP-bound token is only accepted with the DPoP scheme and a proof from its key.
          if (scheme !== 'DPoP') throw new WatchwordError('INVALID_TOKEN');
          if ((await ctx.dpop(request, { accessToken: header.slice('DPoP '.length), expectedJkt: boundTo })) === null) {
            throw new WatchwordError('INVALID_DPOP_PROOF', { cause: 'missing proof' });
          }
        } else if (scheme !== 'Bearer') {
          throw new WatchwordError('INVALID_TOKEN');
        }
        // Only now can anything be counted against the user: a DPoP-bound token stolen without its key cannot spend
        // its owner's budget, nor can a token whose session was revoked (refused by the same state operation).
        const wait = await revocationAndLimit(revokedSessionKey(claims.sid), claims.sub);
        request.auth = { userId: claims.sub, sessionId: claims.sid, jti: claims.jti, exp: claims.exp };
        if (wait !== null) throw rateLimited(wait);
        if (claims.sid.startsWith(API_KEY_SESSION)) {
          if (interactiveOnly) throw new WatchwordError('FORBIDDEN');
          apiKeyMayCall(request.method, permission, claims.scope);
          // The key itself must still exist: the database is the record of its revocation (the denylist entry is
          // the fast copy, and the state store can lose it).
          const key = await ctx.storage.oauth.findClient(claims.sid.slice(API_KEY_SESSION.length));
          if (!key || key.kind !== 'apikey' || key.ownerId !== claims.sub || key.disabledAt !== null) throw new WatchwordError('INVALID_TOKEN');
        }
        // Every live account holds account:self (see rbac/permissions.ts); organisation and vault permissions are
        // decided by the caller's membership there (rbac/scope.ts); anything else is looked up, fresh.
        if (isScopedPermission(permission)) {
          request.scope = await resolveScope(ctx, claims.sub, permission, request.params);
        } else if (permission !== 'account:self') {
          await requirePermission(ctx, claims.sub, permission);
          if (ctx.config.adminSecondFactor === 'required') await requireSecondFactorSession(ctx, claims.sid);
        }
      },
    ];
    /**
     * Refuses a revoked session; otherwise counts the hit against the user's limit, in the same state operation (one
     * round trip on Redis) when the route has one. The denylist's marker is read in that operation too. Returns the
     * limit's wait (null: within it).
     */
    async function revocationAndLimit(revokedKey: string, userId: string): Promise<number | null> {
      if (limit === undefined) {
        const [revoked, primed] = await ctx.state.getMany([revokedKey, DENYLIST_PRIMED_KEY]);
        if (revoked !== null) throw new WatchwordError('INVALID_TOKEN');
        if (primed === null) await refuseIfRevokedAfterPriming(revokedKey);
        return null;
      }
      const hit = await limit(userId, revokedKey, DENYLIST_PRIMED_KEY);
      if (hit.guard !== null) throw new WatchwordError('INVALID_TOKEN');
      if (hit.marker === null) await refuseIfRevokedAfterPriming(revokedKey);
      return hit.wait;
    }
  });
}

/** Access tokens of API keys (issued by the OpenID provider, lib/oidc/provider.ts) name the session `apikey:<clientId>`. */
const API_KEY_SESSION = 'apikey:';
const READ_METHODS = new Set(['GET', 'HEAD']);
/** OpenAPI tags of the routes API keys never reach: sharing keys, organisations, shared vaults (protocol routes/orgs.ts, vaults.ts). */
const INTERACTIVE_ONLY_TAGS = new Set(['sharing', 'orgs', 'vaults']);

/**
 * What an API key's token may do: its owner's own routes only (never administration), and nothing but reads unless
 * its scope includes `vault:write` (a read-only key's scope is `vault:read`).
 */
function apiKeyMayCall(method: string, permission: string, scope: string | undefined): void {
  if (permission !== 'account:self') throw new WatchwordError('FORBIDDEN');
  const scopes = (scope ?? '').split(' ');
  if (!scopes.includes('vault:read')) throw new WatchwordError('INVALID_TOKEN');
  if (!READ_METHODS.has(method) && !scopes.includes('vault:write')) throw new WatchwordError('API_KEY_READ_ONLY');
}

/**
 * The caller, refusing API keys' tokens (FORBIDDEN): for routes that an automation key must not reach even though
 * they are its owner's own (the sharing keys, organisations and shared vaults: issue 25).
 */
export function requireInteractiveAuth(request: FastifyRequest) {
  const auth = requireAuth(request);
  if (auth.sessionId.startsWith(API_KEY_SESSION)) throw new WatchwordError('FORBIDDEN');
  return auth;
}

export function requireAuth(request: FastifyRequest) {
  if (!request.auth) throw new WatchwordError('UNAUTHENTICATED');
  return request.auth;
}
