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

/** Each route declares its permission and volume-limit class in its descriptor (@watchword/protocol routes/). */
export type { RateClass, RoutePermission } from '@watchword/protocol';
import type { RateClass, RoutePermission } from '@watchword/protocol';

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
    /** The organisation or shared vault an `org:*` / `vault:*` route acts in, resolved by the authentication hook. */
    scope: import('../rbac/scope.ts').Scope | null;
  }
}
