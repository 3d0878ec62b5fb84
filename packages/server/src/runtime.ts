import { mkdirSync } from 'node:fs';
import type { Config } from './config.ts';
import { loadServerSecrets } from './keys/server-secrets.ts';
import { loadSigningKeys } from './keys/signing-keys.ts';
import type { AppDeps } from './http/types.ts';
import { openStateStore } from './state/index.ts';
import { openStorage } from './storage/index.ts';

/** Opens the real implementations the config asks for: the one place that picks them. */
export async function openRuntime(config: Config, options: { migrate: boolean }): Promise<AppDeps & { close(): Promise<void> }> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize });
  try {
    if (options.migrate) await storage.migrateToLatest();
    const pending = await storage.pendingMigrations();
    if (pending.length > 0) {
      throw new Error(`the database needs ${pending.length} migration(s) (${pending.join(', ')}); run \`npm run migrate\` first`);
    }
    const state = await openStateStore({ redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix });
    const secrets = await loadServerSecrets(config, storage);
    const signingKeys = loadSigningKeys(config.dataDir, { alg: config.accessTokenAlg, accessTokenTtlSeconds: config.accessTokenTtlSeconds });
    return {
      storage,
      state,
      secrets,
      signingKeys,
      async close() {
        await state.close();
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
