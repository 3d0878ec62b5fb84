// Read-path harness for profiling (docs/performance.md "How to profile"; not part of npm run bench): starts the
// baseline and Watchword (SQLite) pinned like the benchmark, seeds one item, drives GET /api/v1/items/:id (DELTA=1:
// a delta sync) for D seconds and prints req/s, the ratio and server CPU µs per request. PROFILE=1 adds --cpu-prof;
// NODE_FLAGS adds other flags to the server's node (e.g. --perf-basic-prof); PERF=1 records the server with
// `perf record -g` during the load (perf.data in the working directory). DATABASE_URL and REDIS_URL, when set, are
// passed to the server (a migrated, empty database: `npm run migrate`), to profile PostgreSQL + Redis.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchwordClient } from '@watchword/client';
import { runWorker, startServer } from './lib/processes.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../scripts/ensure-server-build.ts';
import { deleteKeysWithPrefix } from '../scripts/redis-prefix.ts';

const D = Number(process.env.D ?? 5);
const twoCores = cpus().length >= 2;
const SERVER_CPU = twoCores ? 0 : undefined;
const LOAD_CPU = twoCores ? 1 : undefined;
// The bundle, as `npm start` and the benchmark run it; SERVER_ENTRY=packages/server/src/main.ts profiles the sources.
await ensureServerBuild();
const MAIN = process.env.SERVER_ENTRY ?? SERVER_BUNDLE;
const LOAD = join(import.meta.dirname, 'load-worker.ts');
const base = await startServer(join(import.meta.dirname, 'baseline-server.ts'), [], {}, SERVER_CPU);
const baseCpu0 = base.cpuMs();
const b = await runWorker<{ rps: number }>(LOAD, { url: base.url, scenario: 'get', path: '/json', durationSeconds: D, connections: 16 }, LOAD_CPU);
const baseCpuUs = ((base.cpuMs() - baseCpu0) * 1000) / (b.rps * D);
await base.stop();
const dataDir = mkdtempSync(join(tmpdir(), 'ww-prof-'));
const backends = Object.fromEntries(['DATABASE_URL', 'REDIS_URL'].flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])));
const extra = [...(process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...(process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean)];
// Its own Redis key prefix, deleted afterwards.
const prefix = `ww_prof_${randomBytes(4).toString('hex')}:`;
const serverEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ALLOWED_KDF_VERSIONS: '0,1', ACCESS_TOKEN_TTL: '3600', RATE_LIMIT_READ_PER_MINUTE: '100000000', REDIS_KEY_PREFIX: prefix, ...backends };
const server = await startServer(MAIN, ['serve'], serverEnv, SERVER_CPU, extra);
console.log('cold start', server.coldStartMs.toFixed(0), 'ms; idle RSS', (server.rssBytes() / 2 ** 20).toFixed(1), 'MB');
const c = new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false });
await c.register({ email: 'p@example.com', password: 'profile password' });
const v = await new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false }).login({ email: 'p@example.com', password: 'profile password' });
const item = await v.add({ type: 'note', name: 'n', fields: [] });
const path = process.env.DELTA ? `/api/v1/items?since=${(await v.sync()).revision}` : `/api/v1/items/${item.id}`;
const perf = process.env.PERF ? spawn('perf', ['record', '-o', 'perf.data', '-g', '-p', String(server.child.pid), '--', 'sleep', String(D)], { stdio: ['ignore', 'ignore', 'inherit'] }) : undefined;
const perfDone = perf && new Promise((resolve) => perf.once('exit', resolve));
const cpu0 = server.cpuMs();
const t0 = performance.now();
const r = await runWorker<{ rps: number; non2xx: number }>(LOAD, { url: server.url, scenario: 'get', path, headers: { authorization: `Bearer ${v.session.tokens.accessToken}` }, durationSeconds: D, connections: 16 }, LOAD_CPU);
console.log('server CPU use', ((server.cpuMs() - cpu0) / (performance.now() - t0) * 100).toFixed(0), '%; µs CPU per request', ((server.cpuMs() - cpu0) * 1000 / (r.rps * D)).toFixed(1));
await perfDone;
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
if (process.env.REDIS_URL) await deleteKeysWithPrefix(process.env.REDIS_URL, prefix);
console.log(`baseline ${b.rps.toFixed(0)} req/s (${baseCpuUs.toFixed(1)} µs CPU per request); watchword ${r.rps.toFixed(0)} req/s (${r.non2xx} non-2xx); ratio ${(r.rps / b.rps).toFixed(3)}`);
