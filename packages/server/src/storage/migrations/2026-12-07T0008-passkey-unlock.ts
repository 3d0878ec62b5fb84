/**
 * Passkeys that sign in and unlock (issue 22): discoverable WebAuthn credentials with user verification, each with the
 * account key wrapped by the client under a key derived from the credential's PRF output (an opaque blob the server
 * cannot open). id = credential id (base64url), unique across users: a sign-in finds the account by it.
 * Kept apart from `webauthn_credentials` (second factors): a passkey here replaces the password, a security key there
 * only follows it. Append-only: never edit this file once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('passkey_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('aaguid', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0).check(sql`backed_up in (0, 1)`))
    .addColumn('wrapped_account_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('passkey_credentials_user_id_idx').on('passkey_credentials').column('user_id').execute();
}
