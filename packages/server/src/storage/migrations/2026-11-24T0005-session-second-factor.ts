/**
 * Which second factor a session was signed in with (`totp`, `backup_code`, `webauthn`), or null for a password-only
 * login. Operational reason: administration can require a session signed in with a second factor
 * (ADMIN_SECOND_FACTOR; security spec "Production checklist": MFA for admins), and a refresh keeps the session's
 * answer. Sessions from before this migration read as password-only. Append-only: never edit this file once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('second_factor', 'text').execute();
}
