/** Single-use, time-limited e-mail tokens, stored as SHA-256 hashes only (security spec "At rest"). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type EmailTokenPurpose = 'verify_email' | 'recovery';

export interface EmailTokenRepository {
  create(input: { hash: string; userId: string; purpose: EmailTokenPurpose; expiresAt: number; now: number }): Promise<void>;
  /** Marks the token used iff it exists for this purpose, is unused and unexpired; returns its user. */
  consume(hash: string, purpose: EmailTokenPurpose, now: number): Promise<string | undefined>;
  /** Invalidates every outstanding token of that purpose for the user (a new request supersedes old ones). */
  revokeAll(userId: string, purpose: EmailTokenPurpose, now: number): Promise<void>;
}

export function createEmailTokenRepository(db: Kysely<Database>): EmailTokenRepository {
  return {
    async create({ hash, userId, purpose, expiresAt, now }) {
      await db.insertInto('email_tokens').values({ hash, user_id: userId, purpose, expires_at: expiresAt, used_at: null, created_at: now }).execute();
    },
    async consume(hash, purpose, now) {
      // One conditional UPDATE: of two concurrent uses exactly one wins.
      const row = await db
        .updateTable('email_tokens')
        .set({ used_at: now })
        .where('hash', '=', hash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('user_id')
        .executeTakeFirst();
      return row?.user_id;
    },
    async revokeAll(userId, purpose, now) {
      await db.updateTable('email_tokens').set({ used_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
    },
  };
}
