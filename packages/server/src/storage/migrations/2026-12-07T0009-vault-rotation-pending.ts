/**
 * Key rotation owed after a removal, and account data written with optimistic concurrency:
 * - `shared_vaults.rotation_pending_at`: set (when not already set) in the same transaction as any change that takes
 *   a member's access to the vault away — unshare, removal from or leaving the organisation, account deletion or
 *   vault reset — and cleared only by a rotation to the next key version sealed for exactly the members left. Until
 *   then the server refuses new content in the vault (VAULT_ROTATION_PENDING) and the next client that manages it
 *   rotates (docs/crypto.md, "Rotation after a removal").
 * - `users.account_data_revision`: bumped by every write of `account_data`; PUT /api/v1/account/data succeeds only at
 *   the revision the client read, so two devices merging their key pins cannot overwrite each other.
 * Append-only: never edit this file once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shared_vaults').addColumn('rotation_pending_at', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('account_data_revision', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
}
