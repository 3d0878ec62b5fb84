/**
 * Account security: second factors, e-mail tokens, recovery verifier, encrypted account data, and the
 * append-only audit table. Operational reason: login gains a second factor, the address gets verified, and a lost
 * password is recovered with the recovery key plus a single-use e-mail token — all need server-side state.
 * Append-only: never edit this file once shipped.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // SHA-256 of a value only the recovery key yields (256-bit input: a fast hash is enough); null for accounts made
  // before recovery proofs existed. account_data: client-sealed blob (password-history fingerprints).
  await db.schema.alterTable('users').addColumn('recovery_verifier_hash', 'text').execute();
  await db.schema.alterTable('users').addColumn('account_data', 'text').execute();
  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();

  // One TOTP factor per user. The seed is sealed (AES-256-GCM) under a key derived from the server secret, which
  // lives outside the database. last_step: the newest accepted time step — a code is single-use (RFC 6238 §5.2).
  await db.schema
    .createTable('totp_factors')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('seed_sealed', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Backup codes as salted Argon2id hashes (PHC strings); used_at set once, atomically.
  await db.schema
    .createTable('backup_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('backup_codes_user_id_idx').on('backup_codes').column('user_id').execute();

  // WebAuthn credentials (second factor). id = credential id (base64url), unique across users.
  await db.schema
    .createTable('webauthn_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('aaguid', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0).check(sql`backed_up in (0, 1)`))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('webauthn_credentials_user_id_idx').on('webauthn_credentials').column('user_id').execute();

  // Single-use, time-limited e-mail tokens (address verification, recovery), stored as SHA-256 only.
  await db.schema
    .createTable('email_tokens')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_tokens_user_id_idx').on('email_tokens').column('user_id').execute();

  // Append-only audit log. No foreign keys: events outlive the accounts they describe (account deletion is audited).
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_events_actor_id_idx').on('audit_events').columns(['actor_id', 'at']).execute();
  await db.schema.createIndex('audit_events_target_id_idx').on('audit_events').columns(['target_id', 'at']).execute();
}
