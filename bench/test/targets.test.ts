import { describe, expect, it } from 'vitest';
import { checkTargets, formatTargets } from '../lib/targets.ts';

const facts = {
  serverCpuMsPerLogin: 2.5, // 400/s exactly
  fullSyncLargeItems: 10_000,
  fullSyncLargeP50Ms: 151,
  deltaCostVsRead: 1.2,
  idleRssMb: 93.8,
  coldStartMs: 208,
  enumerationMedianDiffMs: -0.05,
  bulkImportItems: 10_000,
  bulkImportSeconds: 10,
  bitwardenImportItems: 10_000,
  bitwardenImportSeconds: 9.5,
  onePuxImportItems: 10_000,
  onePuxImportSeconds: 10.5,
};

describe('benchmark targets', () => {
  it('checks each figure against its bound, inclusive, with the backend-specific read target', () => {
    const sqlite = Object.fromEntries(checkTargets({ backend: 'sqlite', readRatio: 0.6, facts }).map((c) => [c.target, c.met]));
    expect(sqlite).toEqual({
      'item read ≥ 0.70× baseline': false,
      'full login ≥ 400/s per core (server CPU)': true,
      'full sync of 10,000 items, p50 ≤ 150 ms': false,
      'bulk add of 10,000 items with `ww import` ≤ 10 s': true,
      'import of 10,000 items from a Bitwarden JSON with `ww import` ≤ 10 s': true,
      'import of 10,000 items from a 1Password 1PUX with `ww import` ≤ 10 s': false,
      'delta sync ≤ 1.2× a single read': true,
      'idle RSS ≤ 90 MB': false,
      'cold start to first 200 ≤ 400 ms': true,
      'login start, known vs unknown e-mail: median difference ≤ 0.2 ms': true,
    });
    const postgres = checkTargets({ backend: 'postgres', readRatio: 0.6, facts });
    expect(postgres[0]).toEqual({ target: 'item read ≥ 0.50× baseline', measured: '0.60×', met: true });
  });

  it('says "not measured" rather than met or missed when the run did not measure a target', () => {
    const quick = checkTargets({ backend: 'sqlite', readRatio: Number.NaN, facts: { ...facts, fullSyncLargeItems: 500, fullSyncLargeP50Ms: 3, idleRssMb: Number.NaN, bulkImportItems: 500, bulkImportSeconds: 0.4, bitwardenImportItems: 500, onePuxImportItems: 500 } });
    const byTarget = new Map(quick.map((c) => [c.target, c]));
    expect(byTarget.get('item read ≥ 0.70× baseline')?.met).toBeNull();
    expect(byTarget.get('full sync of 10,000 items, p50 ≤ 150 ms')).toEqual({ target: 'full sync of 10,000 items, p50 ≤ 150 ms', measured: 'not measured (500 items)', met: null });
    expect(byTarget.get('bulk add of 10,000 items with `ww import` ≤ 10 s')).toEqual({ target: 'bulk add of 10,000 items with `ww import` ≤ 10 s', measured: 'not measured (500 items)', met: null });
    expect(byTarget.get('idle RSS ≤ 90 MB')?.met).toBeNull();
    expect(byTarget.get('import of 10,000 items from a 1Password 1PUX with `ww import` ≤ 10 s')?.measured).toBe('not measured (500 items)');
    expect(formatTargets(quick).filter((line) => line.trimStart().startsWith('n/a'))).toHaveLength(6);
  });
});
