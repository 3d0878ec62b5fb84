import { describe, expect, it } from 'vitest';
import { type ClientRow, checkClientTargets, formatClientRows } from '../lib/client-bench.ts';
import { formatTargets } from '../lib/targets.ts';

const row = (items: number, scenario: string, value: number, unit: ClientRow['unit'], baseline?: number): ClientRow => ({
  items,
  scenario,
  value,
  unit,
  ...(baseline === undefined ? {} : { baseline, ratio: value / baseline }),
});

describe('issue 23 client targets', () => {
  it('meets at the limit, misses above it, and reads each size from its own rows', () => {
    const rows = [
      row(0, 'CLI start (ww --version)', 150, 'ms', 30),
      row(10_000, 'client decrypt, one at a time (key import + await each)', 10, 'µs/item', 20),
      row(10_000, 'client decrypt (decryptBatch)', 30, 'µs/item', 20),
      row(10_000, 'ww get NAME --field password (warm copy)', 120, 'ms', 30),
      row(10_000, 'ww list --search X (warm copy)', 301, 'ms', 30),
      row(50_000, 'client decrypt (decryptBatch)', 30.1, 'µs/item', 20),
      row(50_000, 'ww get NAME --field password (warm copy)', 299, 'ms', 30),
      row(50_000, 'ww list --search X (warm copy)', 200, 'ms', 30),
    ];
    const met = Object.fromEntries(checkClientTargets(rows).map((c) => [c.target, c.met]));
    expect(met).toEqual({
      'CLI start (ww --version) ≤ 150 ms': true,
      'client decrypt, 10,000 items (decryptBatch) ≤ 30 µs/item': true,
      'ww get NAME --field password, 10,000 items, warm copy ≤ 300 ms': true,
      'ww list --search X, 10,000 items, warm copy ≤ 300 ms': false,
      'client decrypt, 50,000 items (decryptBatch) ≤ 30 µs/item': false,
      'ww get NAME --field password, 50,000 items, warm copy ≤ 300 ms': true,
      'ww list --search X, 50,000 items, warm copy ≤ 300 ms': true,
    });
    expect(checkClientTargets(rows).find((c) => c.target.startsWith('client decrypt, 50,000'))?.measured).toBe('30.1 µs/item (1.51× baseline)');
    expect(formatClientRows(rows)).toHaveLength(rows.length + 1);
  });

  it('says "not measured" for a size the run did not measure (a --quick run)', () => {
    const checks = checkClientTargets([row(1_000, 'client decrypt (decryptBatch)', 12, 'µs/item', 10)]);
    expect(checks.every((c) => c.met === null && c.measured === 'not measured')).toBe(true);
    expect(formatTargets(checks).every((line) => line.trimStart().startsWith('n/a'))).toBe(true);
  });
});
