import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from './errors.ts';
import type { Database, UsersTable } from './schema.ts';
import type { UserRecord, UserRepository } from './types.ts';

export function createUserRepository(db: Kysely<Database>): UserRepository {
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
    async findByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },
    async findById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
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
  };
}
