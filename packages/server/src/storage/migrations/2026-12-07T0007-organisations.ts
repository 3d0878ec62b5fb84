/**
 * Organisations and shared vaults (issue 25). The server keeps who may reach what and client-sealed blobs only:
 * - users gain their signed sharing keys (public halves, the Ed25519 signature binding them, the private halves sealed
 *   under the account key) — separate from the key pair created at registration, which stays as it was;
 * - `orgs`, `org_members` (an invitation names an e-mail address; the account is attached on acceptance);
 * - `shared_vaults` (its own table, not a `vaults` kind: `vaults.owner_id` cascades from one account, which must not
 *   take a vault several people share with it) with its key version and its change counter, `revision`;
 * - `vault_members` (access and the vault key sealed for that member, with its key version);
 * - `shared_items`: items of shared vaults, with the key version they are sealed under and `seq` from the vault's
 *   revision (so the personal sync's `items` table and its indexes are untouched);
 * - audit events gain the organisation they belong to.
 * Append-only: never edit this file once shipped.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('sharing_x25519_public_key', 'text').execute();
  await db.schema.alterTable('users').addColumn('sharing_ed25519_public_key', 'text').execute();
  await db.schema.alterTable('users').addColumn('sharing_key_signature', 'text').execute();
  await db.schema.alterTable('users').addColumn('sharing_wrapped_private_keys', 'text').execute();
  await db.schema.alterTable('users').addColumn('sharing_keys_at', 'bigint').execute();

  await db.schema
    .createTable('orgs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('org_members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'admin', 'member')`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('invited', 'accepted', 'confirmed')`))
    .addColumn('invited_by', 'text')
    .addColumn('invited_at', 'bigint', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint')
    .addColumn('confirmed_at', 'bigint')
    .execute();
  await db.schema.createIndex('org_members_org_email_uq').on('org_members').columns(['org_id', 'email']).unique().execute();
  await db.schema.createIndex('org_members_org_user_uq').on('org_members').columns(['org_id', 'user_id']).unique().execute();
  await db.schema.createIndex('org_members_user_idx').on('org_members').column('user_id').execute();
  await db.schema.createIndex('org_members_email_idx').on('org_members').column('email').execute();

  await db.schema
    .createTable('shared_vaults')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('encrypted_name', 'text', (c) => c.notNull())
    .addColumn('key_version', 'integer', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shared_vaults_org_idx').on('shared_vaults').column('org_id').execute();

  await db.schema
    .createTable('vault_members')
    .addColumn('vault_id', 'text', (c) => c.notNull().references('shared_vaults.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('access', 'text', (c) => c.notNull().check(sql`access in ('read', 'edit', 'manage')`))
    .addColumn('key_version', 'integer', (c) => c.notNull())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vault_members_pk', ['vault_id', 'user_id'])
    .execute();
  await db.schema.createIndex('vault_members_user_idx').on('vault_members').column('user_id').execute();

  await db.schema
    .createTable('shared_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull().references('shared_vaults.id').onDelete('cascade'))
    .addColumn('key_version', 'integer', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('deleted_at', 'bigint')
    .addColumn('purged', 'integer', (c) => c.notNull().defaultTo(0).check(sql`purged in (0, 1)`))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Sync of one vault: "items of vault V with seq > n ordered by seq" is one range scan.
  await db.schema.createIndex('shared_items_vault_seq_idx').on('shared_items').columns(['vault_id', 'seq']).execute();

  await db.schema.alterTable('audit_events').addColumn('org_id', 'text').execute();
  await db.schema.createIndex('audit_events_org_at_idx').on('audit_events').columns(['org_id', 'at']).execute();
}
