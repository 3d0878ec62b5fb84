import type { Permission } from '@watchword/protocol';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.ts';
import type { ServerSecrets } from '../keys/server-secrets.ts';
import type { SigningKeys } from '../keys/signing-keys.ts';
import type { StateStore } from '../state/types.ts';
import type { Storage } from '../storage/types.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { TokenSettings } from '../tokens/access-token.ts';
import type { DpopVerifier } from './dpop.ts';
import type { CredentialThrottle } from './throttle.ts';
import type { Metrics } from './metrics.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What the app needs from the outside; main() picks the implementations, tests pass their own. */
export interface AppDeps {
  readonly storage: Storage;
  readonly state: StateStore;
  readonly secrets: ServerSecrets;
  readonly signingKeys: SigningKeys;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock?: () => number;
  /** PEM certificate chain and key for native TLS (read from TLS_CERT/TLS_KEY by openRuntime). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Mail delivery; default: SMTP_URL, or the outbox directory. */
  readonly mailer?: Mailer;
  /** Pino destination for tests that read the log. */
  readonly logStream?: NodeJS.WritableStream;
}

/** Everything a route module gets. */
export interface Context {
  readonly config: Config;
  readonly storage: Storage;
  readonly state: StateStore;
  readonly secrets: ServerSecrets;
  readonly signingKeys: SigningKeys;
  readonly tokens: TokenSettings;
  readonly now: () => number;
  readonly log: FastifyBaseLogger;
  /** Verifies a request's DPoP proof (RFC 9449); `nonce()` is the current server nonce. */
  readonly dpop: DpopVerifier & { nonce(): string };
  /** Brute-force throttling shared by every credential path (see http/throttle.ts). */
  readonly throttle: CredentialThrottle;
  /** Outgoing mail (verification, recovery, security notifications). */
  readonly mailer: Mailer;
  /** Prometheus metrics (see http/metrics.ts). */
  readonly metrics: Metrics;
}

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
