/**
 * Repository interfaces: the only storage surface the rest of the server sees.
 * Implemented once with Kysely for both SQLite (better-sqlite3) and PostgreSQL (pg).
 * All timestamps are integer milliseconds since the epoch. All ids are UUID strings.
 * Opaque strings (records, wrapped keys, encrypted item data) are base64url and never interpreted here.
 */
import type { MfaMethod } from '@watchword/protocol';

export interface UserRecord {
  id: string;
  /** Normalised e-mail (see normaliseEmail in @watchword/protocol); unique. */
  email: string;
  /** OPAQUE registration record (RFC 9807 §5.1.1 `record`), base64url. */
  opaqueRecord: string;
  /** Key-stretching profile the record was made with (see protocol KDF profiles). */
  kdfVersion: number;
  kekSalt: string;
  wrappedAccountKey: string;
  recoverySalt: string;
  recoveryWrappedKey: string;
  x25519PublicKey: string;
  ed25519PublicKey: string;
  wrappedX25519PrivateKey: string;
  wrappedEd25519PrivateKey: string;
  /** Per-user change counter: the sync cursor. Bumped by every item change. */
  revision: number;
  createdAt: number;
  updatedAt: number;
  /** SHA-256 of the recovery verifier (a value only the recovery key yields), base64url; null on old accounts. */
  recoveryVerifierHash: string | null;
  /** Client-sealed account data (password-history fingerprints), base64url; opaque to the server. */
  accountData: string | null;
  /** When the address was verified; null until then. */
  emailVerifiedAt: number | null;
  /** Set while an administrator has disabled the account. */
  disabledAt: number | null;
  lastLoginAt: number | null;
}

export type NewUser = Omit<UserRecord, 'revision' | 'createdAt' | 'updatedAt' | 'recoveryVerifierHash' | 'accountData' | 'emailVerifiedAt' | 'disabledAt' | 'lastLoginAt'> &
  Partial<Pick<UserRecord, 'recoveryVerifierHash' | 'accountData'>>;

/** The credential half of an account that a password change replaces (OPAQUE record and the password wrap). */
export interface PasswordCredentials {
  opaqueRecord: string;
  kdfVersion: number;
  kekSalt: string;
  wrappedAccountKey: string;
  accountData: string | null;
}

/** The recovery half: the recovery-key wrap and its verifier. */
export interface RecoveryCredentials {
  recoverySalt: string;
  recoveryWrappedKey: string;
  recoveryVerifierHash: string;
}

/** Everything a vault reset replaces (new account key: all wraps and key pairs are new). */
export type ResetCredentials = PasswordCredentials &
  RecoveryCredentials &
  Pick<UserRecord, 'x25519PublicKey' | 'ed25519PublicKey' | 'wrappedX25519PrivateKey' | 'wrappedEd25519PrivateKey'>;

/**
 * Account-wide changes, each one transaction. Every one that ends sessions returns the ids it revoked, so the
 * caller can deny their access tokens at once.
 */
export interface AccountRepository {
  /** Swaps OPAQUE record and password wrap; revokes every other live session. undefined when the user is gone. */
  changePassword(userId: string, credentials: PasswordCredentials, keepSessionId: string, now: number): Promise<string[] | undefined>;
  /**
   * Recovery with the recovery key: new password credentials and a rotated recovery wrap; every second factor is
   * removed (the recovery key plus the mailbox replace them) and every session revoked.
   */
  recover(userId: string, credentials: PasswordCredentials & RecoveryCredentials, now: number): Promise<string[] | undefined>;
  /**
   * "Reset and lose the vault": every item and vault deleted, all keys replaced, factors removed, sessions revoked,
   * and every granted role taken away (the reset needs only the mailbox, which must not be enough to keep
   * administration; the base role stays, as it always does). Returns the revoked session ids and the roles removed.
   */
  resetVault(userId: string, credentials: ResetCredentials, personalVault: NewVault, now: number): Promise<{ revoked: string[]; rolesRemoved: string[] } | undefined>;
  /**
   * Deletes the account and everything that hangs off it; returns the session ids that were live. With `keep`, the
   * role's only active holder is not deleted ('last_holder', nothing changed).
   */
  delete(userId: string, now: number, keep?: KeepHolder): Promise<string[] | undefined | 'last_holder'>;
  markEmailVerified(userId: string, now: number): Promise<void>;
}

export interface TotpFactorRecord {
  userId: string;
  seedSealed: string;
  confirmedAt: number | null;
  lastStep: number;
  createdAt: number;
}

export interface WebauthnCredentialRecord {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  counter: number;
  transports: string[];
  aaguid: string;
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface BackupCodeRecord {
  id: string;
  hash: string;
}

/** Whether the user has logged in before at all ('first'), with this device name and user agent ('known'), or not ('new'). */
export type DeviceHistory = 'first' | 'known' | 'new';

/** The device a login comes from, as its sessions record it. */
export interface LoginDevice {
  readonly name: string;
  readonly userAgent: string;
}

/** What a login needs to know once the password is proven, read in one statement. */
export interface LoginGate {
  /** The account is disabled (or gone): no session. */
  disabled: boolean;
  /** A confirmed TOTP seed or a registered security key: the login needs a second factor. */
  secondFactor: boolean;
  /** The login's device against the account's sessions (the new-device notice). */
  device: DeviceHistory;
  /**
   * The account's OPAQUE record now (null: no account). A login proven against another record (one its start read
   * before a password change, recovery or vault reset) must not open a session.
   */
  opaqueRecord: string | null;
}

/** Second factors. Every "use" is one conditional UPDATE, so a code or assertion counts once across instances. */
export interface MfaRepository {
  /** The account's login gate in one statement (disabled, second factor, device history, record) — every login reads it. */
  loginGate(userId: string, device: LoginDevice): Promise<LoginGate>;
  getTotp(userId: string): Promise<TotpFactorRecord | undefined>;
  /** Starts (or restarts) an enrolment: replaces an unconfirmed seed; 'active' when a confirmed one exists. */
  putPendingTotp(userId: string, seedSealed: string, now: number): Promise<'pending' | 'active'>;
  /** Activates the pending seed and records `step` as used; false if there was none pending or it changed. */
  confirmTotp(userId: string, seedSealed: string, step: number, now: number): Promise<boolean>;
  /** Records `step` as used iff it is newer than the last used one (single use, RFC 6238 §5.2). */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  deleteTotp(userId: string): Promise<boolean>;

  /** Replaces every backup code of the user (regeneration invalidates the old set). */
  replaceBackupCodes(userId: string, hashes: string[], now: number): Promise<void>;
  listUnusedBackupCodes(userId: string): Promise<BackupCodeRecord[]>;
  /** Marks one code used iff still unused. */
  useBackupCode(userId: string, id: string, now: number): Promise<boolean>;
  deleteBackupCodes(userId: string): Promise<void>;

  listWebauthn(userId: string): Promise<WebauthnCredentialRecord[]>;
  /** 'exists' when the credential id is already registered (to anyone). */
  addWebauthn(credential: Omit<WebauthnCredentialRecord, 'lastUsedAt'>): Promise<'added' | 'exists'>;
  /** Stores the new signature counter iff the stored one is still `expected` (no concurrent double use). */
  useWebauthn(userId: string, id: string, expected: number, counter: number, now: number): Promise<boolean>;
  deleteWebauthn(userId: string, id: string): Promise<WebauthnCredentialRecord | undefined>;
}

export type EmailTokenPurpose = 'verify_email' | 'recovery';

export interface EmailTokenRepository {
  create(input: { hash: string; userId: string; purpose: EmailTokenPurpose; expiresAt: number; now: number }): Promise<void>;
  /** Marks the token used iff it exists for this purpose, is unused and unexpired; returns its user. */
  consume(hash: string, purpose: EmailTokenPurpose, now: number): Promise<string | undefined>;
  /** Invalidates every outstanding token of that purpose for the user (a new request supersedes old ones). */
  revokeAll(userId: string, purpose: EmailTokenPurpose, now: number): Promise<void>;
}

export interface AuditEventRecord {
  id: string;
  at: number;
  actorId: string | null;
  action: string;
  targetId: string | null;
  ip: string;
  userAgent: string;
  outcome: 'success' | 'failure' | 'denied';
  requestId: string;
  context: Record<string, string | number | boolean | null>;
}

/** Admin audit query: every field optional; `since` inclusive, `until` exclusive (ms). */
export interface AuditQueryFilters {
  since?: number | undefined;
  until?: number | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  outcome?: AuditEventRecord['outcome'] | undefined;
}

/** The position of the last event of a page. */
export interface AuditCursor {
  at: number;
  id: string;
}

/** Append-only: there is no update here on purpose, and the only deletion is `prune` (the retention job). */
export interface AuditRepository {
  append(event: AuditEventRecord): Promise<void>;
  /** Events where the user is actor or target, newest first. */
  listForUser(userId: string, limit: number): Promise<AuditEventRecord[]>;
  /**
   * Events matching every given filter, newest first — ordered by (at, id) descending — strictly after `cursor` in
   * that order (keyset pagination: no duplicates or gaps between pages), at most `limit`.
   */
  query(filters: AuditQueryFilters, cursor: AuditCursor | undefined, limit: number): Promise<AuditEventRecord[]>;
  /**
   * The retention job (AUDIT_RETENTION_DAYS, see audit/retention.ts) and nothing else: deletes every event older than
   * `before` (ms, exclusive) and returns how many went.
   */
  prune(before: number): Promise<number>;
}

export interface VaultRecord {
  id: string;
  ownerId: string;
  kind: 'personal';
  /** Vault key wrapped by the owner's account key, base64url. */
  wrappedKey: string;
  createdAt: number;
}

export type NewVault = Omit<VaultRecord, 'createdAt' | 'ownerId'>;

export interface ItemRecord {
  id: string;
  userId: string;
  vaultId: string;
  /** Per-item content revision, starts at 1, +1 on every content update. Bound into the ciphertext's AAD by clients. */
  revision: number;
  /** The owner's user revision at this item's last change (create, update, trash, restore, purge). */
  seq: number;
  /** Encrypted item envelope, base64url; null once purged. */
  data: string | null;
  /** Set while the item is in the trash. */
  deletedAt: number | null;
  /** True once purged: the row is a tombstone so delta sync can report the purge. */
  purged: boolean;
  createdAt: number;
  updatedAt: number;
}

/** One login on one device: a refresh-token family. The tokens themselves live in `refresh_tokens`, hashed. */
export interface SessionRecord {
  id: string;
  userId: string;
  deviceName: string;
  ip: string;
  userAgent: string;
  createdAt: number;
  lastUsedAt: number;
  /** Absolute expiry. */
  expiresAt: number;
  revokedAt: number | null;
  /** RFC 7638 thumbprint of the DPoP key the session is bound to (RFC 9449 §5), or null for bearer sessions. */
  dpopJkt: string | null;
  /** The second factor the login passed; null for a password-only login. Kept by every refresh of the session. */
  secondFactor: MfaMethod | null;
}

export type NewSession = Omit<SessionRecord, 'lastUsedAt' | 'revokedAt'> & {
  /** SHA-256 of the first refresh token of the family, base64url. */
  refreshHash: string;
};

export interface RotateInput {
  /** SHA-256 of the presented refresh token. */
  presentedHash: string;
  /** SHA-256 of its successor. */
  newHash: string;
  /** The successor sealed under a key only the presented token yields (returned again inside the grace window). */
  sealedSuccessor: string;
  now: number;
  /** A session unused for this long is over. */
  idleTimeoutMs: number;
  /** How long a rotated token may still be presented to get the same successor (concurrent duplicates, retries). */
  graceMs: number;
}

export type RotateResult =
  /** The presented token was current: it is now rotated and newHash is the family's current token. */
  | { status: 'rotated'; session: SessionRecord }
  /** Rotated moments ago (within graceMs) and its successor is still current: hand out that same successor. */
  | { status: 'grace'; session: SessionRecord; sealedSuccessor: string }
  /**
   * A rotated token presented again, outside the grace window or after its successor was used: the caller revokes
   * the family (RFC 9700 §4.14.2).
   */
  | { status: 'reused'; session: SessionRecord }
  /** Unknown token, or its session is revoked, expired or idle. Nothing changed. */
  | { status: 'invalid' };

/** What the admin API shows of an account: metadata only, never keys or vault contents. */
export interface UserSummary {
  id: string;
  email: string;
  createdAt: number;
  lastLoginAt: number | null;
  disabledAt: number | null;
  emailVerified: boolean;
  totp: boolean;
  webauthnKeys: number;
  roles: string[];
}

export interface UserRepository {
  /** Creates the user (holding the base role) and their personal vault atomically. 'exists' when the e-mail or id is taken. */
  create(user: NewUser, personalVault: NewVault, now: number): Promise<'created' | 'exists'>;
  /** Users by e-mail substring (case-insensitive), ordered by e-mail, after `cursor` (an e-mail), at most `limit`. */
  search(input: { query?: string | undefined; after?: string | undefined; limit: number }): Promise<UserSummary[]>;
  summary(id: string): Promise<UserSummary | undefined>;
  /**
   * Sets (a time) or clears (null) the disabled mark; false when the user does not exist. With `keep`, disabling
   * the role's only active holder is refused ('last_holder', nothing changed).
   */
  setDisabled(id: string, at: number | null, keep?: KeepHolder): Promise<boolean | 'last_holder'>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  count(): Promise<number>;
}

export interface VaultRepository {
  listForUser(userId: string): Promise<VaultRecord[]>;
  /** undefined when the vault does not exist or is not the user's. */
  findForUser(userId: string, vaultId: string): Promise<VaultRecord | undefined>;
}

export type ItemUpdateResult =
  | { status: 'updated'; item: ItemRecord }
  | { status: 'conflict'; currentRevision: number }
  | { status: 'not_found' };

export interface ItemListResult {
  /** The user's current revision (the cursor to pass as `since` next time). */
  revision: number;
  items: ItemRecord[];
}

export interface ItemRepository {
  /**
   * Inserts an item with revision 1 and seq = ++user.revision, in one transaction.
   * 'exists' when the id is already used (by anyone); nothing changes then.
   */
  create(input: { id: string; userId: string; vaultId: string; data: string; now: number }): Promise<ItemRecord | 'exists'>;
  /**
   * Inserts many items at once (bulk import), all or nothing, in one transaction: one bump of the user's revision
   * by the count, consecutive seqs in input order. 'exists' when any id is taken; VAULT_NOT_FOUND when any vault is
   * not the user's. Nothing changes in either case.
   */
  createMany(input: { userId: string; items: { id: string; vaultId: string; data: string }[]; now: number }): Promise<ItemRecord[] | 'exists'>;
  /**
   * Replaces the data iff the item is the user's, not purged, and its revision equals expectedRevision
   * (one conditional UPDATE: no lost update under concurrency). revision+1, seq = ++user.revision.
   */
  update(input: { id: string; userId: string; expectedRevision: number; data: string; now: number }): Promise<ItemUpdateResult>;
  /** Moves to / out of the trash (deletedAt set / cleared), bumps seq; undefined when not the user's or purged. */
  trash(userId: string, id: string, now: number): Promise<ItemRecord | undefined>;
  restore(userId: string, id: string, now: number): Promise<ItemRecord | undefined>;
  /** Purges: data = null, purged = true, bumps seq. undefined when not the user's or already purged. */
  purge(userId: string, id: string, now: number): Promise<ItemRecord | undefined>;
  /** The user's item (trashed included), undefined when missing, another user's, or purged. */
  get(userId: string, id: string): Promise<ItemRecord | undefined>;
  /**
   * since undefined: every non-purged item of the user (trash included), ordered by seq.
   * since = n: every item of the user with seq > n, purged tombstones included, ordered by seq.
   * One query for the items (no N+1); the revision read in the same transaction/snapshot.
   */
  list(userId: string, since?: number): Promise<ItemListResult>;
}

export interface SessionRepository {
  /**
   * A login's writes in one transaction (one durable commit per login): the session and its first refresh token,
   * the user's last login time, and the login's audit event.
   */
  create(session: NewSession, loginEvent: AuditEventRecord): Promise<void>;
  findById(id: string): Promise<SessionRecord | undefined>;
  /**
   * Rotates in one transaction: a conditional UPDATE marks the presented token rotated only if it was current
   * (so of N concurrent rotations exactly one wins), inserts the successor and touches the session. A session of a
   * disabled account does not rotate ('invalid').
   */
  rotate(input: RotateInput): Promise<RotateResult>;
  /** Every session of the user (revoked and expired ones too), oldest first. */
  listForUser(userId: string): Promise<SessionRecord[]>;
  /** Sets revokedAt if not yet revoked; returns whether the session is (now) revoked and belongs to userId. */
  revoke(userId: string, id: string, now: number): Promise<boolean>;
  /** Revokes every live session of the user; returns the ids newly revoked. */
  revokeAllForUser(userId: string, now: number): Promise<string[]>;
  /** Sessions revoked at or after `since` (to rebuild the access-token denylist after a restart). */
  listRevokedSince(since: number): Promise<string[]>;
}

/** Small key/value table for server metadata (e.g. the OPAQUE setup fingerprint). */
export interface MetaRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/**
 * A role that must keep at least one active (not disabled) holder: a change guarded by it is refused with
 * 'last_holder' when it would take the role, the account's activity or the account itself from the role's only active
 * holder. Decided inside the change's transaction, after the role's row is locked (see `isOnlyActiveHolder`), so two
 * concurrent changes cannot each leave the other as the holder and then remove it.
 */
export interface KeepHolder {
  keepActiveHolder: string;
}

export interface RoleRecord {
  name: string;
  parent: string | null;
  description: string;
  builtin: boolean;
  permissions: string[];
}

export interface RoleRepository {
  /** Every role with its own (not inherited) permissions. */
  list(): Promise<RoleRecord[]>;
  /** 'exists' when the name is taken, 'no_parent' when the parent does not exist. */
  create(role: Omit<RoleRecord, 'builtin'>, now: number): Promise<'created' | 'exists' | 'no_parent'>;
  rolesOf(userId: string): Promise<string[]>;
  /** 'no_role' / 'no_user' when either does not exist; 'exists' when already held. */
  grant(userId: string, role: string, grantedBy: string | null, now: number): Promise<'granted' | 'exists' | 'no_role' | 'no_user'>;
  /** false when the role was not held. With `keep`, taking a role from its only active holder is refused ('last_holder'). */
  revoke(userId: string, role: string, keep?: KeepHolder): Promise<boolean | 'last_holder'>;
  /** How many accounts hold the role (active ones only when `activeOnly`). */
  holders(role: string, activeOnly: boolean): Promise<number>;
}

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
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  /** Names of migrations not yet applied (empty when current). */
  pendingMigrations(): Promise<string[]>;
  migrateToLatest(): Promise<string[]>;
  /** PostgreSQL only: the connection pool right now (read by the metrics at scrape time). */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  /** The pool's size: the most connections it opens. */
  readonly max: number;
  /** Open connections, busy or idle. */
  readonly total: number;
  readonly idle: number;
  /** Queries waiting for a free connection. */
  readonly waiting: number;
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
  /** PostgreSQL: a connection is closed and replaced once it is this old, seconds (default and 0: never). */
  maxLifetimeSeconds?: number;
}
