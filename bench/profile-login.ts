// Login harness for profiling (docs/performance.md "How to profile"; not part of npm run bench): starts Watchword
// pinned like the benchmark, registers four accounts (test-only key stretching), drives full logins (start + finish +
// tokens) from the protocol driver for D seconds and prints logins/s and server CPU ms per login. SERVER_ENTRY, PROFILE,
// NODE_FLAGS, DATABASE_URL and REDIS_URL as in profile-read.ts (a migrated, empty database: `npm run migrate`).
import { cpus } from 'node:os';
import { join } from 'node:path';
import { WatchwordClient } from '@watchword/client';
import { runWorker, withCpu } from './lib/processes.ts';
import { startProfiledServer } from './lib/profiling.ts';

const D = Number(process.env.D ?? 6);
const twoCores = cpus().length >= 2;
const LIMITS_OFF = {
  RATE_LIMIT_AUTH_PER_MINUTE: '100000000',
  LOGIN_FREE_ATTEMPTS: '100000000',
  LOGIN_ACCOUNT_FREE_ATTEMPTS: '100000000',
  LOGIN_IP_BLOCK_FAILURES: '100000000',
};
const profiled = await startProfiledServer(LIMITS_OFF, twoCores ? 0 : undefined);
const { server } = profiled;
try {
  const accounts = Array.from({ length: 4 }, (_, i) => ({ email: `login${i}@example.com`, password: `login password ${i}` }));
  for (const account of accounts) await new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false }).register(account);
  const r = await withCpu(server, () =>
    runWorker<{ total: number; rps: number; failures: number }>(
      join(import.meta.dirname, 'driver-worker.ts'),
      { url: server.url, scenario: 'login', durationMs: D * 1000, concurrency: 8, kdfVersion: 0, accounts },
      twoCores ? 1 : undefined,
    ),
  );
  console.log(`${r.total} logins (${r.failures} failed), ${r.rps.toFixed(0)}/s; server CPU ${(r.cpuUs / 1000).toFixed(3)} ms per login`);
} finally {
  await profiled.close();
}
