import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SyncRow } from '../lib/sync-bench.ts';

/**
 * `npm run bench:sync` with tiny sizes: every large-vault row (the same ones `npm run bench` prints in a full run) is
 * measured against its same-run baseline. No timing is asserted: figures belong to the bench.
 */
describe('npm run bench:sync -- --sizes=300,1500 (smoke)', () => {
  it('measures the syncs, the wire bytes, the RSS and the bulk add, each with its baseline', () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'sync-wire.ts'), '--sizes=300,1500', '--runs=2', '--bulk=400', '--json'], { encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as SyncRow[];
    const empty = rows[0];
    expect(empty?.scenario).toBe('full sync p50, empty vault (baseline)');
    expect(empty?.value).toBeGreaterThan(0);
    // 1,500 items: more than one page, so the streamed answer is measured too.
    for (const items of [300, 1500]) {
      // The server's CPU per sync is a row only where its 10 ms clock moved, which a tiny vault may not do.
      expect(rows.filter((row) => row.items === items && !row.scenario.startsWith('server CPU per sync')).map((row) => row.scenario)).toEqual([
        'full sync p50, identity',
        'full sync p50, gzip',
        'full sync p50, br',
        'wire bytes, identity',
        'wire bytes, gzip',
        'wire bytes, br',
        'server RSS peak during the syncs',
      ]);
      const bytes = (coding: string) => rows.find((row) => row.items === items && row.scenario === `wire bytes, ${coding}`);
      expect(bytes('identity')?.ratio).toBe(1);
      // Compressed: fewer bytes than identity (base64url ciphertext compresses to about half with its JSON).
      expect(bytes('br')?.value).toBeLessThan(bytes('identity')?.value ?? 0);
      expect(bytes('gzip')?.value).toBeLessThan(bytes('identity')?.value ?? 0);
    }
    for (const row of rows.filter((r) => r.scenario.startsWith('server CPU per sync, ') && r.items > 0)) expect(row.baselineOf, row.scenario).toBe('empty vault');
    expect(rows.find((row) => row.scenario === 'bulk add (Vault.addMany)')).toMatchObject({ items: 400, unit: 's', baselineOf: 'encrypt only' });
    expect(rows.at(-1)).toMatchObject({ scenario: 'server RSS after the run', baselineOf: 'idle' });
    for (const row of rows) {
      expect(row.value, row.scenario).toBeGreaterThan(0);
      if (row.baseline !== undefined) expect(row.ratio, row.scenario).toBeCloseTo(row.value / row.baseline, 6);
    }
    // A run this small measures no target of the sizes, except the RSS after it.
    expect(r.stdout).toMatch(/^ {2}n\/a {3}full sync of 50,000 items, br, p50 ≤ 400 ms/m);
    expect(r.stdout).toMatch(/^ {2}(met |MISS) {2}server RSS after the run ≤ 1\.5× idle/m);
  }, 180_000);
});
