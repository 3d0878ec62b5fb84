/**
 * The Prometheus side of the metrics (metrics.ts): loaded only when metrics can be read (METRICS_TOKEN or
 * METRICS_PORT), so a server without them never loads prom-client (~40 ms and ~20 MB at start-up).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DURATION_BUCKETS, LOGIN_OUTCOMES, type Metrics, type MetricsOptions, REFUSED_ACTIONS } from './metrics-types.ts';

export function createPrometheusMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  type Labels = { readonly method: string; readonly route: string; readonly status: string };
  /** Every (method, route, status) seen, with its request count: counted here, handed to prom-client when scraped. */
  const series: { readonly labels: Labels; count: number }[] = [];
  new Counter({
    name: 'http_requests_total',
    help: 'Answered HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
    collect() {
      this.reset();
      for (const { labels, count } of series) this.inc(labels, count);
    },
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const loginStarts = new Counter({
    name: 'watchword_login_starts_total',
    help: 'Login starts. A wrong password is detected by the client, which then does not finish: starts not followed by success or mfa_required are abandoned or failed logins.',
    registers,
  });
  const logins = new Counter({
    name: 'watchword_logins_total',
    help: 'Login outcomes: success (tokens issued), failure (a finish whose proof failed), mfa_required (password proven, second factor asked), mfa_failure (a wrong second factor).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const refusals = new Counter({
    name: 'watchword_throttle_refusals_total',
    help: 'Credential attempts refused by the brute-force throttle (429), by action; ip_block: a follow-up step refused because its IP is blocked.',
    labelNames: ['action'] as const,
    registers,
  });
  const reuse = new Counter({
    name: 'watchword_refresh_reuse_total',
    help: 'Refresh-token families revoked because a rotated token was presented again (or without its DPoP key).',
    registers,
  });
  // Every outcome and action from zero: a rate over a series that appears only with its first event reads as no data.
  for (const outcome of LOGIN_OUTCOMES) logins.inc({ outcome }, 0);
  for (const action of REFUSED_ACTIONS) refusals.inc({ action }, 0);

  const storage = options.storage;
  if (storage?.poolStats) {
    new Gauge({
      name: 'watchword_db_pool_connections',
      help: 'PostgreSQL pool when scraped: total open connections, idle ones, and queries waiting for one.',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const stats = storage.poolStats?.();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }

  return {
    registry,
    enabled: true,
    loginStarted: () => loginStarts.inc(),
    login: (outcome) => logins.inc({ outcome }),
    throttleRefusal: (action) => refusals.inc({ action }),
    refreshReuse: () => reuse.inc(),
    forRoute(route) {
      // method → status → series: made once each, so a request allocates nothing here; the request count is a
      // plain increment (the counter reads it when scraped), the histogram is prom-client's own work.
      const byMethod = new Map<string, Map<number, (typeof series)[number]>>();
      return (method, status, elapsedMs) => {
        let byStatus = byMethod.get(method);
        if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
        let entry = byStatus.get(status);
        if (entry === undefined) {
          entry = { labels: { method, route, status: String(status) }, count: 0 };
          byStatus.set(status, entry);
          series.push(entry);
        }
        entry.count++;
        duration.observe(entry.labels, elapsedMs / 1000);
      };
    },
  };
}
