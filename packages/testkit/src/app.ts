import { Writable } from 'node:stream';
import type { FetchLike } from '@watchword/client';
import {
  type App,
  type Config,
  MemoryStateStore,
  type StateStore,
  type Storage,
  build,
  loadConfig,
  loadServerSecrets,
  loadSigningKeys,
  openStateStore,
  openStorage,
} from '@watchword/server';
import { GENEROUS_LIMITS } from './limits.ts';
import { type Dialect, createTestDatabase, dialectsUnderTest } from './pg.ts';
import { type StateKind, deleteKeysWithPrefix, testRedisUrl, uniqueKeyPrefix, stateKindsUnderTest } from './redis.ts';
import { createTempDir } from './tmp.ts';

export interface TestApp {
  app: App;
  config: Config;
  storage: Storage;
  state: StateStore;
  /** The Redis key prefix of this app's state (Redis state only). */
  redisPrefix?: string;
  dataDir: string;
  /** Every log line the app wrote. */
  logs: string[];
  /** A fetch that goes through app.inject (no listening socket). Records request bodies in `requests`. */
  fetch: FetchLike;
  requests: { method: string; url: string; body: string }[];
  clock: { now: number; advance(ms: number): void };
  close(): Promise<void>;
}

/** A freshly migrated app on the given dialect, in-memory state (or Redis), secrets in a temp data dir. */
export async function createTestApp(dialect: Dialect, env: Record<string, string> = {}, options: { state?: StateKind; clockStart?: number; clock?: 'frozen' | 'running'; collectGarbage?: (reduce: boolean) => void } = {}): Promise<TestApp> {
  const tmp = await createTempDir();
  const db = dialect === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    DATA_DIR: tmp.path,
    LOG_LEVEL: 'info',
    PUBLIC_URL: 'http://watchword.test',
    ALLOWED_KDF_VERSIONS: '0,1',
    ...GENEROUS_LIMITS,
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 5 });
  await storage.migrateToLatest();
  const redisPrefix = options.state === 'redis' ? uniqueKeyPrefix() : undefined;
  const state = redisPrefix === undefined ? new MemoryStateStore() : await openStateStore({ redisUrl: testRedisUrl, keyPrefix: redisPrefix });
  const secrets = await loadServerSecrets(config, storage);
  const signingKeys = loadSigningKeys(config.dataDir, { alg: config.accessTokenAlg, accessTokenTtlSeconds: config.accessTokenTtlSeconds, clockToleranceSeconds: config.clockToleranceSeconds });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const clock = options.clock === 'running' ? runningClock() : frozenClock(options.clockStart ?? Date.now());
  const app = await build(config, { storage, state, secrets, signingKeys, logStream, clock: () => clock.now, ...(options.collectGarbage ? { collectGarbage: options.collectGarbage } : {}) });
  const requests: TestApp['requests'] = [];
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    const body = typeof init.body === 'string' ? init.body : '';
    requests.push({ method: init.method ?? 'GET', url: input, body });
    const res = await app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: url.pathname + url.search,
      headers: init.headers as Record<string, string>,
      ...(body ? { payload: body } : {}),
    });
    return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode, headers: res.headers as Record<string, string> });
  };
  return {
    app,
    config,
    storage,
    state,
    ...(redisPrefix === undefined ? {} : { redisPrefix }),
    dataDir: tmp.path,
    logs,
    fetch,
    requests,
    clock,
    async close() {
      await app.close();
      await state.close();
      if (redisPrefix !== undefined) await deleteKeysWithPrefix(redisPrefix);
      await storage.close();
      await db?.drop();
      await tmp.remove();
    },
  };
}

export interface Backend {
  name: string;
  dialect: Dialect;
  state: StateKind;
}

/**
 * The storage + state pairs route-level suites run on: SQLite + memory always, PostgreSQL + Redis when both
 * services are configured (the scaled-out deployment), PostgreSQL + memory when only PostgreSQL is.
 */
export function backendsUnderTest(): Backend[] {
  const dialects = dialectsUnderTest();
  const states = stateKindsUnderTest();
  const out: Backend[] = [{ name: 'sqlite + memory', dialect: 'sqlite', state: 'memory' }];
  if (dialects.includes('postgres')) {
    const state: StateKind = states.includes('redis') ? 'redis' : 'memory';
    out.push({ name: `postgres + ${state}`, dialect: 'postgres', state });
  }
  return out;
}

/**
 * The app's clock, frozen by default: time moves only by `advance`, so counting windows (rate limits, throttles) and
 * expiries are deterministic. A DPoP proof carries the client's wall-clock `iat`, which the server refuses once it is
 * more than a few seconds ahead of the app's clock (RFC 9449 §4.3 and §11.1): suites that send DPoP-bound requests over more
 * than a few seconds of wall time (a loaded machine) take the running clock, wall time plus what `advance` added.
 */
function frozenClock(start: number): TestApp['clock'] {
  const clock = {
    now: start,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return clock;
}

function runningClock(): TestApp['clock'] {
  let offset = 0;
  return {
    get now() {
      return Date.now() + offset;
    },
    advance(ms: number) {
      offset += ms;
    },
  };
}
