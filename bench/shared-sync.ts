// `npm run bench:shared-sync`: issue 25's benchmark (bench/lib/shared-sync.ts) — a user in 5 shared vaults of 2,000 items
// each against a user with the same 10,000 items in the personal vault, full sync and delta sync (one change). The
// target: the shared sync within 1.3× of the personal one (docs/performance.md "Shared vaults").
// `--quick`: 5 × 200 against 1,000.
import { measureSharedSync } from './lib/shared-sync.ts';

const quick = process.argv.includes('--quick');
const rows = await measureSharedSync({ vaults: 5, perVault: quick ? 200 : 2_000, runs: quick ? 5 : 41, log: (msg) => process.stderr.write(`bench:shared-sync: ${msg}\n`) });
console.log(JSON.stringify(rows, null, 1));
