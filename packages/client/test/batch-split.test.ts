import { describe, expect, it } from 'vitest';
import { bySize } from '../src/vault.ts';

const body = (items: unknown[]) => JSON.stringify({ items }).length;

describe('an import split by request size (bySize)', () => {
  const items = Array.from({ length: 50 }, (_, i) => ({ id: `id-${i}`, data: 'x'.repeat(100 + ((i * 37) % 400)) }));

  it('keeps every body within the limit and every item, in order', () => {
    for (const limit of [600, 1_000, 4_096, 100_000]) {
      const runs = bySize(items, limit);
      expect(runs.flat()).toEqual(items);
      for (const run of runs) expect(body(run)).toBeLessThanOrEqual(limit);
      // No two neighbouring runs could have been one.
      for (let i = 1; i < runs.length; i += 1) expect(body([...runs[i - 1]!, runs[i]![0]])).toBeGreaterThan(limit);
    }
  });

  it('sends everything at once when it fits, and nothing when there is nothing', () => {
    expect(bySize(items, body(items))).toEqual([items]);
    expect(bySize(items, body(items) - 1)).toHaveLength(2);
    expect(bySize([], 100)).toEqual([]);
  });

  it('gives an item larger than the limit a run of its own (the server then refuses it, as it must)', () => {
    const big = { id: 'big', data: 'x'.repeat(500) };
    expect(bySize([items[0], big, items[1]], 300)).toEqual([[items[0]], [big], [items[1]]]);
  });
});
