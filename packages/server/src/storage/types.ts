/**
 * Repository interfaces: the only storage surface the rest of the server sees.
 * Implemented once with Kysely for both SQLite (better-sqlite3) and PostgreSQL (pg).
 * All timestamps are integer milliseconds since the epoch. All ids are UUID strings.
 * Opaque strings (records, wrapped keys, encrypted item data) are base64url and never interpreted here.
 */

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
}

export type NewUser = Omit<UserRecord, 'revision' | 'createdAt' | 'updatedAt'>;

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

export interface SessionRecord {
  id: string;
  userId: string;
  /** SHA-256 of the current refresh token secret, base64url. */
  refreshHash: string;
  /** SHA-256 of the refresh token it replaced, base64url (for reuse detection). */
  previousRefreshHash: string | null;
  deviceName: string;
  ip: string;
  userAgent: string;
  createdAt: number;
  lastUsedAt: number;
  /** Absolute expiry. */
  expiresAt: number;
  revokedAt: number | null;
}

export type NewSession = Omit<SessionRecord, 'previousRefreshHash' | 'lastUsedAt' | 'revokedAt'>;

export interface UserRepository {
  /** Creates the user and their personal vault atomically. 'exists' when the e-mail or id is taken (no change made). */
  create(user: NewUser, personalVault: NewVault, now: number): Promise<'created' | 'exists'>;
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

export type RotateResult =
  | { status: 'rotated'; session: SessionRecord }
  | { status: 'reused'; session: SessionRecord }
  | { status: 'invalid' };

export interface SessionRepository {
  create(session: NewSession): Promise<void>;
  findById(id: string): Promise<SessionRecord | undefined>;
  /**
   * Atomically swaps refreshHash presentedHash → newHash (one conditional UPDATE ... WHERE refresh_hash = presented
   * AND revoked_at IS NULL AND expires_at > now), setting previousRefreshHash and lastUsedAt.
   * 'reused' when presentedHash matches a session's previousRefreshHash instead (the caller revokes that family);
   * 'invalid' otherwise (unknown, revoked or expired).
   */
  rotate(presentedHash: string, newHash: string, now: number): Promise<RotateResult>;
  listForUser(userId: string): Promise<SessionRecord[]>;
  /** Sets revokedAt if not yet revoked; returns whether the session is (now) revoked and belongs to userId. */
  revoke(userId: string, id: string, now: number): Promise<boolean>;
  revokeAllForUser(userId: string, now: number): Promise<string[]>;
}

/** Small key/value table for server metadata (e.g. the OPAQUE setup fingerprint). */
export interface MetaRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly users: UserRepository;
  readonly vaults: VaultRepository;
  readonly items: ItemRepository;
  readonly sessions: SessionRepository;
  readonly meta: MetaRepository;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  /** Names of migrations not yet applied (empty when current). */
  pendingMigrations(): Promise<string[]>;
  migrateToLatest(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** postgres://… → PostgreSQL; undefined → SQLite file `watchword.db` in dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL pool size (default 30, per the security spec). */
  poolSize?: number;
}
