/**
 * Prometheus metrics, with prom-client. Each app has its own Registry — never prom-client's
 * global one, as several apps share a test process.
 *
 * Never public. Two ways to read them, either or both:
 * - `METRICS_TOKEN`: `GET /metrics` on the API listener with `Authorization: Bearer <token>`, compared in constant
 *   time. Without the variable the route does not exist; without the header, or with a wrong token, the answer is
 *   the same 404 an unknown route gets — the endpoint is not revealed.
 * - `METRICS_PORT`: a listener of its own on `METRICS_HOST` (default 127.0.0.1) that serves only `/metrics`
 *   (checking `METRICS_TOKEN` too when it is set). It is outside the production guards (HTTPS redirect, Host
 *   check), so Prometheus can scrape each instance by address; main() starts it, build() never listens.
 * With neither, metrics cannot be read, so none are collected per request and no process metrics are gathered.
 *
 * The per-request work is kept small (the item read is the hot path, docs/performance.md): an `onResponse` hook
 * added to each route when it is declared closes over the route pattern (never the raw URL: bounded label values;
 * no `request.routeOptions`, which builds an object per access); each (method, status) series is made once per
 * route; the request count is a plain increment handed to prom-client when scraped; the duration is the one Fastify
 * already measured (`reply.elapsedTime`); one `Histogram.observe` remains (~0.5 µs, measured). Requests no route
 * matched share the route label `unmatched`. The pool gauges are read when scraped, not kept up to date.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { onResponseHookHandler } from 'fastify';
import type { Config } from '../config.ts';
import type { Storage } from '../storage/types.ts';
import type { App } from './types.ts';
import type { RefusedAction } from '../lib/throttle.ts';

/**
 * node:http is required, not imported: an ESM import of a built-in makes Node read every one of its exports, and
 * node:http's lazy WebSocket and event exports load the whole fetch implementation (undici: ~16 MB of memory and
 * ~30 ms of start-up) that the server never uses (docs/performance.md).
 */
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** success: tokens issued; failure: a login finish whose proof failed; mfa_required: password proven, factor asked; mfa_failure: a wrong factor. */
export type LoginOutcome = 'success' | 'failure' | 'mfa_required' | 'mfa_failure';

// Written as records so that a new outcome or throttled action fails to compile until it is listed here.
export const LOGIN_OUTCOMES = Object.keys({ success: 1, failure: 1, mfa_required: 1, mfa_failure: 1 } satisfies Record<LoginOutcome, 1>) as LoginOutcome[];
export const REFUSED_ACTIONS = Object.keys({
  login: 1, register: 1, refresh: 1, mfa: 1, reauth: 1, recovery: 1, email_token: 1, ip_block: 1,
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

/** Whether the configuration lets anyone read the metrics. */
export function metricsEnabled(config: Pick<Config, 'metricsToken' | 'metricsPort'>): boolean {
  return config.metricsToken !== undefined || config.metricsPort !== undefined;
}

/** Metrics that are never read: counting is skipped (registerRequestMetrics adds no hook for them). */
function disabledMetrics(): Metrics {
  const nothing = () => {};
  return {
    registry: { contentType: 'text/plain; charset=utf-8', metrics: async () => '' },
    enabled: false,
    loginStarted: nothing,
    login: nothing,
    throttleRefusal: nothing,
    refreshReuse: nothing,
    forRoute: () => nothing,
  };
}

/** Prometheus metrics when they can be read (prom-client is loaded then); otherwise no-ops. */
export async function createMetrics(options: MetricsOptions): Promise<Metrics> {
  if (!options.enabled) return disabledMetrics();
  const { createPrometheusMetrics } = await import('./prometheus.ts');
  return createPrometheusMetrics(options);
}

/**
 * Measures every request: registered before any route (and before CORS adds its own), as it hooks each route
 * when declared. Nothing is registered when metrics cannot be read.
 */
export function registerRequestMetrics(app: App, metrics: Metrics): void {
  if (!metrics.enabled) return;
  app.addHook('onRoute', (route) => {
    const record = metrics.forRoute(route.url);
    const measure: onResponseHookHandler = (request, reply, done) => {
      record(request.method, reply.statusCode, reply.elapsedTime);
      done();
    };
    // A new array: Fastify copies a GET route's options for its HEAD route, which gets its own hook.
    const existing = route.onResponse ? (Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]) : [];
    route.onResponse = [...existing, measure];
  });
  const unmatched = metrics.forRoute(UNMATCHED_ROUTE);
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched(request.method, reply.statusCode, reply.elapsedTime);
    done();
  });
}

/** A constant-time check of `Authorization: Bearer <token>` (both sides hashed, so lengths leak nothing either). */
export function bearerCheck(token: string): (header: string | undefined) => boolean {
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();
  return (header) => header !== undefined && timingSafeEqual(createHash('sha256').update(header).digest(), expected);
}

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/** The separate metrics listener (METRICS_PORT): `GET /metrics` only, plain HTTP, no other route. */
export async function listenMetrics(metrics: Metrics, options: { port: number; host: string; token: string | undefined }): Promise<MetricsListener> {
  const authorised = options.token === undefined ? () => true : bearerCheck(options.token);
  const server = createServer((req, res) => {
    const path = req.url?.split('?', 1)[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics' || !authorised(req.headers.authorization)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
