// The baseline a run's ratios are taken against (docs/performance.md "How to read it"). The bare route is measured
// before and after each backend's run; the run is compared with the faster of the two measurements around it, so a
// baseline slowed by something else on the machine cannot flatter Watchword's ratios. When the two disagree by more
// than DISTURBED_SPREAD, the machine was not steady during the run and the report says so.

/** What a baseline measurement must carry: throughput and, when measured, server CPU per request. */
export interface BaselineMeasurement {
  readonly rps: number;
  readonly cpuUs?: number | undefined;
}

/** Above this relative difference between the measurements around a run, the run is reported as disturbed. */
export const DISTURBED_SPREAD = 0.15;

export interface ChosenBaseline<T extends BaselineMeasurement> {
  /** The fastest measurement: the one ratios are taken against. */
  readonly baseline: T;
  /** (fastest − slowest) / fastest req/s, 0 for a single measurement. */
  readonly spread: number;
  readonly disturbed: boolean;
}

export function chooseBaseline<T extends BaselineMeasurement>(measurements: readonly T[]): ChosenBaseline<T> {
  const [first, ...rest] = measurements;
  if (first === undefined) throw new Error('chooseBaseline: no measurement');
  let fastest = first;
  let slowest = first;
  for (const m of rest) {
    if (m.rps > fastest.rps) fastest = m;
    if (m.rps < slowest.rps) slowest = m;
  }
  const spread = fastest.rps > 0 ? (fastest.rps - slowest.rps) / fastest.rps : 0;
  return { baseline: fastest, spread, disturbed: spread > DISTURBED_SPREAD };
}

/** A scenario's throughput and CPU against the baseline: `ratio` (req/s over the baseline's) and `cpuRatio` (the baseline's CPU per request over the scenario's). */
export function againstBaseline(result: BaselineMeasurement, baseline: BaselineMeasurement): { ratio: number; cpuRatio: number | undefined } {
  return {
    ratio: result.rps / baseline.rps,
    cpuRatio: baseline.cpuUs !== undefined && result.cpuUs ? baseline.cpuUs / result.cpuUs : undefined,
  };
}
