import { describe, expect, it } from 'vitest';
import { DISTURBED_SPREAD, againstBaseline, chooseBaseline } from '../lib/baseline.ts';

describe('the baseline a run is compared with', () => {
  it('is the fastest of the measurements around the run, whichever came first', () => {
    const before = { rps: 41_000, cpuUs: 22.9 };
    const after = { rps: 65_000, cpuUs: 14.6 };
    expect(chooseBaseline([before, after]).baseline).toBe(after);
    expect(chooseBaseline([after, before]).baseline).toBe(after);
    expect(chooseBaseline([before]).baseline).toBe(before);
  });

  it('reports the spread between them, and a run whose baseline moved by more than 15 % as disturbed', () => {
    expect(chooseBaseline([{ rps: 100 }])).toMatchObject({ spread: 0, disturbed: false });
    expect(chooseBaseline([{ rps: 100 }, { rps: 90 }])).toMatchObject({ spread: 0.1, disturbed: false });
    expect(chooseBaseline([{ rps: 100 }, { rps: 100 * (1 - DISTURBED_SPREAD) }]).disturbed).toBe(false);
    expect(chooseBaseline([{ rps: 84 }, { rps: 100 }])).toMatchObject({ spread: 0.16, disturbed: true });
    expect(chooseBaseline([{ rps: 63_000 }, { rps: 41_000 }, { rps: 65_000 }]).spread).toBeCloseTo(24 / 65, 6);
    expect(() => chooseBaseline([])).toThrow();
  });

  it('gives the throughput ratio and the CPU ratio of a scenario against it', () => {
    expect(againstBaseline({ rps: 24_000, cpuUs: 40 }, { rps: 64_000, cpuUs: 15 })).toEqual({ ratio: 0.375, cpuRatio: 0.375 });
    expect(againstBaseline({ rps: 250 }, { rps: 64_000, cpuUs: 15 }).cpuRatio).toBeUndefined();
    expect(againstBaseline({ rps: 250, cpuUs: 2500 }, { rps: 64_000 }).cpuRatio).toBeUndefined();
  });
});
