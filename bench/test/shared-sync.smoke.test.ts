import { describe, expect, it } from 'vitest';
import { formatSharedSyncRows, measureSharedSync, SHARED_SYNC_TARGET } from '../lib/shared-sync.ts';

/**
 * The shared-vault rows of `npm run bench` (bench/lib/shared-sync.ts) at tiny sizes: a real server bundle on SQLite,
 * both accounts seeded, every scenario measured. The lib checks each first answer's item count (all items on a full
 * sync, the one change on a delta) and throws otherwise, so a sync that loses or repeats items fails here. No timing is
 * asserted: figures belong to the bench.
 */
describe('shared-vault sync rows (smoke)', () => {
  it('measures full and delta sync of 2 shared vaults × 10 items against 20 personal ones, with the ratios', async () => {
    const rows = await measureSharedSync({ vaults: 2, perVault: 10, runs: 2 });
    expect(rows.map((r) => r.scenario)).toEqual([
      'full sync, 20 personal items',
      'full sync, 2 shared vaults × 10',
      'delta sync, one change, personal',
      'delta sync, one change, 2 shared vaults',
    ]);
    const [personalFull, sharedFull, personalDelta, sharedDelta] = rows as [typeof rows[number], typeof rows[number], typeof rows[number], typeof rows[number]];
    for (const row of rows) expect(row.p50ms, row.scenario).toBeGreaterThan(0);
    // Each shared row carries its ratio to the personal row measured in the same run (the printed figures are rounded
    // to 0.01 ms, so the ratio of the printed figures may differ from it by a few per cent on sub-millisecond answers).
    const near = (ratio: number | undefined, shared: number, personal: number) => Math.abs((ratio ?? Number.NaN) - shared / personal) / (shared / personal);
    expect(near(sharedFull.ratio, sharedFull.p50ms, personalFull.p50ms)).toBeLessThan(0.1);
    expect(near(sharedDelta.ratio, sharedDelta.p50ms, personalDelta.p50ms)).toBeLessThan(0.1);
    expect(sharedFull.target).toBe(`≤ ${SHARED_SYNC_TARGET}`);
    expect(personalFull.ratio).toBeUndefined();

    const printed = formatSharedSyncRows(rows);
    expect(printed[0]).toMatch(/^Shared vaults:/);
    expect(printed[2]).toMatch(/^full sync, 2 shared vaults × 10\s+\d+\.\d\d ms {2}\d+\.\d\d× personal \(target ≤ 1\.3\)$/);
  }, 120_000);
});
