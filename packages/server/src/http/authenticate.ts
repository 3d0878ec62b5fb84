import type { FastifyRequest } from 'fastify';
import { WatchwordError } from '@watchword/protocol';
import { verifyAccessToken } from '../tokens/access-token.ts';
import { VerifiedTokenCache } from '../tokens/verified-cache.ts';
import type { App, Context } from './types.ts';

export const revokedSessionKey = (sessionId: string) => `revoked-session:${sessionId}`;

/**
 * Bearer tokens are read from the Authorization header only (RFC 6750 §2.1) — never from the query string
 * (RFC 6750 §2.3 is deliberately not supported) nor from the body or cookies.
 */
function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (typeof header !== 'string') throw new WatchwordError('UNAUTHENTICATED');
  const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header);
  if (!match?.[1]) throw new WatchwordError('INVALID_TOKEN');
  return match[1];
}

/**
 * Enforces each route's declared access. A route without a declaration makes start-up fail: deny by default.
 */
export function registerAuthentication(app: App, ctx: Context): void {
  app.decorateRequest('auth', null);
  const cache = new VerifiedTokenCache();
  const verify = (token: string) => {
    const now = ctx.now();
    const key = VerifiedTokenCache.key(token);
    const hit = cache.get(key, now);
    if (hit) return hit;
    const claims = verifyAccessToken(ctx.signingKeys, ctx.tokens, token, now);
    cache.set(key, claims);
    return claims;
  };
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access !== 'public' && access !== 'user') {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare its access (config.access)`);
    }
    if (access === 'public') return;
    const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
    route.preHandler = [
      async (request: FastifyRequest) => {
        const claims = verify(bearer(request));
        if ((await ctx.state.get(revokedSessionKey(claims.sid))) !== null) throw new WatchwordError('INVALID_TOKEN');
        request.auth = { userId: claims.sub, sessionId: claims.sid, jti: claims.jti, exp: claims.exp };
      },
      ...existing,
    ];
  });
}

export function requireAuth(request: FastifyRequest) {
  if (!request.auth) throw new WatchwordError('UNAUTHENTICATED');
  return request.auth;
}
