/** What the app is built from (AppDeps) and what every route module and library is handed (Context). */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { ServerSecrets } from './keys/server-secrets.ts';
import type { SigningKeys } from './keys/signing-keys.ts';
import type { StateStore } from './state/types.ts';
import type { Storage } from './storage/types.ts';
import type { Mailer } from './mail/mailer.ts';
import type { TokenSettings } from './tokens/access-token.ts';
import type { DpopVerifier } from './http/dpop.ts';
import type { CredentialThrottle } from './lib/throttle.ts';
import type { Metrics } from './http/metrics.ts';

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
  /** Runs one major GC later (http/memory-bound.ts `Collector`); default: V8's, when the runtime offers it. For tests. */
  readonly collectGarbage?: (reduce: boolean) => void;
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
  /** Brute-force throttling shared by every credential path (see lib/throttle.ts). */
  readonly throttle: CredentialThrottle;
  /** Outgoing mail (verification, recovery, security notifications). */
  readonly mailer: Mailer;
  /** Prometheus metrics (see http/metrics.ts). */
  readonly metrics: Metrics;
}
