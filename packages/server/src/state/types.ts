/**
 * Ephemeral shared state (login handshakes, token denylist, rate-limit counters, replay caches).
 * In-memory by default; Redis when REDIS_URL is set so that any instance can finish what another started.
 * Implementations throw WatchwordError('STATE_UNAVAILABLE') when the backing service cannot be reached (fail closed).
 */
export interface StateStore {
  readonly kind: 'memory' | 'redis';
  /** Stores value under key for ttlMs milliseconds (overwrites). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  /** `get` of several keys as one operation (one round trip on Redis); the values in the order of `keys`. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Atomically reads and deletes: a value can be taken once only, even by concurrent callers on several instances. */
  take(key: string): Promise<string | null>;
  /** Deletes every key given, as one operation (one round trip on Redis). */
  delete(...keys: readonly string[]): Promise<void>;
  /** Atomically increments a counter, creating it with ttlMs on first use; returns the new value. */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * `increment` of each of `keys` in order (all with `ttlMs`), stopping after the first whose new value exceeds its
   * entry in `limits`: one atomic operation (one round trip on Redis). Returns the new values of the keys it counted,
   * in order. The credential throttle counts an attempt in its scopes one after the other, and a scope past its free
   * attempts must decide (claim or refuse) before the next one counts.
   */
  incrementWhile(keys: readonly string[], ttlMs: number, limits: readonly number[]): Promise<number[]>;
  /** `increment(counterKey, ttlMs)` and `delete(...deleteKeys)` as one atomic operation (one round trip on Redis); returns the new count. */
  incrementAndDelete(counterKey: string, ttlMs: number, deleteKeys: readonly string[]): Promise<number>;
  /**
   * `increment(counterKey, ttlMs)` and a `get` of each of `readKeys`, as one operation (one round trip on Redis):
   * the hot paths count a hit and read what decides it together (a rate-limit window and the one before it, a
   * session's revocation). Returns the new count and the values in the order of `readKeys`.
   */
  incrementAndRead(counterKey: string, ttlMs: number, readKeys: readonly string[]): Promise<{ count: number; values: (string | null)[] }>;
  /**
   * `incrementAndRead`, unless `guardKey` holds a value: then nothing is counted and only that value comes back, as
   * `guard`. One atomic operation (one round trip on Redis). The authentication hook's: a revoked session's requests
   * are refused without spending its owner's volume limit.
   */
  incrementAndReadUnless(guardKey: string, counterKey: string, ttlMs: number, readKeys: readonly string[]): Promise<GuardedCount>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What `incrementAndReadUnless` did: refused by its guard (nothing counted), or counted and read. */
export type GuardedCount = { guard: string } | { guard: null; count: number; values: (string | null)[] };

export interface StateOptions {
  /** redis://… → Redis; undefined → in-memory. */
  redisUrl?: string | undefined;
  /** Prefix for every Redis key (default "ww:"); tests use a unique prefix each. */
  keyPrefix?: string;
  /** Redis: per-command timeout, ms (default 2000). */
  commandTimeoutMs?: number;
  /** Redis: connection timeout, ms (default 5000). */
  connectTimeoutMs?: number;
}
