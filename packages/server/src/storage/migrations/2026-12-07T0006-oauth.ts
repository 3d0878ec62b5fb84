/**
 * OAuth 2.0 / OpenID Connect provider ("Sign in with Watchword"): registered clients and API keys (secrets as
 * Argon2id hashes only), each account's remembered consent per client, and the provider's own records (sessions,
 * interactions, grants, authorization codes, access and refresh tokens; token records keyed by the SHA-256 of the
 * token, never the token). The built-in auditor and admin roles gain `oauth:read` and `oauth:manage`.
 * Append-only: never edit this file once shipped.
 */
import type { Kysely } from 'kysely';

interface Tables {
  role_permissions: { role: string; permission: string };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('read_only', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('oauth_clients_owner_idx').on('oauth_clients').column('owner_id').execute();

  await db.schema
    .createTable('oauth_consents')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('oauth_clients.client_id').onDelete('cascade'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_consents_pk', ['user_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('oidc_records')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_records_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_records_grant_idx').on('oidc_records').column('grant_id').execute();
  await db.schema.createIndex('oidc_records_uid_idx').on('oidc_records').column('uid').execute();
  await db.schema.createIndex('oidc_records_expiry_idx').on('oidc_records').column('expires_at').execute();

  const typed = db as unknown as Kysely<Tables>;
  await typed.insertInto('role_permissions').values([{ role: 'auditor', permission: 'oauth:read' }, { role: 'admin', permission: 'oauth:manage' }]).execute();
}
