/** Memory specifics: expired entries do not accumulate (lazy expiry on read plus the sweep). */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { openStateStore } from '../../src/state/index.ts';

describe('state store (memory specifics)', () => {
  let store: MemoryStateStore | undefined;
  afterEach(async () => store?.close());

  it('is what openStateStore returns without a Redis URL', async () => {
    const opened = await openStateStore({});
    expect(opened).toBeInstanceOf(MemoryStateStore);
    await opened.close();
  });

  it('drops expired entries on read and in the sweep', async () => {
    let now = 1_000;
    store = new MemoryStateStore({ now: () => now });
    await store.set('a', '1', 100);
    await store.set('b', '2', 100);
    await store.set('c', '3', 1_000);
    expect(store.size).toBe(3);
    now += 100; // exactly the TTL: expired
    expect(await store.get('a')).toBeNull();
    expect(store.size).toBe(2); // dropped on read
    store.sweep();
    expect(store.size).toBe(1); // 'b' swept without being read
    expect(await store.get('c')).toBe('3');
  });

  it('sweeps on its own timer', async () => {
    let now = 0;
    store = new MemoryStateStore({ now: () => now, sweepIntervalMs: 10 });
    await store.set('a', '1', 5);
    now = 10;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.size).toBe(0);
  });

  it('keeps the first TTL across increments (injected clock)', async () => {
    let now = 0;
    store = new MemoryStateStore({ now: () => now });
    expect(await store.increment('n', 100)).toBe(1);
    now = 99;
    expect(await store.increment('n', 100)).toBe(2);
    now = 100;
    expect(await store.increment('n', 100)).toBe(1);
  });
});
