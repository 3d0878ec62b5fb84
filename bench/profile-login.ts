// Login harness for profiling (docs/performance.md "How to profile"; not part of npm run bench): starts Watchword
// pinned like the benchmark, registers four accounts (test-only key stretching), drives full logins (start + finish +
// tokens) from the protocol driver for D seconds and prints logins/s and server CPU ms per login. SERVER_ENTRY, PROFILE,
// NODE_FLAGS, DATABASE_URL and REDIS_URL as in profile-read.ts (a migrated, empty database: `npm run migrate`).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WatchwordClient } from '@watchword/client';
import { runWorker, startServer } from './lib/processes.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../scripts/ensure-server-build.ts';
import { deleteKeysWithPrefix } from '../scripts/redis-prefix.ts';

const D = Number(process.env.D ?? 6);
const twoCores = cpus().length >= 2;
await ensureServerBuild();
const dataDir = mkdtempSync(join(tmpdir(), 'ww-prof-login-'));
// Its own Redis key prefix, deleted afterwards (the throttle's counters live for a day).
const prefix = `ww_prof_${randomBytes(4).toString('hex')}:`;
const backends = Object.fromEntries(['DATABASE_URL', 'REDIS_URL'].flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])));
const env = {
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ALLOWED_KDF_VERSIONS: '0,1',
  REDIS_KEY_PREFIX: prefix,
  RATE_LIMIT_AUTH_PER_MINUTE: '100000000',
  LOGIN_FREE_ATTEMPTS: '100000000',
  LOGIN_ACCOUNT_FREE_ATTEMPTS: '100000000',
  LOGIN_IP_BLOCK_FAILURES: '100000000',
  ...backends,
};
const flags = [...(process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...(process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean)];
const server = await startServer(process.env.SERVER_ENTRY ?? SERVER_BUNDLE, ['serve'], env, twoCores ? 0 : undefined, flags);
try {
  const accounts = Array.from({ length: 4 }, (_, i) => ({ email: `login${i}@example.com`, password: `login password ${i}` }));
  for (const account of accounts) await new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false }).register(account);
  const cpu0 = server.cpuMs();
  const r = await runWorker<{ total: number; rps: number; failures: number }>(
    join(import.meta.dirname, 'driver-worker.ts'),
    { url: server.url, scenario: 'login', durationMs: D * 1000, concurrency: 8, kdfVersion: 0, accounts },
    twoCores ? 1 : undefined,
  );
  console.log(`${r.total} logins (${r.failures} failed), ${r.rps.toFixed(0)}/s; server CPU ${((server.cpuMs() - cpu0) / r.total).toFixed(3)} ms per login`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (process.env.REDIS_URL) await deleteKeysWithPrefix(process.env.REDIS_URL, prefix);
}
