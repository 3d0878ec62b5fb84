// `npm run bench:client`: the client side of large vaults (bench/lib/client-bench.ts; docs/performance.md "Large
// vaults") at 10,000 and 50,000 items against the server bundle on SQLite. `--quick`: 1,000 and 2,000 items.
// `--cache-format`: only the CLI copy formats, in-process (measureCacheFormats).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/processes.ts';
import { type ClientRow, checkClientTargets, formatClientRows, measureCacheFormats, measureCliStart, measureClient } from './lib/client-bench.ts';
import { formatTargets } from './lib/targets.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../scripts/ensure-server-build.ts';
import { ensureCliBuild } from '../scripts/ensure-cli-build.ts';

const quick = process.argv.includes('--quick');
const sizes = process.argv.find((a) => a.startsWith('--sizes='))?.slice(8).split(',').map(Number) ?? (quick ? [1_000, 2_000] : [10_000, 50_000]);
const runs = quick ? 2 : 5;
const log = (msg: string) => process.stderr.write(`bench:client: ${msg}\n`);

// `--cache-format`: only the CLI copy's two formats, in-process (no server, no CLI), at each size.
if (process.argv.includes('--cache-format')) {
  const rows: ClientRow[] = [];
  for (const size of sizes) {
    log(`cache formats, ${size} items`);
    rows.push(...(await measureCacheFormats(size, runs)));
  }
  process.stdout.write(`${formatClientRows(rows).join('\n')}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  process.exit(0);
}

await ensureServerBuild();
await ensureCliBuild();
const dataDir = mkdtempSync(join(tmpdir(), 'ww-bench-client-'));
const server = await startServer(SERVER_BUNDLE, ['serve'], {
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ALLOWED_KDF_VERSIONS: '0,1',
  ACCESS_TOKEN_TTL: '3600',
  RATE_LIMIT_READ_PER_MINUTE: '100000',
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  RATE_LIMIT_WRITE_PER_MINUTE: '100000',
}, undefined);
const rows: ClientRow[] = [];
try {
  log('CLI start');
  rows.push(measureCliStart(runs * 2));
  for (const size of sizes) {
    log(`${size} items`);
    rows.push(...(await measureClient(server.url, size, runs)));
  }
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(`${[...formatClientRows(rows), 'targets:', ...formatTargets(checkClientTargets(rows))].join('\n')}\n`);
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
