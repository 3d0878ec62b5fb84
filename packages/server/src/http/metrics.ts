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
import type { App } from './types.ts';
import { type Metrics, type MetricsOptions, UNMATCHED_ROUTE } from './metrics-types.ts';

/**
 * node:http is required, not imported: an ESM import of a built-in makes Node read every one of its exports, and
 * node:http's lazy WebSocket and event exports load the whole fetch implementation (undici: ~16 MB of memory and
 * ~30 ms of start-up) that the server never uses (docs/performance.md).
 */
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export {
  DURATION_BUCKETS,
  LOGIN_OUTCOMES,
  type LoginOutcome,
  type Metrics,
  type MetricsOptions,
  type MetricsRegistry,
  REFUSED_ACTIONS,
  UNMATCHED_ROUTE,
} from './metrics-types.ts';

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
        // A scrape cut short costs nothing; a scraper's kept-alive connection must not hold the shutdown.
        server.closeAllConnections();
      }),
  };
}
