/**
 * The shared state-store suite: memory and Redis must both pass all of it (style.md habit 4).
 * Real time with small TTLs (tens of milliseconds) so the Redis server's own expiry is what is tested.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/state/types.ts';

export interface OpenedStateStore {
  store: StateStore;
  dispose(): Promise<void>;
}

export function stateSuite(kind: StateStore['kind'], open: () => Promise<OpenedStateStore>): void {
  describe(`state store (${kind})`, () => {
    let opened: OpenedStateStore;
    let store: StateStore;
    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => opened?.dispose());

    const key = () => `k-${randomUUID()}`;

    it('reports its kind and answers ping', async () => {
      expect(store.kind).toBe(kind);
      await store.ping();
    });

    it('sets, gets, overwrites and deletes', async () => {
      const k = key();
      expect(await store.get(k)).toBeNull();
      await store.set(k, 'one', 60_000);
      expect(await store.get(k)).toBe('one');
      await store.set(k, 'two', 60_000);
      expect(await store.get(k)).toBe('two');
      await store.delete(k);
      expect(await store.get(k)).toBeNull();
      await store.delete(k); // deleting a missing key is fine
    });

    it('getMany reads several keys in order, missing and expired ones as null; delete takes several keys', async () => {
      const [a, b, c, gone] = [key(), key(), key(), key()];
      await store.set(a, 'A', 60_000);
      await store.set(c, 'C', 60_000);
      await store.set(gone, 'G', 20);
      await sleep(60);
      expect(await store.getMany([a, b, c, gone])).toEqual(['A', null, 'C', null]);
      expect(await store.getMany([c, a])).toEqual(['C', 'A']);
      expect(await store.getMany([])).toEqual([]);
      await store.delete(a, b, c);
      expect(await store.getMany([a, c])).toEqual([null, null]);
      await store.delete();
    });

    it('keeps keys apart', async () => {
      const a = key();
      const b = key();
      await store.set(a, 'a', 60_000);
      await store.set(b, 'b', 60_000);
      expect([await store.get(a), await store.get(b)]).toEqual(['a', 'b']);
    });

    it('expires values after their TTL', async () => {
      const k = key();
      await store.set(k, 'short', 60);
      expect(await store.get(k)).toBe('short');
      await sleep(120);
      expect(await store.get(k)).toBeNull();
      expect(await store.take(k)).toBeNull();
    });

    it('rejects TTLs that are not positive integers', async () => {
      for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.set(key(), 'v', ttl)).rejects.toThrow(RangeError);
        await expect(store.increment(key(), ttl)).rejects.toThrow(RangeError);
      }
    });

    it('take returns the value once', async () => {
      const k = key();
      await store.set(k, 'secret', 60_000);
      expect(await store.take(k)).toBe('secret');
      expect(await store.take(k)).toBeNull();
      expect(await store.get(k)).toBeNull();
      expect(await store.take(key())).toBeNull();
    });

    it('gives the value to exactly one of 20 concurrent takes', async () => {
      const k = key();
      await store.set(k, 'handshake', 60_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take(k)));
      expect(results.filter((r) => r !== null)).toEqual(['handshake']);
    });

    it('increments from 1', async () => {
      const k = key();
      expect(await store.increment(k, 60_000)).toBe(1);
      expect(await store.increment(k, 60_000)).toBe(2);
      expect(await store.increment(k, 60_000)).toBe(3);
      expect(await store.get(k)).toBe('3');
    });

    it('increments atomically: 50 concurrent calls see 1..50 once each', async () => {
      const k = key();
      const values = await Promise.all(Array.from({ length: 50 }, () => store.increment(k, 60_000)));
      expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
    });

    it('incrementWhile counts the keys in order and stops after the first past its limit', async () => {
      const [a, b, c] = [key(), key(), key()];
      expect(await store.incrementWhile([a, b, c], 60_000, [1, 1, 1])).toEqual([1, 1, 1]);
      // a is now past its limit (2 > 1): b and c are not counted.
      expect(await store.incrementWhile([a, b, c], 60_000, [1, 5, 5])).toEqual([2]);
      // At the limit still goes on (2 ≤ 2); a key past it is counted itself, then the rest is not.
      expect(await store.incrementWhile([b, c, a], 60_000, [2, 1, 9])).toEqual([2, 2]);
      expect([await store.get(a), await store.get(b), await store.get(c)]).toEqual(['2', '2', '2']);
      expect(await store.incrementWhile([], 60_000, [])).toEqual([]);
      // Bad arguments count nothing.
      await expect(store.incrementWhile([a, b], 60_000, [1])).rejects.toThrow();
      await expect(store.incrementWhile([a], 60_000, [1.5])).rejects.toThrow();
      await expect(store.incrementWhile([a], 0, [1])).rejects.toThrow();
      expect(await store.get(a)).toBe('2');
    });

    it('incrementWhile is atomic with increment and keeps the TTL of each key\'s first hit', async () => {
      const [a, b] = [key(), key()];
      const hits = Array.from({ length: 40 }, (_, n) => (n % 2 ? store.increment(a, 60_000) : store.incrementWhile([a, b], 60_000, [1000, 1000]).then(([x]) => x as number)));
      expect((await Promise.all(hits)).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
      expect(await store.get(b)).toBe('20');
      const [old, late] = [key(), key()];
      expect(await store.incrementWhile([old], 200, [9])).toEqual([1]);
      await sleep(120);
      expect(await store.incrementWhile([old, late], 200, [9, 9])).toEqual([2, 1]);
      await sleep(120); // 240 ms after the first hit of `old`, 120 ms after that of `late`
      expect([await store.get(old), await store.get(late)]).toEqual([null, '1']);
    });

    it('incrementAndDelete counts like increment and deletes the other keys, in one operation', async () => {
      const [counter, a, b, missing] = [key(), key(), key(), key()];
      await store.set(a, 'x', 60_000);
      await store.set(b, 'y', 60_000);
      expect(await store.incrementAndDelete(counter, 60_000, [a, missing, b])).toBe(1);
      expect(await store.getMany([a, b])).toEqual([null, null]);
      expect(await store.incrementAndDelete(counter, 60_000, [])).toBe(2);
      expect(await store.increment(counter, 60_000)).toBe(3);
      await store.set(a, 'x', 60_000);
      await expect(store.incrementAndDelete(counter, 0, [a])).rejects.toThrow();
      expect([await store.get(counter), await store.get(a)]).toEqual(['3', 'x']);
      const hits = Array.from({ length: 20 }, (_, n) => (n % 2 ? store.increment(counter, 60_000) : store.incrementAndDelete(counter, 60_000, [a])));
      expect((await Promise.all(hits)).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n + 4));
    });

    it('incrementAndRead counts like increment and reads each key in order, missing ones as null', async () => {
      const [counter, a, b, missing] = [key(), key(), key(), key()];
      await store.set(a, 'first', 60_000);
      await store.set(b, 'second', 60_000);
      expect(await store.incrementAndRead(counter, 60_000, [a, missing, b])).toEqual({ count: 1, values: ['first', null, 'second'] });
      // A missing key last (Lua drops trailing nils from a reply) and none at all.
      expect(await store.incrementAndRead(counter, 60_000, [b, missing])).toEqual({ count: 2, values: ['second', null] });
      expect(await store.incrementAndRead(counter, 60_000, [])).toEqual({ count: 3, values: [] });
      expect(await store.increment(counter, 60_000)).toBe(4);
      // The counter may be one of the keys read: the value after the increment.
      expect(await store.incrementAndRead(counter, 60_000, [counter])).toEqual({ count: 5, values: ['5'] });
    });

    it('incrementAndRead is atomic with increment: 40 concurrent hits of both kinds see 1..40 once each', async () => {
      const k = key();
      const hits = Array.from({ length: 40 }, (_, n) => (n % 2 ? store.increment(k, 60_000) : store.incrementAndRead(k, 60_000, [k]).then((r) => r.count)));
      expect((await Promise.all(hits)).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
    });

    it('incrementAndRead keeps the TTL of the first hit and rejects a bad TTL', async () => {
      const k = key();
      expect((await store.incrementAndRead(k, 200, [])).count).toBe(1);
      await sleep(120);
      expect((await store.incrementAndRead(k, 200, [])).count).toBe(2);
      await sleep(120);
      expect(await store.get(k)).toBeNull();
      await expect(store.incrementAndRead(k, 0, [])).rejects.toThrow();
      expect(await store.get(k)).toBeNull();
    });

    it('incrementAndReadUnless counts and reads while its guard is absent, and counts nothing once it is present', async () => {
      const [guard, counter, a, missing] = [key(), key(), key(), key()];
      await store.set(a, 'first', 60_000);
      expect(await store.incrementAndReadUnless(guard, counter, 60_000, [a, missing])).toEqual({ guard: null, count: 1, values: ['first', null] });
      expect(await store.incrementAndReadUnless(guard, counter, 60_000, [])).toEqual({ guard: null, count: 2, values: [] });
      await store.set(guard, 'revoked', 60_000);
      expect(await store.incrementAndReadUnless(guard, counter, 60_000, [a])).toEqual({ guard: 'revoked' });
      expect(await store.incrementAndReadUnless(guard, counter, 60_000, [])).toEqual({ guard: 'revoked' });
      expect(await store.get(counter)).toBe('2');
      // A guarded call creates nothing either.
      const untouched = key();
      expect(await store.incrementAndReadUnless(guard, untouched, 60_000, [])).toEqual({ guard: 'revoked' });
      expect(await store.get(untouched)).toBeNull();
      await store.delete(guard);
      expect(await store.incrementAndReadUnless(guard, counter, 60_000, [counter])).toEqual({ guard: null, count: 3, values: ['3'] });
      await expect(store.incrementAndReadUnless(guard, counter, 0, [])).rejects.toThrow();
      expect(await store.get(counter)).toBe('3');
    });

    it('incrementAndReadUnless is atomic with increment: 40 concurrent hits of both kinds see 1..40 once each', async () => {
      const [guard, k] = [key(), key()];
      const hits = Array.from({ length: 40 }, (_, n) =>
        n % 2 ? store.increment(k, 60_000) : store.incrementAndReadUnless(guard, k, 60_000, []).then((r) => (r.guard === null ? r.count : -1)),
      );
      expect((await Promise.all(hits)).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
    });

    it('keeps the TTL of the first increment (a window is not extended by later hits)', async () => {
      const k = key();
      expect(await store.increment(k, 200)).toBe(1);
      await sleep(120);
      expect(await store.increment(k, 200)).toBe(2);
      await sleep(120); // 240 ms after the first hit: the window has closed despite the second one
      expect(await store.get(k)).toBeNull();
      expect(await store.increment(k, 200)).toBe(1);
    });
  });
}
