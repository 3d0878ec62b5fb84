import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config } from './config.ts';
import { loadServerSecrets } from './keys/server-secrets.ts';
import { loadSigningKeys } from './keys/signing-keys.ts';
import type { AppDeps } from './context.ts';
import { openStateStore } from './state/index.ts';
import { openStorage } from './storage/index.ts';
import { OperatorError } from './operator-errors.ts';

/** Reads TLS_CERT/TLS_KEY and proves they are a usable pair now, rather than at the first handshake. */
export function loadTls(config: Pick<Config, 'tlsCert' | 'tlsKey'>): AppDeps['tls'] {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new OperatorError('WW_TLS_FILE_UNREADABLE', `${variable} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const tls = { cert: read('TLS_CERT', config.tlsCert), key: read('TLS_KEY', config.tlsKey) };
  try {
    createSecureContext(tls);
    // OpenSSL keeps keys per type: an EC key beside an RSA certificate would pass the line above and fail every
    // handshake. The leaf certificate must carry exactly this key's public half.
    if (!new X509Certificate(tls.cert).checkPrivateKey(createPrivateKey(tls.key))) throw new Error('the key does not belong to the certificate');
  } catch (error) {
    throw new OperatorError('WW_TLS_INVALID', `TLS_CERT and TLS_KEY are not a usable certificate and key (${(error as Error).message.split('\n')[0]})`);
  }
  return tls;
}

/** Opens the real implementations the config asks for: the one place that picks them. */
export async function openRuntime(config: Config, options: { migrate: boolean }): Promise<AppDeps & { close(): Promise<void> }> {
  const tls = loadTls(config);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    queryTimeoutMs: config.dbQueryTimeoutMs,
    maxLifetimeSeconds: config.dbPoolMaxLifetimeSeconds,
  });
  try {
    if (options.migrate) await storage.migrateToLatest();
    const pending = await storage.pendingMigrations();
    if (pending.length > 0) {
      throw new OperatorError('WW_DATABASE_MIGRATION_PENDING', `the database needs ${pending.length} migration(s) (${pending.join(', ')}); run \`npm run migrate\` first`);
    }
    const state = await openStateStore({
      redisUrl: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      commandTimeoutMs: config.redisCommandTimeoutMs,
      connectTimeoutMs: config.redisConnectTimeoutMs,
    });
    const secrets = await loadServerSecrets(config, storage);
    const signingKeys = loadSigningKeys(config.dataDir, { alg: config.accessTokenAlg, accessTokenTtlSeconds: config.accessTokenTtlSeconds, clockToleranceSeconds: config.clockToleranceSeconds });
    return {
      storage,
      state,
      secrets,
      signingKeys,
      ...(tls ? { tls } : {}),
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
