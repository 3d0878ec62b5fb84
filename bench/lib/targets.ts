// The performance targets, checked against one run's figures (docs/performance.md "Against the targets").

export interface TargetCheck {
  target: string;
  measured: string;
  /** null: not measured by this run (a --quick run syncs fewer items than the target names). */
  met: boolean | null;
}

export interface RunFigures {
  backend: 'sqlite' | 'postgres';
  /** Item read throughput as a share of the baseline's. */
  readRatio: number;
  facts: Record<string, number>;
}

const fixed = (n: number | undefined, d: number) => (n === undefined || !Number.isFinite(n) ? 'not measured' : n.toFixed(d));

export function checkTargets(run: RunFigures): TargetCheck[] {
  const f = run.facts;
  const readTarget = run.backend === 'sqlite' ? 0.7 : 0.5;
  const loginsPerCore = f.serverCpuMsPerLogin ? 1000 / f.serverCpuMsPerLogin : undefined;
  const bigSync = f.fullSyncLargeItems === 10_000 ? f.fullSyncLargeP50Ms : undefined;
  const bulk = f.bulkImportItems === 10_000 ? f.bulkImportSeconds : undefined;
  const bitwarden = f.bitwardenImportItems === 10_000 ? f.bitwardenImportSeconds : undefined;
  const onePux = f.onePuxImportItems === 10_000 ? f.onePuxImportSeconds : undefined;
  const within = (value: number | undefined, ok: (v: number) => boolean) => (value === undefined || !Number.isFinite(value) ? null : ok(value));
  return [
    { target: `item read ≥ ${readTarget.toFixed(2)}× baseline`, measured: `${fixed(run.readRatio, 2)}×`, met: within(run.readRatio, (v) => v >= readTarget) },
    { target: 'full login ≥ 400/s per core (server CPU)', measured: `${fixed(loginsPerCore, 0)}/s (${fixed(f.serverCpuMsPerLogin, 2)} ms/login)`, met: within(loginsPerCore, (v) => v >= 400) },
    { target: 'full sync of 10,000 items, p50 ≤ 150 ms', measured: bigSync === undefined ? `not measured (${fixed(f.fullSyncLargeItems, 0)} items)` : `${fixed(bigSync, 0)} ms`, met: within(bigSync, (v) => v <= 150) },
    { target: 'bulk add of 10,000 items with `ww import` ≤ 10 s', measured: bulk === undefined ? `not measured (${fixed(f.bulkImportItems, 0)} items)` : `${fixed(bulk, 2)} s`, met: within(bulk, (v) => v <= 10) },
    { target: 'import of 10,000 items from a Bitwarden JSON with `ww import` ≤ 10 s', measured: bitwarden === undefined ? `not measured (${fixed(f.bitwardenImportItems, 0)} items)` : `${fixed(bitwarden, 2)} s`, met: within(bitwarden, (v) => v <= 10) },
    { target: 'import of 10,000 items from a 1Password 1PUX with `ww import` ≤ 10 s', measured: onePux === undefined ? `not measured (${fixed(f.onePuxImportItems, 0)} items)` : `${fixed(onePux, 2)} s`, met: within(onePux, (v) => v <= 10) },
    { target: 'delta sync ≤ 1.2× a single read', measured: `${fixed(f.deltaCostVsRead, 2)}×`, met: within(f.deltaCostVsRead, (v) => v <= 1.2) },
    { target: 'idle RSS ≤ 90 MB', measured: `${fixed(f.idleRssMb, 1)} MB`, met: within(f.idleRssMb, (v) => v <= 90) },
    { target: 'cold start to first 200 ≤ 400 ms', measured: `${fixed(f.coldStartMs, 0)} ms`, met: within(f.coldStartMs, (v) => v <= 400) },
    { target: 'login start, known vs unknown e-mail: median difference ≤ 0.2 ms', measured: `${fixed(f.enumerationMedianDiffMs, 3)} ms`, met: within(f.enumerationMedianDiffMs, (v) => Math.abs(v) <= 0.2) },
  ];
}

export function formatTargets(checks: readonly TargetCheck[]): string[] {
  return checks.map((c) => `  ${c.met === null ? 'n/a ' : c.met ? 'met ' : 'MISS'}  ${c.target.padEnd(66)} ${c.measured}`);
}
