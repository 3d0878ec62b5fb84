import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The benchmark runs and emits well-formed results. No timing is asserted here: figures belong to `npm run bench`. */
describe('npm run bench -- --quick (smoke)', () => {
  const out = mkdtempSync(join(tmpdir(), 'ww-bench-smoke-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('measures every scenario against the baseline without a failed request', () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'run.ts'), '--quick', `--out=${out}`], { encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stderr).toBe(0);
    // The bare route is measured before and after the run; the run is compared with the faster measurement.
    expect(r.stdout).toMatch(/^baseline \(bare Fastify GET \/json\), before sqlite \+ memory: \d+ req\/s/m);
    expect(r.stdout).toMatch(/^baseline \(bare Fastify GET \/json\), after sqlite \+ memory: \d+ req\/s/m);
    expect(r.stdout).toMatch(/^Watchword on sqlite \+ memory, against the faster baseline around it, \d+ req\/s/m);
    const [file] = readdirSync(out);
    const result = JSON.parse(readFileSync(join(out, file as string), 'utf8')) as {
      quick: boolean;
      baselines: { when: string; rps: number; cpuUs: number; p50: number; p99: number }[];
      runs: { label: string; baseline: { rps: number; cpuUs: number }; baselineSpread: number; disturbed: boolean; rows: { scenario: string; rps: number; ratio: number; cpuUs: number; cpuRatio: number; non2xx: number; p50: number; p99: number }[]; facts: Record<string, number>; targets: { target: string; measured: string; met: boolean | null }[] }[];
    };
    expect(result.quick).toBe(true);
    expect(result.baselines.map((b) => b.when)).toEqual(['before sqlite + memory', 'after sqlite + memory']);
    const [sqlite] = result.runs;
    expect(sqlite?.label).toBe('sqlite + memory');
    const baseline = sqlite?.baseline ?? { rps: Number.NaN, cpuUs: Number.NaN };
    expect(baseline.rps).toBe(Math.max(...result.baselines.map((b) => b.rps)));
    expect(sqlite?.baselineSpread).toBeCloseTo(1 - Math.min(...result.baselines.map((b) => b.rps)) / baseline.rps, 6);
    expect(sqlite?.disturbed).toBe((sqlite?.baselineSpread ?? 0) > 0.15);
    const scenarios = sqlite?.rows.map((row) => row.scenario) ?? [];
    for (const name of ['item read', 'item create', 'item update', 'full sync', 'delta sync', 'full login', 'refresh']) {
      expect(scenarios.some((s) => s.startsWith(name)), name).toBe(true);
    }
    for (const b of result.baselines) {
      expect(b.rps, b.when).toBeGreaterThan(0);
      expect(b.cpuUs, b.when).toBeGreaterThan(0);
      // Latencies at full resolution: no request takes zero time (autocannon's whole-millisecond histogram said 0).
      expect(b.p50, b.when).toBeGreaterThan(0);
    }
    for (const row of sqlite?.rows ?? []) {
      expect(row.rps, row.scenario).toBeGreaterThan(0);
      expect(row.p50, row.scenario).toBeGreaterThan(0);
      expect(row.p99, row.scenario).toBeGreaterThanOrEqual(row.p50);
      expect(row.ratio, row.scenario).toBeCloseTo(row.rps / baseline.rps, 6);
      // Server CPU per request, from /proc, and the baseline's over it.
      expect(row.cpuUs, row.scenario).toBeGreaterThan(0);
      expect(row.cpuRatio, row.scenario).toBeCloseTo(baseline.cpuUs / row.cpuUs, 6);
      expect(row.non2xx, row.scenario).toBe(0);
    }
    for (const fact of ['coldStartMs', 'firstStartMs', 'idleRssMb', 'loadRssMb', 'serverCpuMsPerLogin', 'enumerationMedianDiffMs', 'bulkImportSeconds', 'bitwardenImportSeconds', 'onePuxImportSeconds']) {
      expect(Number.isFinite(sqlite?.facts[fact]), fact).toBe(true);
    }
    // `ww import` ran and every row of its CSV arrived (the bench checks that by syncing the vault afterwards).
    expect(sqlite?.facts.bulkImportItems).toBe(500);
    expect(r.stdout).toMatch(/^bulk add: 500 items with `ww import` in \d+\.\d\d s$/m);
    expect(r.stdout).toMatch(/^import: 500 items of a Bitwarden JSON export with `ww import` in \d+\.\d\d s; 500 of a 1Password 1PUX in \d+\.\d\d s$/m);
    // Every target is checked (met or missed: no timing is asserted), except the 10,000-item sync and bulk add a quick
    // run skips.
    expect(sqlite?.targets).toHaveLength(10);
    for (const check of sqlite?.targets ?? []) expect(check.met === null, check.target).toBe(/^(full sync|bulk add|import) of 10,000/.test(check.target));
    expect(r.stdout).toMatch(/^targets:/m);
  }, 180_000);
});
