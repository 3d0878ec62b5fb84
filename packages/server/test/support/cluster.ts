import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ServerProcess,
  SOURCE_ENTRY,
  type TempDir,
  type TestDatabase,
  createTempDir,
  createTestDatabase,
  deleteKeysWithPrefix,
  startServerProcess,
  testRedisUrl,
  uniqueKeyPrefix,
} from '@watchword/testkit';

export interface Cluster {
  instances: ServerProcess[];
  /** The Redis key prefix the cluster uses (unique per cluster). */
  prefix: string;
  /** Each instance's data directory (its mail outbox is `outbox/` there). */
  dataDirs: string[];
  stop(): Promise<void>;
}

/**
 * N real server processes on one fresh PostgreSQL database and one Redis (unique key prefix), deployed as an
 * operator would: the first instance creates the secrets, the others get them as environment secrets and a copy
 * of the signing-key directory. `entries[i]` is what instance i runs (the sources unless given: the bundle, say).
 */
export async function startCluster(size: number, env: Record<string, string>, entries: readonly string[] = []): Promise<Cluster> {
  const db: TestDatabase = await createTestDatabase();
  const prefix = uniqueKeyPrefix();
  const dirs: TempDir[] = [];
  for (let i = 0; i < size; i++) dirs.push(await createTempDir());
  const first = dirs[0] as TempDir;
  const common = { DATABASE_URL: db.url, REDIS_URL: testRedisUrl as string, REDIS_KEY_PREFIX: prefix, ...env };
  const migrate = spawnSync(process.execPath, [SOURCE_ENTRY, 'migrate'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: first.path, ...common }, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const instances: ServerProcess[] = [await startServerProcess({ DATA_DIR: first.path, ...common }, entries[0])];
  const secrets = join(first.path, 'secrets');
  const shared = {
    OPAQUE_SERVER_SETUP: readFileSync(join(secrets, 'opaque-server-setup'), 'utf8').trim(),
    SERVER_SECRET: readFileSync(join(secrets, 'server-secret'), 'utf8').trim(),
  };
  for (const [i, dir] of dirs.entries()) {
    if (i === 0) continue;
    cpSync(join(first.path, 'keys'), join(dir.path, 'keys'), { recursive: true });
    instances.push(await startServerProcess({ DATA_DIR: dir.path, ...common, ...shared }, entries[i]));
  }
  return {
    instances,
    prefix,
    dataDirs: dirs.map((d) => d.path),
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
      await db.drop();
      await Promise.all(dirs.map((d) => d.remove()));
      await deleteKeysWithPrefix(prefix);
    },
  };
}
