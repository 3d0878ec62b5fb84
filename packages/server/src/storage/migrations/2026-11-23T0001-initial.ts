/**
 * Initial schema. Append-only: never edit a migration that has shipped; add a new file instead.
 * Schema builder only, so the same migration runs on SQLite and PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Server metadata (e.g. the OPAQUE setup fingerprint) so a restart can detect a swapped key.
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  // Accounts. `email` is unique so two registrations cannot race to the same address;
  // `revision` is the per-user sync cursor, bumped under this row's lock by every item change.
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('opaque_record', 'text', (c) => c.notNull())
    .addColumn('kdf_version', 'integer', (c) => c.notNull())
    .addColumn('kek_salt', 'text', (c) => c.notNull())
    .addColumn('wrapped_account_key', 'text', (c) => c.notNull())
    .addColumn('recovery_salt', 'text', (c) => c.notNull())
    .addColumn('recovery_wrapped_key', 'text', (c) => c.notNull())
    .addColumn('x25519_public_key', 'text', (c) => c.notNull())
    .addColumn('ed25519_public_key', 'text', (c) => c.notNull())
    .addColumn('wrapped_x25519_private_key', 'text', (c) => c.notNull())
    .addColumn('wrapped_ed25519_private_key', 'text', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Vaults (one personal vault per user for now); deleting a user removes them.
  await db.schema
    .createTable('vaults')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // Vault listing per user.
  await db.schema.createIndex('vaults_owner_id_idx').on('vaults').column('owner_id').execute();

  // Encrypted items. Purged items stay as tombstones (data NULL, purged 1) so delta sync can report them.
  await db.schema
    .createTable('items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('vault_id', 'text', (c) => c.notNull().references('vaults.id').onDelete('cascade'))
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('deleted_at', 'bigint')
    .addColumn('purged', 'integer', (c) => c.notNull().defaultTo(0).check(sql`purged in (0, 1)`))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Delta sync reads "items of user U with seq > n ordered by seq": one range scan on this index.
  await db.schema.createIndex('items_user_id_seq_idx').on('items').columns(['user_id', 'seq']).execute();
  // Foreign-key lookups when a vault is deleted (cascade) would otherwise scan the table.
  await db.schema.createIndex('items_vault_id_idx').on('items').column('vault_id').execute();

  // Refresh-token sessions. refresh_hash is unique: rotation is one conditional UPDATE on it;
  // previous_refresh_hash is indexed for reuse detection; user_id for listing and revoke-all.
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('refresh_hash', 'text', (c) => c.notNull())
    .addColumn('previous_refresh_hash', 'text')
    .addColumn('device_name', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('sessions_refresh_hash_uq').on('sessions').column('refresh_hash').unique().execute();
  await db.schema.createIndex('sessions_previous_refresh_hash_idx').on('sessions').column('previous_refresh_hash').execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
}
