/**
 * Redis-backed state shared by every server instance. Fails closed and fast: no offline queue, one retry,
 * a command timeout; every failure surfaces as WatchwordError('STATE_UNAVAILABLE'), whose message and cause
 * never carry the URL, credentials, keys or values.
 *
 * One connection, not a pool: ioredis pipelines every command over it (any number in flight, answered in order),
 * Redis executes commands one at a time anyway, and none of ours blocks the connection (no BLPOP, no MULTI/WATCH).
 * A pool helps a driver that runs one query per connection at a time (pg); here N connections would only add
 * sockets and reconnect loops. Concurrency is bounded instead by the command timeout and the absent offline queue.
 */
import { Redis } from 'ioredis';
import { WatchwordError } from '@watchword/protocol';
import { assertLimits } from './limits.ts';
import { assertTtl } from './ttl.ts';
import type { GuardedCount, StateStore } from './types.ts';
import { OperatorError } from '../operator-errors.ts';

export interface RedisStateStoreOptions {
  /** Prefix for every key (default "ww:"). */
  keyPrefix?: string;
  /** Per-command timeout (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Connection timeout, at start-up and on each reconnect (default 5000 ms). */
  connectTimeoutMs?: number;
}

/**
 * Lua: INCR of `key` into `value` and, only when the counter was just created, PEXPIRE by ARGV[1]: so a window
 * starts at its first hit and later hits never extend it. A counter found without an expiry (should never happen)
 * gets one too, so it cannot live forever. Every counting script below starts with it; each runs as one atomic step.
 */
const countInto = (value: string, key: string) => `
local ${value} = redis.call('INCR', ${key})
if ${value} == 1 or redis.call('PTTL', ${key}) == -1 then
  redis.call('PEXPIRE', ${key}, ARGV[1])
end`;

const INCREMENT_SCRIPT = `${countInto('value', 'KEYS[1]')}
return value
`;

/**
 * The count of KEYS[counter], then GET of every key after it; returns { count, values… }. A missing key reads as Lua
 * false, which Redis returns as nil. All keys must live on one Redis server (no Redis Cluster, which this store does
 * not support anyway: a script's keys would have to share a hash slot).
 */
const countThenRead = (counter: number) => `${countInto('value', `KEYS[${counter}]`)}
local out = { value }
for i = ${counter + 1}, #KEYS do
  out[i - ${counter - 1}] = redis.call('GET', KEYS[i])
end
return out
`;

/**
 * The count of each key in order (ARGV[1 + i] the limit of KEYS[i]), stopping after the first whose new value
 * exceeds its limit; returns the new values of the keys counted.
 */
const INCREMENT_WHILE_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  ${countInto('value', 'KEYS[i]').trim().replaceAll('\n', '\n  ')}
  out[i] = value
  if value > tonumber(ARGV[i + 1]) then
    break
  end
end
return out
`;

/** The count of KEYS[1], then DEL of the keys after it; returns the new value. */
const INCREMENT_AND_DELETE_SCRIPT = `${countInto('value', 'KEYS[1]')}
if #KEYS > 1 then
  redis.call('DEL', unpack(KEYS, 2))
end
return value
`;

/** Count KEYS[1] and read the rest, in one script (one round trip, one atomic step). */
const INCREMENT_AND_READ_SCRIPT = countThenRead(1);

/**
 * The same unless KEYS[1] (the guard) holds a value: then only { false, guard } (nothing counted). Otherwise KEYS[2]
 * is the counter and the keys after it are read.
 */
const INCREMENT_AND_READ_UNLESS_SCRIPT = `
local guard = redis.call('GET', KEYS[1])
if guard then
  return { false, guard }
end
${countThenRead(2)}`;

/** The scripts as named commands: ioredis sends EVALSHA (the script body once, then only its hash) and prefixes KEYS. */
interface ScriptCommands {
  wwIncrement(key: string, ttlMs: number): Promise<unknown>;
  wwIncrementWhile(numberOfKeys: number, ...keysThenTtlAndLimits: (string | number)[]): Promise<unknown>;
  wwIncrementAndDelete(numberOfKeys: number, ...keysThenTtl: (string | number)[]): Promise<unknown>;
  wwIncrementAndRead(numberOfKeys: number, ...keysThenTtl: (string | number)[]): Promise<unknown>;
  wwIncrementAndReadUnless(numberOfKeys: number, ...keysThenTtl: (string | number)[]): Promise<unknown>;
}

export class RedisStateStore implements StateStore {
  readonly kind = 'redis';
  readonly #client: Redis & ScriptCommands;

  private constructor(client: Redis & ScriptCommands) {
    this.#client = client;
  }

  /** Connects and pings once; rejects with a one-line Error naming only host and port when unreachable. */
  static async open(url: string, options: RedisStateStoreOptions = {}): Promise<RedisStateStore> {
    const where = describe(url);
    const redis = new Redis(url, {
      keyPrefix: options.keyPrefix ?? 'ww:',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // Keep reconnecting with capped exponential backoff (plus jitter); commands fail fast meanwhile.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 3000) + Math.floor(Math.random() * 100),
    });
    redis.defineCommand('wwIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    // Variable number of keys: the caller passes the count first.
    redis.defineCommand('wwIncrementWhile', { lua: INCREMENT_WHILE_SCRIPT });
    redis.defineCommand('wwIncrementAndDelete', { lua: INCREMENT_AND_DELETE_SCRIPT });
    redis.defineCommand('wwIncrementAndRead', { lua: INCREMENT_AND_READ_SCRIPT });
    redis.defineCommand('wwIncrementAndReadUnless', { lua: INCREMENT_AND_READ_UNLESS_SCRIPT });
    const client = redis as Redis & ScriptCommands;
    // Failures are reported to the callers of the commands; without a listener ioredis prints each one.
    // During start-up the socket error (e.g. ECONNREFUSED) explains more than "Connection is closed".
    let socketError: unknown;
    client.on('error', (error: unknown) => {
      socketError = error;
    });
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      client.disconnect();
      throw new OperatorError('WW_REDIS_UNREACHABLE', `Redis at ${where} is unreachable (${reason(socketError ?? error)})`);
    }
    return new RedisStateStore(client);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertTtl(ttlMs);
    await this.#run(() => this.#client.set(key, value, 'PX', ttlMs));
  }

  get(key: string): Promise<string | null> {
    return this.#run(() => this.#client.get(key));
  }

  take(key: string): Promise<string | null> {
    // GETDEL (Redis ≥ 6.2) is atomic on the server: one caller gets the value, every other gets null.
    return this.#run(() => this.#client.getdel(key));
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.#run(() => this.#client.mget(...keys));
  }

  async delete(...keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#run(() => this.#client.del(...keys));
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    assertTtl(ttlMs);
    const value = await this.#run(() => this.#client.wwIncrement(key, ttlMs));
    if (typeof value !== 'number') throw new WatchwordError('STATE_UNAVAILABLE');
    return value;
  }

  async incrementWhile(keys: readonly string[], ttlMs: number, limits: readonly number[]): Promise<number[]> {
    assertTtl(ttlMs);
    assertLimits(keys, limits);
    if (keys.length === 0) return [];
    const reply = await this.#run(() => this.#client.wwIncrementWhile(keys.length, ...keys, ttlMs, ...limits));
    if (!Array.isArray(reply) || reply.length === 0 || reply.length > keys.length || !reply.every((value) => typeof value === 'number')) {
      throw new WatchwordError('STATE_UNAVAILABLE');
    }
    return reply as number[];
  }

  async incrementAndDelete(counterKey: string, ttlMs: number, deleteKeys: readonly string[]): Promise<number> {
    assertTtl(ttlMs);
    const value = await this.#run(() => this.#client.wwIncrementAndDelete(1 + deleteKeys.length, counterKey, ...deleteKeys, ttlMs));
    if (typeof value !== 'number') throw new WatchwordError('STATE_UNAVAILABLE');
    return value;
  }

  async incrementAndRead(counterKey: string, ttlMs: number, readKeys: readonly string[]): Promise<{ count: number; values: (string | null)[] }> {
    assertTtl(ttlMs);
    const reply = await this.#run(() => this.#client.wwIncrementAndRead(1 + readKeys.length, counterKey, ...readKeys, ttlMs));
    return counted(reply, readKeys.length);
  }

  async incrementAndReadUnless(guardKey: string, counterKey: string, ttlMs: number, readKeys: readonly string[]): Promise<GuardedCount> {
    assertTtl(ttlMs);
    const reply = await this.#run(() => this.#client.wwIncrementAndReadUnless(2 + readKeys.length, guardKey, counterKey, ...readKeys, ttlMs));
    if (Array.isArray(reply) && reply[0] === null && typeof reply[1] === 'string') return { guard: reply[1] };
    return { guard: null, ...counted(reply, readKeys.length) };
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#client.ping());
  }

  async close(): Promise<void> {
    try {
      await this.#client.quit();
    } catch {
      // Already disconnected: just stop reconnecting.
      this.#client.disconnect();
    }
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      // ioredis errors carry the command's arguments (keys and values): keep only name and message.
      throw new WatchwordError('STATE_UNAVAILABLE', { cause: new Error(reason(error)) });
    }
  }
}

/** A counting script's reply: the new count, then the value of each key read (missing: null). */
function counted(reply: unknown, readCount: number): { count: number; values: (string | null)[] } {
  if (!Array.isArray(reply) || typeof reply[0] !== 'number') throw new WatchwordError('STATE_UNAVAILABLE');
  // Lua drops trailing nils from a table: a missing last key shortens the reply.
  const values = Array.from({ length: readCount }, (_, i) => {
    const value: unknown = reply[i + 1];
    return typeof value === 'string' ? value : null;
  });
  return { count: reply[0], values };
}

function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
