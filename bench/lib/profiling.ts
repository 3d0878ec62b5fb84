// What the profiling harnesses (profile-read.ts, profile-login.ts; docs/performance.md "How to profile") share: the
// Watchword server they profile, started pinned like the benchmark's, and its clean-up.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, startServer } from './processes.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../../scripts/ensure-server-build.ts';
import { deleteRedisKeysWithPrefix } from '@watchword/testkit';

export interface ProfiledServer {
  readonly server: Server;
  /** Its data directory (the SQLite file is `watchword.db` in it unless DATABASE_URL is set). */
  readonly dataDir: string;
  /** The prefix of its Redis keys (when REDIS_URL is set). */
  readonly keyPrefix: string;
  /** The shared stores it runs on (none: SQLite and in-memory state). */
  readonly backends: Backends;
  /** Stops the server and removes its data directory and Redis keys. */
  close(): Promise<void>;
}

export interface Backends {
  /** A migrated, empty PostgreSQL database (`npm run migrate`). */
  readonly DATABASE_URL?: string;
  readonly REDIS_URL?: string;
}

/** DATABASE_URL and REDIS_URL from the environment, where set. */
export function backendsFromEnv(): Backends {
  return Object.fromEntries(['DATABASE_URL', 'REDIS_URL'].flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])));
}

/**
 * Starts the server bundle (built first if stale), or `SERVER_ENTRY`, on `cpu`, with `env` added to a fresh data
 * directory. `PROFILE=1` adds `--cpu-prof` (profiles in /tmp/prof), `NODE_FLAGS` other node flags. `backends`
 * (default: DATABASE_URL and REDIS_URL from the environment) are passed on, Redis under a key prefix of its own that
 * `close` deletes.
 */
export async function startProfiledServer(env: Record<string, string>, cpu: number | undefined, backends = backendsFromEnv()): Promise<ProfiledServer> {
  await ensureServerBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'ww-prof-'));
  const prefix = `ww_prof_${randomBytes(4).toString('hex')}:`;
  const flags = [...(process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...(process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const serverEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ALLOWED_KDF_VERSIONS: '0,1', REDIS_KEY_PREFIX: prefix, ...env, ...backends };
  const server = await startServer(process.env.SERVER_ENTRY ?? SERVER_BUNDLE, ['serve'], serverEnv, cpu, flags);
  return {
    server,
    dataDir,
    keyPrefix: prefix,
    backends,
    async close() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (backends.REDIS_URL) await deleteRedisKeysWithPrefix(backends.REDIS_URL, prefix);
    },
  };
}
