// Read-path harness for profiling (docs/performance.md "How to profile"; not part of npm run bench): starts the
// baseline and Watchword (SQLite) pinned like the benchmark, seeds one item, drives GET /api/v1/items/:id (DELTA=1:
// a delta sync) for D seconds and prints req/s, the ratio and server CPU µs per request. PROFILE=1 adds --cpu-prof;
// NODE_FLAGS adds other flags to the server's node (e.g. --perf-basic-prof); PERF=1 records the server with
// `perf record -g` during the load (perf.data in the working directory). DATABASE_URL and REDIS_URL, when set, are
// passed to the server (a migrated, empty database: `npm run migrate`), to profile PostgreSQL + Redis. LOAD=wrk drives
// both servers with wrk instead of autocannon (when installed), to check that the load generator is not the limit.
// C sets the number of connections (default 16; C=1 measures one request at a time, i.e. latency). CEILING=1 then
// stops Watchword and measures bench/ceiling-server.ts on the data it left (the same row, token, database and Redis
// keys): the cheapest server that does what the design asks of a read (not with DELTA). CEILING_WITHOUT=state,store,
// headers removes parts of it (bench/ceiling-server.ts).
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { WatchwordClient } from '@watchword/client';
import { answerShape, assertSameAnswer, startCeiling } from './lib/ceiling.ts';
import { runWorker, runWrk, startServer, withCpu } from './lib/processes.ts';
import { startProfiledServer } from './lib/profiling.ts';

const D = Number(process.env.D ?? 5);
const C = Number(process.env.C ?? 16);
const twoCores = cpus().length >= 2;
const SERVER_CPU = twoCores ? 0 : undefined;
const LOAD_CPU = twoCores ? 1 : undefined;
const LOAD = join(import.meta.dirname, 'load-worker.ts');
interface LoadResult {
  rps: number;
  total: number;
  non2xx: number;
}
const get = (url: string, path: string, headers: Record<string, string> = {}): Promise<LoadResult> =>
  process.env.LOAD === 'wrk'
    ? runWrk(`${url}${path}`, headers, D, C, LOAD_CPU)
    : runWorker<LoadResult>(LOAD, { url, scenario: 'get', path, headers, durationSeconds: D, connections: C }, LOAD_CPU);
const base = await startServer(join(import.meta.dirname, 'baseline-server.ts'), [], {}, SERVER_CPU);
const b = await withCpu(base, () => get(base.url, '/json'));
await base.stop();
// The bundle, as `npm start` and the benchmark run it; SERVER_ENTRY=packages/server/src/main.ts profiles the sources.
const profiled = await startProfiledServer({ ACCESS_TOKEN_TTL: '3600', RATE_LIMIT_READ_PER_MINUTE: '100000000' }, SERVER_CPU);
const { server } = profiled;
console.log('cold start', server.coldStartMs.toFixed(0), 'ms; idle RSS', (server.rssBytes() / 2 ** 20).toFixed(1), 'MB');
const c = new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false });
await c.register({ email: 'p@example.com', password: 'profile password' });
const v = await new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false }).login({ email: 'p@example.com', password: 'profile password' });
const item = await v.add({ type: 'note', name: 'n', fields: [] });
const path = process.env.DELTA ? `/api/v1/items?since=${(await v.sync()).revision}` : `/api/v1/items/${item.id}`;
const perf = process.env.PERF ? spawn('perf', ['record', '-o', 'perf.data', '-g', '-p', String(server.child.pid), '--', 'sleep', String(D)], { stdio: ['ignore', 'ignore', 'inherit'] }) : undefined;
const perfDone = perf && new Promise((resolve) => perf.once('exit', resolve));
const t0 = performance.now();
const r = await withCpu(server, () => get(server.url, path, { authorization: `Bearer ${v.session.tokens.accessToken}` }));
const elapsedMs = performance.now() - t0;
console.log('server CPU use', (((r.cpuUs / 1000) * r.total) / elapsedMs * 100).toFixed(0), '%; µs CPU per request', r.cpuUs.toFixed(1));
await perfDone;
let ceiling: Awaited<ReturnType<typeof measureCeiling>> | undefined;
try {
  if (process.env.CEILING && !process.env.DELTA) ceiling = await measureCeiling();
} finally {
  await profiled.close();
}
console.log(`baseline ${b.rps.toFixed(0)} req/s (${b.cpuUs.toFixed(1)} µs CPU per request); watchword ${r.rps.toFixed(0)} req/s (${r.non2xx} non-2xx); ratio ${(r.rps / b.rps).toFixed(3)}`);
if (ceiling) {
  console.log(`ceiling ${ceiling.rps.toFixed(0)} req/s (${ceiling.non2xx} non-2xx; ${ceiling.cpuUs.toFixed(1)} µs CPU per request); ratio ${(ceiling.rps / b.rps).toFixed(3)}; watchword / ceiling ${(r.rps / ceiling.rps).toFixed(3)}`);
}

/**
 * Stops Watchword and drives the same read against bench/ceiling-server.ts, on the same data, after checking that the
 * ceiling answers it with the same status, body and headers.
 */
async function measureCeiling() {
  const token = v.session.tokens.accessToken;
  const authorization = `Bearer ${token}`;
  const expected = await answerShape(server.url, path, authorization);
  await server.stop();
  const without = process.env.CEILING_WITHOUT ?? '';
  const ceilingServer = await startCeiling(profiled, token, SERVER_CPU, without);
  try {
    assertSameAnswer(await answerShape(ceilingServer.url, path, authorization), expected, without);
    return await withCpu(ceilingServer, () => get(ceilingServer.url, path, { authorization }));
  } finally {
    await ceilingServer.stop();
  }
}
