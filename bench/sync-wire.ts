// `npm run bench:sync`: large vaults on the server alone (SQLite) — the full sync of 10,000 and 50,000 items (p50 of
// whole answers and bytes on the wire with identity, gzip and br), the server's RSS idle, during the syncs and after,
// and a bulk add of 10,000 items, each against a same-run baseline (bench/lib/sync-bench.ts; docs/performance.md
// "Full sync"). `npm run bench` runs the same rows in a full run. `--quick`: 1,000 and 5,000 items, bulk add of 1,000.
// `--sizes=200,500`, `--runs=N`, `--bulk=N` set them; `--json` prints the rows as JSON on the last line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/processes.ts';
import { checkLargeVaultTargets, formatSyncRows, measureLargeVaults, rssAfterRow } from './lib/sync-bench.ts';
import { formatTargets } from './lib/targets.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../scripts/ensure-server-build.ts';

const quick = process.argv.includes('--quick');
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SIZES = arg('sizes')?.split(',').map(Number) ?? (quick ? [1_000, 5_000] : [10_000, 50_000]);
const RUNS = Number(arg('runs') ?? (quick ? 3 : 7));
const BULK = Number(arg('bulk') ?? (quick ? 1_000 : 10_000));
if (SIZES.some((n) => !Number.isInteger(n) || n < 1) || !(RUNS >= 1) || !(BULK >= 0)) throw new Error('--sizes, --runs and --bulk take positive whole numbers');
/** `--server-flag=--max-semi-space-size=16` (repeatable): Node flags for the server process, after the launcher's. */
const SERVER_FLAGS = process.argv.filter((a) => a.startsWith('--server-flag=')).map((a) => a.slice('--server-flag='.length));
/** `--server-env=MALLOC_ARENA_MAX=2` (repeatable): environment for the server process, for allocator experiments. */
const SERVER_ENV = Object.fromEntries(
  process.argv.filter((a) => a.startsWith('--server-env=')).map((a) => a.slice('--server-env='.length).split(/=(.*)/s).slice(0, 2) as [string, string]),
);
const log = (msg: string) => process.stderr.write(`bench:sync: ${msg}\n`);

await ensureServerBuild();
const dataDir = mkdtempSync(join(tmpdir(), 'ww-bench-sync-'));
const server = await startServer(SERVER_BUNDLE, ['serve'], {
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ALLOWED_KDF_VERSIONS: '0,1',
  ACCESS_TOKEN_TTL: '3600',
  RATE_LIMIT_READ_PER_MINUTE: '100000',
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  RATE_LIMIT_WRITE_PER_MINUTE: '100000',
  ...SERVER_ENV,
}, undefined, SERVER_FLAGS);
let rows;
try {
  await new Promise((r) => setTimeout(r, 1000));
  const idleRssMb = server.rssBytes() / 2 ** 20;
  log(`idle RSS ${idleRssMb.toFixed(1)} MB`);
  rows = await measureLargeVaults(server, { sizes: SIZES, runs: RUNS, codings: ['identity', 'gzip', 'br'], idleRssMb, bulkAdd: BULK, log });
  await new Promise((r) => setTimeout(r, 2000));
  rows.push(rssAfterRow(server, idleRssMb));
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const lines = ['Large vaults, server side (sqlite, the server bundle; each row against its same-run baseline)', ...formatSyncRows(rows), 'targets:', ...formatTargets(checkLargeVaultTargets(rows))];
process.stdout.write(`${lines.join('\n')}\n`);
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
