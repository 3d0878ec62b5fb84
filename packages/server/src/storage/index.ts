/** Opens the storage picked by the configuration. Never migrates on its own: the server decides when. */
import { sql } from 'kysely';
import { createAccountRepository } from './account.ts';
import { createAuditRepository } from './audit.ts';
import { createEmailTokenRepository } from './email-tokens.ts';
import { createItemRepository } from './items.ts';
import { createMfaRepository } from './mfa.ts';
import { createOAuthRepository } from './oauth.ts';
import { createPasskeyRepository } from './passkeys.ts';
import { createRoleRepository } from './roles.ts';
import { createMetaRepository } from './meta.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';
import type { StorageDriver } from './driver.ts';
import { createSessionRepository } from './sessions.ts';
import type { Storage, StorageOptions } from './types.ts';
import { createUserRepository } from './users.ts';
import { createVaultRepository } from './vaults.ts';
import { createOrgRepository } from './orgs.ts';
import { createSharingKeyRepository } from './sharing-keys.ts';
import { createSharedVaultRepository } from './shared-vaults.ts';
import { createSharedItemRepository } from './shared-items.ts';
import { createOrgAuditRepository } from './org-audit.ts';
import { OperatorError } from '../operator-errors.ts';

export type * from './types.ts';

const DEFAULT_POOL_SIZE = 30;
/** The `meta` row /readyz rewrites to prove the database still takes writes. */
const WRITE_PROBE_KEY = 'readyz_write_probe';

export async function openStorage(options: StorageOptions): Promise<Storage> {
  const url = options.databaseUrl;
  if (url === undefined) {
    // Loaded only when used, as pg is below: a server on PostgreSQL never loads better-sqlite3.
    const { openSqlite } = await import('./sqlite.ts');
    return createStorage(openSqlite(options.dataDir));
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    // Never echo the URL: it may carry a password.
    throw new OperatorError('WW_DATABASE_URL_INVALID', 'DATABASE_URL must be a postgres:// or postgresql:// URL (or unset for the embedded SQLite database)');
  }
  // Loaded only when used: the embedded default never pays for the pg driver (start-up time and memory).
  const { openPostgresPool } = await import('./postgres.ts');
  const driver = openPostgresPool({
    url,
    poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectTimeoutMs: options.connectTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
  });
  return createStorage(driver);
}

function createStorage(driver: StorageDriver): Storage {
  const { db } = driver;
  let closed: Promise<void> | undefined;
  return {
    dialect: driver.dialect,
    ...(driver.poolStats ? { poolStats: driver.poolStats } : {}),
    users: createUserRepository(driver),
    vaults: createVaultRepository(db),
    items: createItemRepository(driver),
    sessions: createSessionRepository(driver),
    meta: createMetaRepository(db),
    account: createAccountRepository(db),
    mfa: createMfaRepository(driver),
    emailTokens: createEmailTokenRepository(db),
    audit: createAuditRepository(db),
    roles: createRoleRepository(db),
    oauth: createOAuthRepository(db),
    sharingKeys: createSharingKeyRepository(db),
    orgs: createOrgRepository(db),
    sharedVaults: createSharedVaultRepository(driver),
    sharedItems: createSharedItemRepository(driver),
    orgAudit: createOrgAuditRepository(db),
    passkeys: createPasskeyRepository(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async probeWrite() {
      // One row, rewritten in place: the probe never grows the database.
      await db
        .insertInto('meta')
        .values({ key: WRITE_PROBE_KEY, value: String(Date.now()) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(Date.now()) }))
        .execute();
    },
    pendingMigrations: () => pendingMigrations(db),
    migrateToLatest: () => migrateToLatest(db),
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}
