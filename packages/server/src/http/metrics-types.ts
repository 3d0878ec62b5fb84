/**
 * What the metrics recorder (metrics.ts) and its prom-client implementation (prometheus.ts, loaded only when metrics
 * can be read) share: the recorder's interface and the label values. No runtime imports, so the two files do not
 * import each other.
 */
import type { Storage } from '../storage/types.ts';
import type { RefusedAction } from '../lib/throttle.ts';

/** success: tokens issued; failure: a login finish whose proof failed; mfa_required: password proven, factor asked; mfa_failure: a wrong factor. */
export type LoginOutcome = 'success' | 'failure' | 'mfa_required' | 'mfa_failure';

// Written as records so that a new outcome or throttled action fails to compile until it is listed here.
export const LOGIN_OUTCOMES = Object.keys({ success: 1, failure: 1, mfa_required: 1, mfa_failure: 1 } satisfies Record<LoginOutcome, 1>) as LoginOutcome[];
export const REFUSED_ACTIONS = Object.keys({
  login: 1, register: 1, refresh: 1, mfa: 1, reauth: 1, recovery: 1, email_token: 1, client_secret: 1, ip_block: 1,
} satisfies Record<RefusedAction, 1>) as RefusedAction[];

/** Request latency buckets, seconds: 1 ms to 5 s. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The route label of requests that matched no route (404s): one series whatever the path, so no label explosion. */
export const UNMATCHED_ROUTE = 'unmatched';

/** What scraping needs of prom-client's Registry. */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface Metrics {
  readonly registry: MetricsRegistry;
  /** Metrics can be read (METRICS_TOKEN or METRICS_PORT set): only then are requests and the process measured. */
  readonly enabled: boolean;
  /** A login start (with OPAQUE a wrong password shows only on the client, which then never finishes). */
  loginStarted(): void;
  login(outcome: LoginOutcome): void;
  throttleRefusal(action: RefusedAction): void;
  /** A refresh-token family revoked: a rotated token presented again, or presented without its DPoP key. */
  refreshReuse(): void;
  /** Records answered requests of one route pattern: (method, status, elapsed milliseconds). */
  forRoute(route: string): (method: string, status: number, elapsedMs: number) => void;
}

export interface MetricsOptions {
  readonly enabled: boolean;
  /** The storage whose pool is reported (PostgreSQL has one; SQLite has none and gets no pool gauges). */
  readonly storage?: Pick<Storage, 'poolStats'>;
}
