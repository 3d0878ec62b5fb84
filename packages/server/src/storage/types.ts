/**
 * The storage as the rest of the server sees it: one repository per table family (each repository module exports
 * its own record types and interface), and the whole.
 * Implemented once with Kysely for both SQLite (better-sqlite3) and PostgreSQL (pg).
 * All timestamps are integer milliseconds since the epoch. All ids are UUID strings.
 * Opaque strings (records, wrapped keys, encrypted item data) are base64url and never interpreted here.
 */
import type { AccountRepository } from './account.ts';
import type { PoolStats } from './driver.ts';
import type { AuditRepository } from './audit.ts';
import type { EmailTokenRepository } from './email-tokens.ts';
import type { ItemRepository } from './items.ts';
import type { MetaRepository } from './meta.ts';
import type { MfaRepository } from './mfa.ts';
import type { OAuthRepository } from './oauth.ts';
import type { PasskeyRepository } from './passkeys.ts';
import type { RoleRepository } from './roles.ts';
import type { SessionRepository } from './sessions.ts';
import type { UserRepository } from './users.ts';
import type { VaultRepository } from './vaults.ts';
import type { OrgRepository } from './orgs.ts';
import type { SharingKeyRepository } from './sharing-keys.ts';
import type { SharedVaultRepository } from './shared-vaults.ts';
import type { SharedItemRepository } from './shared-items.ts';
import type { OrgAuditRepository } from './org-audit.ts';

export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly users: UserRepository;
  readonly vaults: VaultRepository;
  readonly items: ItemRepository;
  readonly sessions: SessionRepository;
  readonly meta: MetaRepository;
  readonly account: AccountRepository;
  readonly mfa: MfaRepository;
  readonly emailTokens: EmailTokenRepository;
  readonly audit: AuditRepository;
  readonly roles: RoleRepository;
  readonly oauth: OAuthRepository;
  /** Organisations and shared vaults (issue 25). */
  readonly sharingKeys: SharingKeyRepository;
  readonly orgs: OrgRepository;
  readonly sharedVaults: SharedVaultRepository;
  readonly sharedItems: SharedItemRepository;
  readonly orgAudit: OrgAuditRepository;
  readonly passkeys: PasskeyRepository;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  /** Commits one small write (a row in `meta`); throws when the database cannot write (disk full, read-only). */
  probeWrite(): Promise<void>;
  /** Names of migrations not yet applied (empty when current). */
  pendingMigrations(): Promise<string[]>;
  migrateToLatest(): Promise<string[]>;
  /** PostgreSQL only: the connection pool right now (read by the metrics at scrape time). */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}


export interface StorageOptions {
  /** postgres://… → PostgreSQL; undefined → SQLite file `watchword.db` in dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL pool size (default 30, per the security spec). */
  poolSize?: number;
  /** PostgreSQL: longest wait for a connection (opening one, or a free one from the pool), ms (default 5000). */
  connectTimeoutMs?: number;
  /** PostgreSQL statement_timeout, ms (default and 0: none — migrations run without one). */
  statementTimeoutMs?: number;
  /** PostgreSQL: client-side bound on every query, ms (default and 0: none — migrations run without one). */
  queryTimeoutMs?: number;
  /** PostgreSQL: a connection is closed and replaced once it is this old, seconds (default and 0: never). */
  maxLifetimeSeconds?: number;
}
