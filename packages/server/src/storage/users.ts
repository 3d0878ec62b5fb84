import { type Kysely, type Selectable, sql } from 'kysely';
import { isUniqueViolation } from './errors.ts';
import type { Database, UsersTable } from './schema.ts';
import type { StorageDriver } from './driver.ts';
import { preparedQuery } from './prepared.ts';
import { isOnlyActiveHolder } from './roles.ts';
import type { KeepHolder } from './roles.ts';
import type { NewVault } from './vaults.ts';

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

/**
 * Every column of `users`, named: the hot lookups below run as prepared statements, and a `select *` prepared
 * before a migration that adds a column would fail on PostgreSQL afterwards ("cached plan must not change result
 * type"). The type check below fails the build when a column is added to the schema but not here.
 */
const USER_COLUMNS = [
  'id', 'email', 'opaque_record', 'kdf_version', 'kek_salt', 'wrapped_account_key', 'recovery_salt', 'recovery_wrapped_key',
  'x25519_public_key', 'ed25519_public_key', 'wrapped_x25519_private_key', 'wrapped_ed25519_private_key', 'revision',
  'created_at', 'updated_at', 'recovery_verifier_hash', 'account_data', 'email_verified_at', 'disabled_at', 'last_login_at',
  'sharing_x25519_public_key', 'sharing_ed25519_public_key', 'sharing_key_signature', 'sharing_wrapped_private_keys', 'sharing_keys_at',
  'account_data_revision',
] as const satisfies readonly (keyof UsersTable)[];
const allColumnsNamed: Exclude<keyof UsersTable, (typeof USER_COLUMNS)[number]> extends never ? true : false = true;
void allColumnsNamed;

export function createUserRepository(driver: StorageDriver): UserRepository {
  const { db } = driver;
  // Every login looks the account up by e-mail, and every authenticated account read by id: compiled once.
  const byEmail = preparedQuery<Selectable<UsersTable>, [string]>(driver, 1, (email) => db.selectFrom('users').select(USER_COLUMNS).where('email', '=', email));
  const byId = preparedQuery<Selectable<UsersTable>, [string]>(driver, 1, (id) => db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id));
  const first = (rows: Selectable<UsersTable>[]) => (rows[0] === undefined ? undefined : toUser(rows[0]));
  return {
    async create(user, personalVault, now) {
      try {
        // One transaction: a duplicate e-mail or id rolls back the vault too, so nothing is half-written.
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('users')
            .values({
              id: user.id,
              email: user.email,
              opaque_record: user.opaqueRecord,
              kdf_version: user.kdfVersion,
              kek_salt: user.kekSalt,
              wrapped_account_key: user.wrappedAccountKey,
              recovery_salt: user.recoverySalt,
              recovery_wrapped_key: user.recoveryWrappedKey,
              x25519_public_key: user.x25519PublicKey,
              ed25519_public_key: user.ed25519PublicKey,
              wrapped_x25519_private_key: user.wrappedX25519PrivateKey,
              wrapped_ed25519_private_key: user.wrappedEd25519PrivateKey,
              recovery_verifier_hash: user.recoveryVerifierHash ?? null,
              account_data: user.accountData ?? null,
              revision: 0,
              created_at: now,
              updated_at: now,
            })
            .execute();
          // Every account holds the base role (deny by default: without it, no route but the public ones).
          await trx.insertInto('user_roles').values({ user_id: user.id, role: 'user', granted_by: null, granted_at: now }).execute();
          await trx
            .insertInto('vaults')
            .values({
              id: personalVault.id,
              owner_id: user.id,
              kind: personalVault.kind,
              wrapped_key: personalVault.wrappedKey,
              created_at: now,
            })
            .execute();
        });
        return 'created';
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },
    findByEmail: async (email) => first(await byEmail(email)),
    findById: async (id) => first(await byId(id)),
    async search({ query, after, limit }) {
      let q = db.selectFrom('users').select('id').orderBy('email').limit(limit);
      // ESCAPE spelled out: SQLite has no default LIKE escape character (PostgreSQL's is the same backslash).
      if (query) q = q.where(sql<boolean>`email like ${`%${escapeLike(query.toLowerCase())}%`} escape '\\'`);
      if (after !== undefined) q = q.where('email', '>', after);
      const ids = (await q.execute()).map((r) => r.id);
      return summaries(db, ids);
    },
    async summary(id) {
      return (await summaries(db, [id]))[0];
    },
    async setDisabled(id, at, keep) {
      return db.transaction().execute(async (trx) => {
        if (at !== null && keep !== undefined && (await isOnlyActiveHolder(trx, keep.keepActiveHolder, id))) return 'last_holder' as const;
        const row = await trx.updateTable('users').set({ disabled_at: at }).where('id', '=', id).returning('id').executeTakeFirst();
        return row !== undefined;
      });
    },
    async count() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    opaqueRecord: row.opaque_record,
    kdfVersion: row.kdf_version,
    kekSalt: row.kek_salt,
    wrappedAccountKey: row.wrapped_account_key,
    recoverySalt: row.recovery_salt,
    recoveryWrappedKey: row.recovery_wrapped_key,
    x25519PublicKey: row.x25519_public_key,
    ed25519PublicKey: row.ed25519_public_key,
    wrappedX25519PrivateKey: row.wrapped_x25519_private_key,
    wrappedEd25519PrivateKey: row.wrapped_ed25519_private_key,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    recoveryVerifierHash: row.recovery_verifier_hash,
    accountData: row.account_data,
    emailVerifiedAt: row.email_verified_at,
    disabledAt: row.disabled_at,
    lastLoginAt: row.last_login_at,
  };
}

/** LIKE metacharacters in user input match literally (the query builder binds the pattern as a parameter). */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Metadata of the given users in the given order: three queries however many users (no N+1). */
async function summaries(db: Kysely<Database>, ids: string[]): Promise<UserSummary[]> {
  if (ids.length === 0) return [];
  const [users, roles, totp, keys] = await Promise.all([
    db.selectFrom('users').select(['id', 'email', 'created_at', 'last_login_at', 'disabled_at', 'email_verified_at']).where('id', 'in', ids).execute(),
    db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', ids).orderBy('role').execute(),
    db.selectFrom('totp_factors').select('user_id').where('user_id', 'in', ids).where('confirmed_at', 'is not', null).execute(),
    db.selectFrom('webauthn_credentials').select('user_id').where('user_id', 'in', ids).execute(),
  ]);
  const byId = new Map(users.map((u) => [u.id, u]));
  return ids.flatMap((id) => {
    const u = byId.get(id);
    if (!u) return [];
    return [
      {
        id: u.id,
        email: u.email,
        createdAt: u.created_at,
        lastLoginAt: u.last_login_at,
        disabledAt: u.disabled_at,
        emailVerified: u.email_verified_at !== null,
        totp: totp.some((t) => t.user_id === id),
        webauthnKeys: keys.filter((k) => k.user_id === id).length,
        roles: roles.filter((r) => r.user_id === id).map((r) => r.role),
      },
    ];
  });
}
