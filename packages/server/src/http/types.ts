import type { Permission } from '@watchword/protocol';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * Each route declares the permission it needs (deny by default: a route without a declaration fails at start-up):
 * `public` (no authentication) or one `resource:action` permission from the closed list in @watchword/protocol.
 */
export type RoutePermission = 'public' | Permission;

/**
 * Each route declares its volume-limit class (see http/rate-limit.ts); a route without one fails at start-up.
 * auth ≪ write < read; `none` is for the health probes and the web vault's content-hashed static files only (constant
 * work from memory; see modules/web/routes.ts).
 */
export type RateClass = 'auth' | 'write' | 'read' | 'none';

export interface AuthInfo {
  readonly userId: string;
  readonly sessionId: string;
  readonly jti: string;
  readonly exp: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RoutePermission;
    rateLimit?: RateClass;
  }
  interface FastifyRequest {
    auth: AuthInfo | null;
  }
}
