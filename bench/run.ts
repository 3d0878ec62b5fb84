// `npm run bench`: Watchword against a bare Fastify route measured in the same run (see docs/performance.md).
// Server pinned to CPU 0 and the load generator to CPU 1 when taskset exists. `--quick` runs a short smoke pass.
import { api } from '@watchword/protocol';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { type Vault, WatchwordClient } from '@watchword/client';
import { pinned, runWorker, startServer, type Server, withCpu } from './lib/processes.ts';
import { type TargetCheck, checkTargets, formatTargets } from './lib/targets.ts';
import { againstBaseline, chooseBaseline } from './lib/baseline.ts';
import { bulkImport } from './lib/import-bench.ts';
import { type ClientRow, checkClientTargets, formatClientRows, measureCliStart, measureClient } from './lib/client-bench.ts';
import { formatSharedSyncRows, measureSharedSync } from './lib/shared-sync.ts';
import { type SyncRow, checkLargeVaultTargets, formatSyncRows, measureLargeVaults, rssAfterRow } from './lib/sync-bench.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../scripts/ensure-server-build.ts';
import { ensureCliBuild } from '../scripts/ensure-cli-build.ts';
import { deleteRedisKeysWithPrefix } from '@watchword/testkit';

const quick = process.argv.includes('--quick');
/** `--server-env=MEMORY_SOFT_LIMIT_MB=0` (repeatable): environment for Watchword's server processes, for comparisons. */
const SERVER_ENV = Object.fromEntries(
  process.argv.filter((a) => a.startsWith('--server-env=')).map((a) => a.slice('--server-env='.length).split(/=(.*)/s).slice(0, 2) as [string, string]),
);
const outDir = process.argv.find((a) => a.startsWith('--out='))?.slice(6) ?? join(import.meta.dirname, 'results');
const twoCores = cpus().length >= 2;
const SERVER_CPU = twoCores ? 0 : undefined;
const LOAD_CPU = twoCores ? 1 : undefined;
const D = quick ? 1 : 8; // seconds per throughput scenario
const CONNECTIONS = 16;
const SYNC_SMALL = quick ? 100 : 1_000;
const SYNC_LARGE = quick ? 500 : 10_000;
/** Large vaults, client side (bench/lib/client-bench.ts): on SQLite, in a full run unless `--no-client`; `npm run bench:client` runs them alone. */
const CLIENT_SIZES = quick || process.argv.includes('--no-client') ? [] : [10_000, 50_000];
const clientRows: ClientRow[] = [];
/**
 * Large vaults, server side (bench/lib/sync-bench.ts): full syncs of 10,000 and 50,000 items, the RSS during them and
 * after the whole run, a bulk add of 10,000; on SQLite, in a full run unless `--no-large-sync` (about a minute more);
 * `--large-sizes=300,1500` runs them at other sizes (in a `--quick` run too); `npm run bench:sync` runs them alone.
 */
const LARGE_SYNC_SIZES = process.argv.find((a) => a.startsWith('--large-sizes='))?.slice('--large-sizes='.length).split(',').map(Number)
  ?? (quick || process.argv.includes('--no-large-sync') ? [] : [10_000, 50_000]);
/** Items of the large-vault bulk add: 10,000, or the smallest size given with `--large-sizes=` (to try the rows quickly). */
const LARGE_BULK_ADD = process.argv.some((a) => a.startsWith('--large-sizes=')) ? Math.min(...LARGE_SYNC_SIZES) : 10_000;
// The server as `npm start` runs it: the bundle (scripts/ensure-server-build.ts), built first if stale.
await ensureServerBuild();
// The CLI as `ww` runs it once `npm run build:cli` has bundled it (scripts/ensure-cli-build.ts).
await ensureCliBuild();
const MAIN = SERVER_BUNDLE;
const LOAD = join(import.meta.dirname, 'load-worker.ts');
const DRIVER = join(import.meta.dirname, 'driver-worker.ts');
// The CLI as `npx ww` runs it.
const WW = join(import.meta.dirname, '..', 'apps', 'cli', 'bin', 'ww.mjs');

interface Row {
  scenario: string;
  rps?: number;
  p50?: number;
  p99?: number;
  ratio?: number;
  /** Server CPU time per request, µs: steadier than req/s on a shared machine. */
  cpuUs?: number;
  /** The baseline's CPU per request over this one's: the throughput ratio if both servers were CPU-bound. */
  cpuRatio?: number;
  note?: string;
  non2xx?: number;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx?: number;
  errors?: number;
  failures?: number;
  cpuUs?: number;
}

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

function load(job: Record<string, unknown>): Promise<LoadResult> {
  return runWorker<LoadResult>(LOAD, { durationSeconds: D, connections: CONNECTIONS, ...job }, LOAD_CPU);
}

async function seed(vault: Vault, count: number, prefix: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const n = next++;
        await vault.add({ type: 'login', name: `${prefix} ${n}`, fields: [], login: { username: `user${n}`, password: randomBytes(12).toString('base64url'), urls: [`https://site${n}.example`] } });
      }
    }),
  );
}

/** Every scenario of one backend; `ratio` and `cpuRatio` are added afterwards, against the baseline measured around the run. */
interface LargeVaults {
  rows: SyncRow[];
  targets: TargetCheck[];
}

async function measureWatchword(label: string, env: Record<string, string>): Promise<{ rows: Row[]; facts: Record<string, number>; largeVaults?: LargeVaults }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ww-bench-'));
  const rows: Row[] = [];
  const facts: Record<string, number> = {};
  const serverEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ALLOWED_KDF_VERSIONS: '0,1', ACCESS_TOKEN_TTL: '3600', ...BENCH_LIMITS, ...SERVER_ENV, ...env };
  // First start on an empty data directory (signing keys generated, the SQLite database created and migrated),
  // then the start that counts: a restart on existing data, as every later start of a server is.
  const first = await startServer(MAIN, ['serve'], serverEnv, SERVER_CPU);
  facts.firstStartMs = first.coldStartMs;
  await first.stop();
  const server: Server = await startServer(MAIN, ['serve'], serverEnv, SERVER_CPU);
  try {
    facts.coldStartMs = server.coldStartMs;
    await new Promise((r) => setTimeout(r, 1000));
    facts.idleRssMb = server.rssBytes() / 2 ** 20;
    const client = (dpop = false) => new WatchwordClient({ passwordPolicy: false,  serverUrl: server.url, kdfVersion: 0, dpop: dpop ? 'generate' : false });
    const accounts = Array.from({ length: 4 }, (_, i) => ({ email: `bench${i}@example.com`, password: `bench password ${i}` }));
    for (const a of accounts) await client().register(a);
    const [a, b, c] = await Promise.all(accounts.slice(0, 3).map((x) => client().login(x)));
    if (!a || !b || !c) throw new Error('login failed');
    log(`${label}: seeding ${SYNC_SMALL} + ${SYNC_LARGE} items`);
    const seedStart = performance.now();
    await seed(a, SYNC_SMALL, 'small');
    await seed(b, SYNC_LARGE, 'large');
    facts.seedItemsPerSecond = (SYNC_SMALL + SYNC_LARGE) / ((performance.now() - seedStart) / 1000);
    const auth = (v: Vault) => ({ authorization: `Bearer ${v.session.tokens.accessToken}` });
    const item = (await a.list())[0];
    if (!item) throw new Error('no item');
    const row = (scenario: string, r: LoadResult, note?: string): Row => ({
      scenario,
      rps: r.rps,
      p50: r.p50,
      p99: r.p99,
      cpuUs: r.cpuUs,
      non2xx: (r.non2xx ?? 0) + (r.errors ?? 0) + (r.failures ?? 0),
      ...(note ? { note } : {}),
    });
    const measured = (run: () => Promise<LoadResult>) => withCpu(server, run);

    log(`${label}: single-item read`);
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rssBytes())), 100);
    const read = await measured(() => load({ url: server.url, scenario: 'get', path: `/api/v1/items/${item.id}`, headers: auth(a) }));
    clearInterval(sampler);
    facts.loadRssMb = peakRss / 2 ** 20;
    rows.push(row('item read (JWT + revocation + DB)', read));

    log(`${label}: create / update`);
    const blob = (await c.session.call(api.items.get, { params: { id: (await c.add({ type: 'note', name: 'x', fields: [] })).id } })).item.data;
    rows.push(row('item create', await measured(() => load({ url: server.url, scenario: 'create', headers: auth(c), vaultId: c.personalVaultId, blob }))));
    const targets = await c.addMany(Array.from({ length: CONNECTIONS * 16 }, () => ({ type: 'note' as const, name: 'u', fields: [] })));
    rows.push(row('item update (revision check)', await measured(() => load({ url: server.url, scenario: 'update', headers: auth(c), blob, items: targets.map((t) => ({ id: t.id, revision: t.revision })) }))));

    log(`${label}: sync`);
    rows.push(row(`full sync ${SYNC_SMALL} items`, await measured(() => load({ url: server.url, scenario: 'get', path: '/api/v1/items', headers: auth(a), connections: 4 }))));
    const bigSync = await measured(() => load({ url: server.url, scenario: 'get', path: '/api/v1/items', headers: auth(b), connections: 2 }));
    rows.push(row(`full sync ${SYNC_LARGE} items`, bigSync));
    facts.fullSyncLargeItems = SYNC_LARGE;
    facts.fullSyncLargeP50Ms = bigSync.p50;
    const before = (await a.sync()).revision;
    await a.update(item.id, { ...item.content, notes: 'changed' }, item.revision);
    const delta = await measured(() => load({ url: server.url, scenario: 'get', path: `/api/v1/items?since=${before}`, headers: auth(a) }));
    facts.deltaCostVsRead = read.rps / delta.rps;
    rows.push(row('delta sync, one change', delta, `costs ${facts.deltaCostVsRead.toFixed(2)}× a single read`));

    log(`${label}: login`);
    const login = await measured(() => runWorker<LoadResult>(DRIVER, { url: server.url, scenario: 'login', durationMs: D * 1000, concurrency: 8, kdfVersion: 0, accounts }, LOAD_CPU));
    facts.serverCpuMsPerLogin = (login.cpuUs ?? Number.NaN) / 1000;
    rows.push(row('full login (start + finish + tokens)', login, `server CPU ${facts.serverCpuMsPerLogin.toFixed(2)} ms/login → ≤ ${(1000 / facts.serverCpuMsPerLogin).toFixed(0)}/s on one core`));

    log(`${label}: refresh`);
    const sessions = await Promise.all(Array.from({ length: 8 }, () => client().login(accounts[3] as { email: string; password: string })));
    rows.push(row('refresh (rotation)', await measured(() => runWorker<LoadResult>(DRIVER, { url: server.url, scenario: 'refresh', durationMs: D * 1000, concurrency: 8, kdfVersion: 0, refreshTokens: sessions.map((s) => s.session.tokens.refreshToken) }, LOAD_CPU))));

    log(`${label}: login-start timing, known vs unknown e-mail`);
    const enumeration = await runWorker<{ medianDiffMs: number; p99DiffMs: number; known: { p50: number; n: number }; unknown: { p50: number; n: number }; failures: number }>(
      DRIVER,
      { url: server.url, scenario: 'enumeration', durationMs: 0, concurrency: 1, kdfVersion: 0, knownEmail: accounts[0]?.email, samples: quick ? 100 : 1000 },
      LOAD_CPU,
    );
    if (enumeration.failures > 0) throw new Error(`login-start timing: ${enumeration.failures} requests failed`);
    facts.enumerationMedianDiffMs = enumeration.medianDiffMs;
    facts.enumerationP99DiffMs = enumeration.p99DiffMs;
    facts.readP50Ms = read.p50;
    facts.deltaP50Ms = delta.p50;

    log(`${label}: bulk add of ${SYNC_LARGE} items with \`ww import\` (CSV, Bitwarden JSON, 1PUX)`);
    Object.assign(facts, await bulkImport(server.url, SYNC_LARGE, ww));

    let largeVaults: LargeVaults | undefined;
    if (label === 'sqlite + memory' && LARGE_SYNC_SIZES.length > 0) {
      log(`${label}: large vaults, server side (${LARGE_SYNC_SIZES.join(', ')} items)`);
      const syncRows = await measureLargeVaults(server, { sizes: LARGE_SYNC_SIZES, runs: 7, codings: ['identity', 'br'], idleRssMb: facts.idleRssMb, bulkAdd: LARGE_BULK_ADD, log: (m) => log(`${label}: ${m}`) });
      largeVaults = { rows: syncRows, targets: [] };
    }
    if (label === 'sqlite + memory' && CLIENT_SIZES.length > 0) {
      log(`${label}: large vaults, client side (${CLIENT_SIZES.join(', ')} items)`);
      clientRows.push(measureCliStart(10));
      for (const size of CLIENT_SIZES) clientRows.push(...(await measureClient(server.url, size, 5)));
    }
    // The server's RSS once everything above has run (the issue's "after a load run"), against its idle RSS.
    await new Promise((r) => setTimeout(r, 2000));
    facts.rssAfterMb = server.rssBytes() / 2 ** 20;
    if (largeVaults) {
      largeVaults.rows.push(rssAfterRow(server, facts.idleRssMb));
      largeVaults.targets = checkLargeVaultTargets(largeVaults.rows);
      return { rows, facts, largeVaults };
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { rows, facts };
}

/** Runs the CLI (pinned with the load generator) and returns its stdout; throws unless it exits 0. */
function ww(args: string[], env: Record<string, string>, stdin = ''): string {
  const [cmd, argv] = pinned(LOAD_CPU, process.execPath, [WW, ...args]);
  const r = spawnSync(cmd, argv, { env: { PATH: process.env.PATH ?? '', ...env }, input: stdin, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`ww ${args[0]} exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Generous limits: the benchmark measures throughput, not the throttle (which has its own tests). */
// The throttle and limits still run (their cost is part of every figure); they just never say no.
const BENCH_LIMITS: Record<string, string> = {
  RATE_LIMIT_AUTH_PER_MINUTE: '100000000',
  RATE_LIMIT_WRITE_PER_MINUTE: '100000000',
  RATE_LIMIT_READ_PER_MINUTE: '100000000',
  LOGIN_FREE_ATTEMPTS: '100000000',
  LOGIN_ACCOUNT_FREE_ATTEMPTS: '100000000',
  LOGIN_IP_BLOCK_FAILURES: '100000000',
};

async function withPostgres<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `ww_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const m = spawnSync(process.execPath, [MAIN, 'migrate'], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: url.toString(), DATA_DIR: tmpdir() }, encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`migrate failed: ${m.stderr}`);
    return await fn(url.toString());
  } finally {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)}`);
    await admin.end();
  }
}

/** Runs `fn` with a fresh Redis key prefix, then deletes every key under it (the throttle keeps failure counters for a day). */
async function withRedisPrefix<T>(redisUrl: string, fn: (prefix: string) => Promise<T>): Promise<T> {
  const prefix = `ww_bench_${randomBytes(4).toString('hex')}:`;
  try {
    return await fn(prefix);
  } finally {
    await deleteRedisKeysWithPrefix(redisUrl, prefix);
  }
}

const fmt = (n: number | undefined, d = 0) => (n === undefined ? '' : n.toFixed(d));

log(`${quick ? 'quick' : 'full'} run; server on CPU ${SERVER_CPU ?? 'any'}, load on CPU ${LOAD_CPU ?? 'any'}`);
/** One measurement of the bare route (lib/baseline.ts: taken before and after each backend's run). */
async function measureBaseline(when: string): Promise<LoadResult & { when: string }> {
  log(`baseline (${when})`);
  const baseServer = await startServer(join(import.meta.dirname, 'baseline-server.ts'), [], {}, SERVER_CPU);
  try {
    return { when, ...(await withCpu(baseServer, () => load({ url: baseServer.url, scenario: 'get', path: '/json' }))) };
  } finally {
    await baseServer.stop();
  }
}

type Baseline = Awaited<ReturnType<typeof measureBaseline>>;
interface Run {
  label: string;
  rows: Row[];
  facts: Record<string, number>;
  /** The measurement ratios are taken against, the spread between those around the run, and whether it was too wide. */
  baseline?: Baseline;
  baselineSpread?: number;
  disturbed?: boolean;
  targets?: TargetCheck[];
  largeVaults?: LargeVaults;
}
const baselines: Baseline[] = [await measureBaseline('before sqlite + memory')];
const runs: Run[] = [];
/** Measures one backend, then the baseline again, and takes its ratios against the faster of the two around it. */
async function bracketed(label: string, measure: () => Promise<{ rows: Row[]; facts: Record<string, number>; largeVaults?: LargeVaults }>, after: string): Promise<void> {
  const before = baselines.at(-1) as Baseline;
  const run: Run = { label, ...(await measure()) };
  const next = await measureBaseline(after);
  baselines.push(next);
  const chosen = chooseBaseline([before, next]);
  Object.assign(run, { baseline: chosen.baseline, baselineSpread: chosen.spread, disturbed: chosen.disturbed });
  for (const row of run.rows) if (row.rps !== undefined) Object.assign(row, againstBaseline({ rps: row.rps, cpuUs: row.cpuUs }, chosen.baseline));
  runs.push(run);
}
await bracketed('sqlite + memory', () => measureWatchword('sqlite + memory', {}), 'after sqlite + memory');
if (process.env.BENCH_DATABASE_URL && process.env.BENCH_REDIS_URL) {
  const redisUrl = process.env.BENCH_REDIS_URL;
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  await bracketed(
    'postgres + redis',
    () => withRedisPrefix(redisUrl, (prefix) => withPostgres(databaseUrl, (url) => measureWatchword('postgres + redis', { DATABASE_URL: url, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix }))),
    'after postgres + redis',
  );
}

// Shared vaults (bench/lib/shared-sync.ts, about 30 s on its own server) unless `--no-shared`; `npm run bench:shared-sync` runs it alone.
const sharedRows = process.argv.includes('--no-shared') ? [] : await measureSharedSync({ vaults: 5, perVault: quick ? 20 : 2_000, runs: quick ? 3 : 41, log: (m) => log(`shared vaults: ${m}`) });

for (const run of runs) {
  const read = run.rows.find((r) => r.scenario.startsWith('item read'));
  run.targets = checkTargets({ backend: run.label.startsWith('postgres') ? 'postgres' : 'sqlite', readRatio: read?.ratio ?? Number.NaN, facts: run.facts });
}

const lines = baselines.map((b) => `baseline (bare Fastify GET /json), ${b.when}: ${fmt(b.rps)} req/s, p50 ${fmt(b.p50, 2)} ms, p99 ${fmt(b.p99, 2)} ms, server CPU ${fmt(b.cpuUs, 1)} µs/request`);
for (const run of runs) {
  const against = `against the faster baseline around it, ${fmt(run.baseline?.rps)} req/s (the two differ by ${fmt((run.baselineSpread ?? 0) * 100)} %)`;
  // A quick run's one-second measurements include warm-up: its baselines always move, and it is a smoke pass anyway.
  const warning = run.disturbed && !quick ? ['DISTURBED: the baseline moved by more than 15 % during this run; the machine was not steady, so rerun before trusting its ratios.'] : [];
  lines.push('', `Watchword on ${run.label}, ${against}`, ...warning, `${'scenario'.padEnd(40)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'× base'.padStart(7)} ${'CPU µs'.padStart(8)} ${'× CPU'.padStart(6)}  notes`);
  for (const r of run.rows) {
    lines.push(`${r.scenario.padEnd(40)} ${fmt(r.rps).padStart(8)} ${fmt(r.p50, 2).padStart(8)} ${fmt(r.p99, 2).padStart(8)} ${fmt(r.ratio, 2).padStart(7)} ${fmt(r.cpuUs, 1).padStart(8)} ${fmt(r.cpuRatio, 2).padStart(6)}  ${r.note ?? ''}${r.non2xx ? ` (${r.non2xx} failed)` : ''}`);
  }
  const f = run.facts;
  lines.push(
    `cold start ${fmt(f.coldStartMs)} ms (first start on an empty data directory ${fmt(f.firstStartMs)} ms) · idle RSS ${fmt(f.idleRssMb, 1)} MB · RSS under load ${fmt(f.loadRssMb, 1)} MB · RSS after the run ${fmt(f.rssAfterMb, 1)} MB · seeding ${fmt(f.seedItemsPerSecond)} items/s`,
    `login start, unknown − known e-mail: median ${fmt(f.enumerationMedianDiffMs, 3)} ms, p99 ${fmt(f.enumerationP99DiffMs, 3)} ms`,
    `bulk add: ${fmt(f.bulkImportItems)} items with \`ww import\` in ${fmt(f.bulkImportSeconds, 2)} s`,
    `import: ${fmt(f.bitwardenImportItems)} items of a Bitwarden JSON export with \`ww import\` in ${fmt(f.bitwardenImportSeconds, 2)} s; ${fmt(f.onePuxImportItems)} of a 1Password 1PUX in ${fmt(f.onePuxImportSeconds, 2)} s`,
    'targets:',
    ...formatTargets(run.targets ?? []),
  );
}
for (const run of runs) {
  if (run.largeVaults) lines.push('', `Large vaults, server side (${run.label}; each row against its same-run baseline)`, ...formatSyncRows(run.largeVaults.rows), 'targets:', ...formatTargets(run.largeVaults.targets));
}
if (clientRows.length > 0) lines.push('', 'Large vaults, client side (sqlite + memory; same-run baselines: bare WebCrypto, node -e 0)', ...formatClientRows(clientRows), 'targets:', ...formatTargets(checkClientTargets(clientRows)));
if (sharedRows.length > 0) lines.push('', ...formatSharedSyncRows(sharedRows));
process.stdout.write(`${lines.join('\n')}\n`);

mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = join(outDir, `${stamp}${quick ? '-quick' : ''}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), quick, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, pinned: twoCores }, baselines, runs, clientRows, sharedRows }, null, 2)}\n`,
);
log(`results written to ${file}`);
