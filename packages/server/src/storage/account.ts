/** Account-wide changes (password change, recovery, vault reset, deletion), each in one transaction. */
import type { Kysely, Transaction } from 'kysely';
import { BASE_ROLE } from '@watchword/protocol';
import { isOnlyActiveHolder } from './roles.ts';
import type { Database } from './schema.ts';
import type { KeepHolder } from './roles.ts';
import type { UserRecord } from './users.ts';
import type { NewVault } from './vaults.ts';
import { markRotationPending } from './shared-vaults.ts';

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
  /**
   * Swaps OPAQUE record and password wrap; revokes every other live session. undefined when the user is gone;
   * 'conflict' (nothing changed) when `expectedRevision` is given and the account data moved on since.
   */
  changePassword(userId: string, credentials: PasswordCredentials, keepSessionId: string, now: number, expectedRevision?: number): Promise<string[] | undefined | 'conflict'>;
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
  /** The client-sealed account data and its revision; undefined when the user is gone. */
  accountData(userId: string): Promise<{ sealed: string | null; revision: number } | undefined>;
  /**
   * Replaces the sealed account data if it is still at `expectedRevision` (compare-and-swap); returns the new
   * revision, 'conflict' when another write came first, undefined when the user is gone.
   */
  writeAccountData(userId: string, sealed: string, expectedRevision: number, now: number): Promise<number | 'conflict' | undefined>;
}

async function revokeSessions(trx: Transaction<Database>, userId: string, now: number, keep?: string): Promise<string[]> {
  let query = trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keep !== undefined) query = query.where('id', '!=', keep);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

async function removeFactors(trx: Transaction<Database>, userId: string): Promise<void> {
  await trx.deleteFrom('totp_factors').where('user_id', '=', userId).execute();
  await trx.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
  await trx.deleteFrom('webauthn_credentials').where('user_id', '=', userId).execute();
  // Passkeys sign in on their own and hold the account key wrapped: recovery and vault reset end them too.
  await trx.deleteFrom('passkey_credentials').where('user_id', '=', userId).execute();
}

function passwordColumns(c: PasswordCredentials, now: number) {
  return {
    opaque_record: c.opaqueRecord,
    kdf_version: c.kdfVersion,
    kek_salt: c.kekSalt,
    wrapped_account_key: c.wrappedAccountKey,
    account_data: c.accountData,
    updated_at: now,
  };
}

export function createAccountRepository(db: Kysely<Database>): AccountRepository {
  return {
    changePassword(userId, credentials, keepSessionId, now, expectedRevision) {
      return db.transaction().execute(async (trx) => {
        let q = trx
          .updateTable('users')
          .set((eb) => ({ ...passwordColumns(credentials, now), account_data_revision: eb('account_data_revision', '+', 1) }))
          .where('id', '=', userId);
        if (expectedRevision !== undefined) q = q.where('account_data_revision', '=', expectedRevision);
        const updated = await q.returning('id').executeTakeFirst();
        if (updated === undefined) {
          const exists = expectedRevision !== undefined && (await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()) !== undefined;
          return exists ? ('conflict' as const) : undefined;
        }
        return revokeSessions(trx, userId, now, keepSessionId);
      });
    },

    recover(userId, credentials, now) {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('users')
          .set((eb) => ({
            ...passwordColumns(credentials, now),
            account_data_revision: eb('account_data_revision', '+', 1),
            recovery_salt: credentials.recoverySalt,
            recovery_wrapped_key: credentials.recoveryWrappedKey,
            recovery_verifier_hash: credentials.recoveryVerifierHash,
          }))
          .where('id', '=', userId)
          .returning('id')
          .executeTakeFirst();
        if (updated === undefined) return undefined;
        await removeFactors(trx, userId);
        return revokeSessions(trx, userId, now);
      });
    },

    resetVault(userId, c, personalVault, now) {
      return db.transaction().execute(async (trx) => {
        // Bump the revision (never backwards): clients holding a sync cursor see a change and resync.
        const updated = await trx
          .updateTable('users')
          .set((eb) => ({
            ...passwordColumns(c, now),
            recovery_salt: c.recoverySalt,
            recovery_wrapped_key: c.recoveryWrappedKey,
            recovery_verifier_hash: c.recoveryVerifierHash,
            x25519_public_key: c.x25519PublicKey,
            ed25519_public_key: c.ed25519PublicKey,
            wrapped_x25519_private_key: c.wrappedX25519PrivateKey,
            wrapped_ed25519_private_key: c.wrappedEd25519PrivateKey,
            revision: eb('revision', '+', 1),
            account_data_revision: eb('account_data_revision', '+', 1),
          }))
          .where('id', '=', userId)
          .returning('id')
          .executeTakeFirst();
        if (updated === undefined) return undefined;
        await trx.deleteFrom('items').where('user_id', '=', userId).execute();
        await trx.deleteFrom('vaults').where('owner_id', '=', userId).execute();
        // Shared vaults and organisations stay (other members keep them); the account's accesses and memberships go,
        // and each vault it could read owes a key rotation (the old account key opened its grants).
        await markRotationPending(trx, { userId, now });
        await trx.deleteFrom('vault_members').where('user_id', '=', userId).execute();
        await trx.deleteFrom('org_members').where('user_id', '=', userId).execute();
        await trx
          .insertInto('vaults')
          .values({ id: personalVault.id, owner_id: userId, kind: personalVault.kind, wrapped_key: personalVault.wrappedKey, created_at: now })
          .execute();
        await removeFactors(trx, userId);
        const roles = await trx.deleteFrom('user_roles').where('user_id', '=', userId).where('role', '!=', BASE_ROLE).returning('role').execute();
        return { revoked: await revokeSessions(trx, userId, now), rolesRemoved: roles.map((r) => r.role).sort() };
      });
    },

    delete(userId, now, keep) {
      return db.transaction().execute(async (trx) => {
        if (keep !== undefined && (await isOnlyActiveHolder(trx, keep.keepActiveHolder, userId))) return 'last_holder' as const;
        const live = await revokeSessions(trx, userId, now);
        // Children first (explicitly, not relying on cascades), then the user row.
        await removeFactors(trx, userId);
        await trx.deleteFrom('email_tokens').where('user_id', '=', userId).execute();
        await trx.deleteFrom('items').where('user_id', '=', userId).execute();
        await trx.deleteFrom('vaults').where('owner_id', '=', userId).execute();
        // Shared vaults stay with their other members; each one this account could read owes a key rotation.
        await markRotationPending(trx, { userId, now });
        await trx.deleteFrom('vault_members').where('user_id', '=', userId).execute();
        await trx.deleteFrom('org_members').where('user_id', '=', userId).execute();
        const sessions = trx.selectFrom('sessions').select('id').where('user_id', '=', userId);
        await trx.deleteFrom('refresh_tokens').where('session_id', 'in', sessions).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
        const deleted = await trx.deleteFrom('users').where('id', '=', userId).returning('id').executeTakeFirst();
        return deleted === undefined ? undefined : live;
      });
    },

    async markEmailVerified(userId, now) {
      await db.updateTable('users').set({ email_verified_at: now }).where('id', '=', userId).where('email_verified_at', 'is', null).execute();
    },

    async accountData(userId) {
      const row = await db.selectFrom('users').select(['account_data', 'account_data_revision']).where('id', '=', userId).executeTakeFirst();
      return row === undefined ? undefined : { sealed: row.account_data, revision: Number(row.account_data_revision) };
    },

    async writeAccountData(userId, sealed, expectedRevision, now) {
      const row = await db
        .updateTable('users')
        .set((eb) => ({ account_data: sealed, account_data_revision: eb('account_data_revision', '+', 1), updated_at: now }))
        .where('id', '=', userId)
        .where('account_data_revision', '=', expectedRevision)
        .returning('account_data_revision')
        .executeTakeFirst();
      if (row !== undefined) return Number(row.account_data_revision);
      const exists = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      return exists === undefined ? undefined : 'conflict';
    },
  };
}
