import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClientRow } from '../lib/client-bench.ts';

/** `npm run bench:client -- --quick` runs every row and prints them; no timing is asserted (figures belong to the bench). */
describe('npm run bench:client -- --quick (smoke)', () => {
  it('measures every client row at both sizes, with its baseline where it has one', () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'client.ts'), '--quick', '--json'], { encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as ClientRow[];
    const start = rows.find((row) => row.scenario.startsWith('CLI start'));
    expect(start?.baseline).toBeGreaterThan(0);
    expect(start?.ratio).toBeCloseTo((start?.value ?? 0) / (start?.baseline ?? 1), 6);
    for (const items of [1_000, 2_000]) {
      const scenarios = rows.filter((row) => row.items === items).map((row) => row.scenario);
      expect(scenarios).toEqual([
        'bulk add (Vault.addMany)',
        'client decrypt, one at a time (key import + await each)',
        'client decrypt (decryptBatch)',
        'Vault.sync, full (network + decrypt)',
        'ww list, first run (full sync into the local copy)',
        'ww get NAME --field password (warm copy)',
        'ww list --search X (warm copy)',
      ]);
    }
    for (const row of rows) {
      expect(row.value, row.scenario).toBeGreaterThan(0);
      if (row.baseline !== undefined) expect(row.ratio, row.scenario).toBeCloseTo(row.value / row.baseline, 6);
    }
    expect(r.stdout).toMatch(/^\s+2000 {2}client decrypt \(decryptBatch\)\s+\d+\.\d µs\/item/m);
  }, 300_000);

  it('--cache-format measures the two CLI copy formats in-process, the indexed one against the single envelope', () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'client.ts'), '--cache-format', '--sizes=300', '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as ClientRow[];
    expect(rows.map((row) => [row.items, row.scenario])).toEqual([
      [300, 'CLI copy, one envelope: open + find NAME'],
      [300, 'CLI copy, indexed: open index + find + decrypt 1'],
    ]);
    const [whole, indexed] = rows as [ClientRow, ClientRow];
    expect(indexed.baseline).toBe(whole.value);
    expect(indexed.ratio).toBeCloseTo(indexed.value / whole.value, 6);
  }, 150_000);
});
