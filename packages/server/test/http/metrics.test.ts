/**
 * Prometheus metrics (issue "Observability"): GET /metrics behind METRICS_TOKEN (404 like an unknown route without
 * it), the exposition format, request counters by route pattern, the security counters (logins, throttle refusals,
 * refresh reuse), the PostgreSQL pool gauges, the separate METRICS_PORT listener, and the configuration checks.
 * Runs on SQLite + memory, and on PostgreSQL + Redis when available.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient } from '@watchword/client';
import { ensureOpaqueReady, opaqueClient, opaqueServer } from '@watchword/protocol';
import { ConfigError, loadConfig, redactConfig } from '../../src/config.ts';
import { DURATION_BUCKETS, UNMATCHED_ROUTE, createMetrics, listenMetrics } from '../../src/http/metrics.ts';
import type { FastifyRequest } from 'fastify';
import type { Context } from '../../src/context.ts';
import { credentialAttempt } from '../../src/lib/credential-attempt.ts';
import { type RefusedAction, createCredentialThrottle } from '../../src/lib/throttle.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { openPostgresPool } from '../../src/storage/postgres.ts';
import { createTempDir, createTestDatabase, dialectsUnderTest, freePort, startServerProcess } from '@watchword/testkit';
import { backendsUnderTest, createTestApp, openMigratedStorage, type TestApp } from '@watchword/testkit/app';

const PUBLIC = 'http://watchword.test';
const TOKEN = randomBytes(32).toString('base64url');
const PASSWORD = 'a long enough passphrase';

// ---------------------------------------------------------------- a small parser of the text format (0.0.4)

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Exposition {
  families: Map<string, { help: string; type: string }>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/y;
/** A float as Go's strconv.ParseFloat reads it (what Prometheus uses): NaN and Inf in any case (prom-client writes `Nan`). */
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|nan|[+-]?inf)$/i;

/**
 * Prometheus text format 0.0.4: `# HELP name text`, `# TYPE name type` once each per family and before its samples;
 * every other non-blank line `name{label="value",…} value`. A histogram's samples are `name_bucket` (with `le`,
 * cumulative, ending at +Inf = count), `name_sum` and `name_count`. Throws on anything else.
 */
function parseExposition(text: string): Exposition {
  const families = new Map<string, { help?: string; type?: string }>();
  const samples: Sample[] = [];
  const familyOf = (name: string) => {
    if (families.get(name)?.type) return name;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    if (base !== name && ['histogram', 'summary'].includes(families.get(base)?.type ?? '')) return base;
    throw new Error(`sample ${name} before (or without) its # TYPE line`);
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, 'HELP' | 'TYPE', string, string];
      const family = families.get(name) ?? {};
      const key = kind === 'HELP' ? 'help' : 'type';
      if (family[key] !== undefined) throw new Error(`second # ${kind} for ${name}`);
      if (kind === 'TYPE' && !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`unknown type in: ${line}`);
      if (samples.some((s) => s.name === name || s.name.startsWith(`${name}_`))) throw new Error(`# ${kind} ${name} after its samples`);
      family[key] = rest;
      families.set(name, family);
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`);
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name = '', rawLabels, value = ''] = match;
    const labels: Record<string, string> = {};
    if (rawLabels !== undefined) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < rawLabels.length) {
        const at = LABEL.lastIndex;
        const label = LABEL.exec(rawLabels);
        if (!label || label.index !== at) throw new Error(`bad labels in: ${line}`);
        const [, labelName = '', labelValue = ''] = label;
        if (labelName in labels) throw new Error(`duplicate label ${labelName} in: ${line}`);
        labels[labelName] = labelValue.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    if (!VALUE.test(value)) throw new Error(`bad value in: ${line}`);
    familyOf(name);
    samples.push({ name, labels, value: /nan/i.test(value) ? Number.NaN : Number(value.replace(/inf/i, 'Infinity')) });
  }
  for (const [name, family] of families) {
    if (family.help === undefined || family.type === undefined) throw new Error(`${name} lacks # HELP or # TYPE`);
  }
  return { families: families as Exposition['families'], samples };
}

/** The value of the one sample named `name` whose labels include `labels` (undefined when there is none). */
function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

describe('the exposition parser (the test helper itself)', () => {
  it('accepts the text format and refuses malformed lines', () => {
    const ok = parseExposition('# HELP a_total A.\n# TYPE a_total counter\na_total{x="1",y="q\\"uote"} 3\n\n# HELP h H.\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 0.5\nh_count 1\n');
    expect(valueOf(ok, 'a_total', { y: 'q"uote' })).toBe(3);
    expect(valueOf(ok, 'h_bucket', { le: '+Inf' })).toBe(1);
    for (const bad of ['a_total 1', '# TYPE a counter\na{x=1} 1', '# HELP a A.\n# TYPE a counter\na 1 2 3', '# TYPE a counter\na 1', '# HELP a A.\n# TYPE a counter\na{x="1"y="2"} 1']) {
      expect(() => parseExposition(bad), bad).toThrow();
    }
  });
});

// ---------------------------------------------------------------- the /metrics route

describe('GET /metrics is not public', () => {
  let withToken: TestApp;
  let without: TestApp;
  beforeAll(async () => {
    withToken = await createTestApp('sqlite', { METRICS_TOKEN: TOKEN });
    without = await createTestApp('sqlite');
  });
  afterAll(async () => Promise.all([withToken.close(), without.close()]));

  /** What an answer reveals: status, header names, body without its request id. */
  const shape = (r: { statusCode: number; headers: Record<string, unknown>; body: string }) => ({
    status: r.statusCode,
    headers: Object.keys(r.headers).filter((h) => h !== 'date').sort(),
    body: r.body.replace(/"requestId":"[^"]+"/, ''),
  });

  it('without METRICS_TOKEN, or without the right bearer token, answers exactly like an unknown route (404)', async () => {
    const unknown = shape(await withToken.app.inject({ url: '/no-such-route' }));
    expect(unknown.status).toBe(404);
    const attempts = [
      () => without.app.inject({ url: '/metrics' }),
      () => without.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } }),
      () => withToken.app.inject({ url: '/metrics' }),
      () => withToken.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } }),
      () => withToken.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } }),
      () => withToken.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } }),
      () => withToken.app.inject({ url: '/metrics', headers: { authorization: TOKEN } }),
      () => withToken.app.inject({ url: '/metrics', headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } }),
      () => withToken.app.inject({ url: `/metrics?token=${TOKEN}` }),
    ];
    for (const attempt of attempts) expect(shape(await attempt())).toEqual(unknown);
  });

  it('answers 200 in the Prometheus text format with the right token; the route is not in the OpenAPI document', async () => {
    const r = await withToken.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    const exposition = parseExposition(r.body);
    for (const family of ['http_requests_total', 'watchword_logins_total', 'watchword_login_starts_total', 'watchword_throttle_refusals_total', 'watchword_refresh_reuse_total']) {
      expect(exposition.families.get(family)?.type, family).toBe('counter');
    }
    expect(exposition.families.get('http_request_duration_seconds')?.type).toBe('histogram');
    // Default process metrics, from this app's own registry.
    expect(exposition.families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(exposition.families.has('nodejs_heap_size_used_bytes')).toBe(true);
    const openapi = JSON.parse((await withToken.app.inject({ url: '/api/openapi.json' })).body) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).not.toContain('/metrics');
  });

  it('each app has its own registry: requests to one are not counted by another', async () => {
    const other = await createTestApp('sqlite', { METRICS_TOKEN: TOKEN });
    try {
      for (let i = 0; i < 3; i++) await withToken.app.inject({ url: '/healthz' });
      const scrape = async (t: TestApp) => parseExposition((await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body);
      expect(valueOf(await scrape(other), 'http_requests_total', { route: '/healthz' })).toBeUndefined();
      expect(valueOf(await scrape(withToken), 'http_requests_total', { route: '/healthz' })).toBeGreaterThanOrEqual(3);
    } finally {
      await other.close();
    }
  });
});

// ---------------------------------------------------------------- what is counted

describe.each(backendsUnderTest())('metrics count requests and security events ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Vault;
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
  const scrape = async () => {
    const r = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.statusCode).toBe(200);
    return parseExposition(r.body);
  };
  /** How much each named counter grew while `action` ran. */
  const growth = async (action: () => Promise<unknown>, counters: [string, Record<string, string>][]) => {
    const before = await scrape();
    await action();
    const after = await scrape();
    return counters.map(([name, labels]) => (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0));
  };
  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    await ensureOpaqueReady();
    t = await createTestApp(dialect, { METRICS_TOKEN: TOKEN }, { state });
    await client().register({ email: 'alice@example.com', password: PASSWORD });
    alice = await client().login({ email: 'alice@example.com', password: PASSWORD });
  });
  afterAll(async () => t?.close());

  it('counts requests by method, route pattern (never the raw URL) and status, with a latency histogram', async () => {
    const item = await alice.add({ type: 'login', name: 'metrics', fields: [], login: { username: 'a', password: 'p', urls: [] } });
    const auth = { authorization: `Bearer ${alice.session.tokens.accessToken}` };
    const missing = '00000000-0000-4000-8000-000000000000';
    const ok = { method: 'GET', route: '/api/v1/items/:id', status: '200' };
    const notFound = { ...ok, status: '404' };
    const grown = await growth(async () => {
      for (let i = 0; i < 3; i++) expect((await t.app.inject({ url: `/api/v1/items/${item.id}`, headers: auth })).statusCode).toBe(200);
      expect((await t.app.inject({ url: `/api/v1/items/${missing}`, headers: auth })).statusCode).toBe(404);
      expect((await t.app.inject({ url: `/no/such/${missing}` })).statusCode).toBe(404);
      expect((await t.app.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
    }, [
      ['http_requests_total', ok],
      ['http_request_duration_seconds_count', ok],
      ['http_request_duration_seconds_bucket', { ...ok, le: '+Inf' }],
      ['http_requests_total', notFound],
      ['http_requests_total', { method: 'GET', route: UNMATCHED_ROUTE, status: '404' }],
      // A GET route's HEAD twin is measured once, under its own method.
      ['http_requests_total', { method: 'HEAD', route: '/healthz', status: '200' }],
    ]);
    expect(grown).toEqual([3, 3, 3, 1, 1, 1]);

    const exposition = await scrape();
    const labelValues = exposition.samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.filter((v) => v.includes(item.id) || v.includes(missing))).toEqual([]);
    // Buckets 1 ms … 5 s, cumulative.
    const buckets = exposition.samples.filter((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.route === ok.route && s.labels.status === '200' && s.labels.method === 'GET');
    expect(buckets.map((b) => b.labels.le)).toEqual([...DURATION_BUCKETS.map(String), '+Inf']);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it('counts login starts and outcomes: success, and a finish whose proof fails', async () => {
    expect(await growth(() => client().login({ email: 'alice@example.com', password: PASSWORD }), [
      ['watchword_login_starts_total', {}],
      ['watchword_logins_total', { outcome: 'success' }],
      ['watchword_logins_total', { outcome: 'failure' }],
    ])).toEqual([1, 1, 0]);

    // A wrong password fails on the client, which never finishes: only the start is seen.
    expect(await growth(() => client().login({ email: 'alice@example.com', password: 'not the password' }).catch(() => undefined), [
      ['watchword_login_starts_total', {}],
      ['watchword_logins_total', { outcome: 'failure' }],
    ])).toEqual([1, 0]);

    // A finish whose proof does not belong to its handshake (here: another start's) is a failure.
    const start = async () => {
      const { clientLoginState, startLoginRequest } = opaqueClient.startLogin(PASSWORD);
      const r = await post('/api/v1/auth/login/start', { email: 'alice@example.com', startLoginRequest });
      return { clientLoginState, ...(JSON.parse(r.body) as { loginId: string; loginResponse: string; kdfVersion: number }) };
    };
    expect(await growth(async () => {
      const [first, second] = [await start(), await start()];
      const { finishLoginRequest } = opaqueClient.finishLogin({ clientLoginState: first.clientLoginState, loginResponse: first.loginResponse, password: PASSWORD, kdfVersion: first.kdfVersion });
      const r = await post('/api/v1/auth/login/finish', { loginId: second.loginId, finishLoginRequest });
      expect(JSON.parse(r.body).error.code).toBe('INVALID_CREDENTIALS');
    }, [
      ['watchword_logins_total', { outcome: 'failure' }],
      ['watchword_logins_total', { outcome: 'success' }],
    ])).toEqual([1, 0]);
  });

  it('counts throttle refusals by action', async () => {
    // Five free attempts per account+IP, then the backoff answers 429.
    const { startLoginRequest } = opaqueClient.startLogin('a wrong guess');
    expect(await growth(async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await post('/api/v1/auth/login/start', { email: 'throttled@example.com', startLoginRequest })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    }, [
      ['watchword_throttle_refusals_total', { action: 'login' }],
      ['watchword_throttle_refusals_total', { action: 'register' }],
      ['http_requests_total', { method: 'POST', route: '/api/v1/auth/login/start', status: '429' }],
    ])).toEqual([1, 0, 1]);
  });

  it('counts refresh-token reuse', async () => {
    const v = await client().login({ email: 'alice@example.com', password: PASSWORD });
    const first = v.session.tokens;
    await v.session.refresh();
    expect(await growth(async () => {
      t.clock.advance(11_000); // past REFRESH_REUSE_GRACE (10 s)
      const replay = await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
      expect(JSON.parse(replay.body).error.code).toBe('INVALID_REFRESH_TOKEN');
    }, [['watchword_refresh_reuse_total', {}]])).toEqual([1]);
    // An unknown token is a plain failure, not reuse.
    expect(await growth(() => post('/api/v1/auth/refresh', { refreshToken: first.refreshToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }), [['watchword_refresh_reuse_total', {}]])).toEqual([0]);
  });

  it(dialect === 'postgres' ? 'reports the PostgreSQL pool at scrape time' : 'has no pool gauges on SQLite', async () => {
    const exposition = await scrape();
    if (dialect !== 'postgres') {
      expect(exposition.families.has('watchword_db_pool_connections')).toBe(false);
      return;
    }
    expect(exposition.families.get('watchword_db_pool_connections')?.type).toBe('gauge');
    const total = valueOf(exposition, 'watchword_db_pool_connections', { state: 'total' }) ?? -1;
    const idle = valueOf(exposition, 'watchword_db_pool_connections', { state: 'idle' }) ?? -1;
    // The test harness opens a pool of 5; the requests above used at least one connection, and none is busy now.
    expect(total).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThanOrEqual(5);
    expect(idle).toBe(total);
    expect(valueOf(exposition, 'watchword_db_pool_connections', { state: 'waiting' })).toBe(0);
  });
});

describe('a credential attempt reports each refusal to the metrics and the audit log', () => {
  it('per action, ip_block for follow-up steps, and nothing for other errors', async () => {
    const opened = await openMigratedStorage('sqlite');
    try {
      const refused: RefusedAction[] = [];
      const settings = { enabled: true, freeAttempts: 1, accountFreeAttempts: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, failureWindowMs: 3_600_000, ipBlockFailures: 2, ipBlockWindowMs: 60_000, ipBlockMs: 60_000 };
      const disabled = await createMetrics({ enabled: false });
      const contextWith = (state: MemoryStateStore) =>
        ({
          storage: opened.storage,
          now: () => 1_000_000,
          log: { error: () => undefined },
          metrics: { ...disabled, throttleRefusal: (a: RefusedAction) => refused.push(a) },
          throttle: createCredentialThrottle({ state, now: () => 1_000_000, secret: randomBytes(32), settings }),
        }) as unknown as Context;
      const ctx = contextWith(new MemoryStateStore());
      const from = (ip: string) => ({ ip, id: `req-${ip}`, headers: { 'user-agent': 'test' } }) as unknown as FastifyRequest;
      await credentialAttempt(ctx, from('192.0.2.1'), 'mfa', { account: 'a@example.com' }).begin();
      await expect(credentialAttempt(ctx, from('192.0.2.1'), 'mfa', { account: 'a@example.com' }).begin()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      expect(refused).toEqual(['mfa']);
      await credentialAttempt(ctx, from('192.0.2.2'), 'login').failed();
      await credentialAttempt(ctx, from('192.0.2.2'), 'login').failed();
      await expect(credentialAttempt(ctx, from('192.0.2.2'), 'login').ipOpen()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(credentialAttempt(ctx, from('192.0.2.2'), 'refresh').check()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      expect(refused).toEqual(['mfa', 'ip_block', 'refresh']);
      const events = await opened.storage.audit.query({ action: 'auth.throttled' }, undefined, 10);
      expect(events.map((e) => [e.ip, e.context['step']]).sort()).toEqual([['192.0.2.1', 'mfa'], ['192.0.2.2', 'login'], ['192.0.2.2', 'refresh']]);

      const down = Object.assign(new MemoryStateStore(), { get: () => Promise.reject(new Error('down')) });
      await expect(credentialAttempt(contextWith(down), from('192.0.2.3'), 'login').ipOpen()).rejects.toThrow('down');
      expect(refused).toHaveLength(3);
    } finally {
      await opened.dispose();
    }
  });
});

// ---------------------------------------------------------------- the separate listener

describe('METRICS_PORT: a listener of its own', () => {
  it('serves GET /metrics only, and checks METRICS_TOKEN when it is set', async () => {
    const metrics = await createMetrics({ enabled: true });
    metrics.login('success');
    const open = await listenMetrics(metrics, { port: 0, host: '127.0.0.1', token: undefined });
    const guarded = await listenMetrics(metrics, { port: 0, host: '127.0.0.1', token: TOKEN });
    try {
      const at = (l: { port: number }, path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${l.port}${path}`, init);
      const r = await at(open, '/metrics');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(valueOf(parseExposition(await r.text()), 'watchword_logins_total', { outcome: 'success' })).toBe(1);
      expect((await at(open, '/')).status).toBe(404);
      expect((await at(open, '/healthz')).status).toBe(404);
      expect((await at(open, '/metrics', { method: 'POST', body: 'x' })).status).toBe(404);
      expect((await at(guarded, '/metrics')).status).toBe(404);
      expect((await at(guarded, '/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(404);
      expect((await at(guarded, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await open.close();
      await guarded.close();
    }
  });

  it('ww-server serve starts it beside the API, and it measures the API requests', async () => {
    const dir = await createTempDir();
    const metricsPort = await freePort();
    const server = await startServerProcess({ DATA_DIR: dir.path, METRICS_PORT: String(metricsPort) });
    try {
      await fetch(`${server.url}/healthz`);
      const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(r.status).toBe(200);
      const exposition = parseExposition(await r.text());
      expect(valueOf(exposition, 'http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(exposition.families.has('process_resident_memory_bytes')).toBe(true);
      // Without METRICS_TOKEN the API listener has no /metrics.
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      expect(server.output()).toContain('metrics listener ready');
    } finally {
      expect(await server.stop()).toBe(0);
      await dir.remove();
    }
  });
});

// ---------------------------------------------------------------- configuration

describe('metrics and pool configuration', () => {
  const base = { DATA_DIR: '/tmp/ww-metrics-config' };

  it('METRICS_TOKEN must be 32+ token characters, is redacted when printed; METRICS_PORT must differ from PORT', () => {
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'x'.repeat(31) })).toThrow(/METRICS_TOKEN must be at least 32 characters/);
    expect(() => loadConfig({ ...base, METRICS_TOKEN: `${'x'.repeat(31)} y` })).toThrow(ConfigError);
    const config = loadConfig({ ...base, METRICS_TOKEN: TOKEN });
    expect(config.metricsToken).toBe(TOKEN);
    expect(redactConfig(config).metricsToken).toBe('[redacted]');
    expect(JSON.stringify(redactConfig(config))).not.toContain(TOKEN);
    expect(() => loadConfig({ ...base, PORT: '9000', METRICS_PORT: '9000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(loadConfig({ ...base, METRICS_PORT: '9100' })).toMatchObject({ metricsPort: 9100, metricsHost: '127.0.0.1' });
  });

  it('pool and timeout settings have the documented defaults and bounds', () => {
    expect(loadConfig(base)).toMatchObject({
      dbPoolSize: 30,
      dbConnectTimeoutMs: 5000,
      dbStatementTimeoutMs: 30_000,
      redisCommandTimeoutMs: 2000,
      redisConnectTimeoutMs: 5000,
      metricsToken: undefined,
      metricsPort: undefined,
    });
    expect(loadConfig({ ...base, DB_STATEMENT_TIMEOUT: '0' }).dbStatementTimeoutMs).toBe(0);
    expect(() => loadConfig({ ...base, REDIS_COMMAND_TIMEOUT: '10' })).toThrow(/REDIS_COMMAND_TIMEOUT must be between/);
    expect(() => loadConfig({ ...base, DB_CONNECT_TIMEOUT: 'soon' })).toThrow(/DB_CONNECT_TIMEOUT must be a whole number/);
  });

  it('production refuses a guessable METRICS_TOKEN and a metrics listener reachable from elsewhere without one', async () => {
    await ensureOpaqueReady();
    const safe = {
      ...base,
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://vault.example.com',
      TRUSTED_PROXIES: '10.0.0.0/8',
      SERVER_SECRET: randomBytes(32).toString('base64url'),
      OPAQUE_SERVER_SETUP: opaqueServer.createServerSetup(),
      SMTP_URL: 'smtp://127.0.0.1:2525',
    };
    expect(() => loadConfig(safe)).not.toThrow();
    expect(() => loadConfig({ ...safe, METRICS_TOKEN: 'ab'.repeat(16) })).toThrow(/METRICS_TOKEN is not random enough/);
    expect(() => loadConfig({ ...safe, METRICS_TOKEN: randomBytes(16).toString('hex') })).not.toThrow();
    expect(() => loadConfig({ ...safe, METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' })).toThrow(/METRICS_HOST 0\.0\.0\.0 is reachable from other machines/);
    expect(() => loadConfig({ ...safe, METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN })).not.toThrow();
    expect(() => loadConfig({ ...safe, METRICS_PORT: '9100' })).not.toThrow();
  });

  it.skipIf(!dialectsUnderTest().includes('postgres'))('PostgreSQL: every pooled connection carries DB_STATEMENT_TIMEOUT', async () => {
    const database = await createTestDatabase();
    const { db, poolStats } = openPostgresPool({ url: database.url, poolSize: 2, statementTimeoutMs: 200, connectTimeoutMs: 2000 });
    try {
      const shown = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(db);
      expect(shown.rows[0]?.statement_timeout).toBe('200ms');
      // Cancelled by the server (57014 query_canceled): an outage to the caller, 503 STORAGE_UNAVAILABLE.
      await expect(sql`select pg_sleep(2)`.execute(db)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', cause: { code: '57014' } });
      expect(poolStats()).toMatchObject({ max: 2, waiting: 0 });
      expect(poolStats().total).toBeLessThanOrEqual(2);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });

  it.skipIf(!dialectsUnderTest().includes('postgres'))('PostgreSQL: a pooled connection is recycled once DB_POOL_MAX_LIFETIME has passed', async () => {
    expect(loadConfig({ ...base }).dbPoolMaxLifetimeSeconds).toBe(1800);
    expect(loadConfig({ ...base, DB_POOL_MAX_LIFETIME: '0' }).dbPoolMaxLifetimeSeconds).toBe(0);
    expect(() => loadConfig({ ...base, DB_POOL_MAX_LIFETIME: '-1' })).toThrow(/DB_POOL_MAX_LIFETIME/);
    const database = await createTestDatabase();
    const { db } = openPostgresPool({ url: database.url, poolSize: 1, maxLifetimeSeconds: 1 });
    try {
      const backend = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid;
      const first = await backend();
      expect(await backend()).toBe(first); // the same connection while it is young
      await new Promise((resolve) => setTimeout(resolve, 1300));
      const later = await backend();
      expect(later).toBeDefined();
      expect(later).not.toBe(first);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
