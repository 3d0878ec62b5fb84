/**
 * In-process state for a single server instance. Single-threaded JS makes every operation atomic by construction
 * (no await between the read and the write). Expired entries are dropped on read and by a periodic sweep,
 * so memory stays bounded by what is live.
 */
import { assertLimits } from './limits.ts';
import { assertTtl } from './ttl.ts';
import type { GuardedCount, StateStore } from './types.ts';

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryStateStoreOptions {
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
  /** How often expired entries are swept (default 60 s). */
  sweepIntervalMs?: number;
}

export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    // The sweep must never keep the process alive on its own.
    this.#sweeper.unref();
  }

  /** Number of entries held, expired-but-unswept ones included (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops every expired entry. */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertTtl(ttlMs);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.#live(key);
    if (entry === undefined) return null;
    this.#entries.delete(key);
    return entry.value;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.#live(key)?.value ?? null);
  }

  async delete(...keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#entries.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    return this.#increment(key, ttlMs);
  }

  async incrementWhile(keys: readonly string[], ttlMs: number, limits: readonly number[]): Promise<number[]> {
    assertTtl(ttlMs);
    assertLimits(keys, limits);
    const counts: number[] = [];
    for (const [i, key] of keys.entries()) {
      const count = this.#increment(key, ttlMs);
      counts.push(count);
      if (count > (limits[i] as number)) break;
    }
    return counts;
  }

  async incrementAndDelete(counterKey: string, ttlMs: number, deleteKeys: readonly string[]): Promise<number> {
    const count = this.#increment(counterKey, ttlMs);
    for (const key of deleteKeys) this.#entries.delete(key);
    return count;
  }

  async incrementAndRead(counterKey: string, ttlMs: number, readKeys: readonly string[]): Promise<{ count: number; values: (string | null)[] }> {
    return this.#incrementAndRead(counterKey, ttlMs, readKeys);
  }

  async incrementAndReadUnless(guardKey: string, counterKey: string, ttlMs: number, readKeys: readonly string[]): Promise<GuardedCount> {
    assertTtl(ttlMs);
    const guard = this.#live(guardKey)?.value;
    if (guard !== undefined) return { guard };
    return { guard: null, ...this.#incrementAndRead(counterKey, ttlMs, readKeys) };
  }

  #incrementAndRead(counterKey: string, ttlMs: number, readKeys: readonly string[]): { count: number; values: (string | null)[] } {
    const count = this.#increment(counterKey, ttlMs);
    return { count, values: readKeys.map((key) => this.#live(key)?.value ?? null) };
  }

  #increment(key: string, ttlMs: number): number {
    assertTtl(ttlMs);
    const entry = this.#live(key);
    if (entry === undefined) {
      this.#entries.set(key, { value: '1', expiresAt: this.#now() + ttlMs });
      return 1;
    }
    const current = Number(entry.value);
    if (!Number.isSafeInteger(current)) throw new TypeError('increment on a value that is not an integer');
    // The window keeps its original expiry: counting does not extend it.
    entry.value = String(current + 1);
    return current + 1;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
