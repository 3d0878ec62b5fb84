/**
 * Passkeys that sign in and unlock (issue 22). A use is one conditional UPDATE on the signature counter: an assertion
 * counts once, even across instances. The wrapped account key is an opaque client-sealed blob.
 */
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from './errors.ts';
import type { Database, PasskeyCredentialsTable } from './schema.ts';

export interface PasskeyRecord {
  /** Credential id, base64url. */
  id: string;
  userId: string;
  name: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  aaguid: string;
  backedUp: boolean;
  wrappedAccountKey: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface PasskeyRepository {
  list(userId: string): Promise<PasskeyRecord[]>;
  /** By credential id alone: a sign-in does not know the account yet. */
  find(id: string): Promise<PasskeyRecord | undefined>;
  /** 'exists' when the credential id is already registered as a passkey (to anyone). */
  add(record: Omit<PasskeyRecord, 'lastUsedAt'>): Promise<'added' | 'exists'>;
  /** Stores the new signature counter iff the stored one is still `expected` (no concurrent double use). */
  use(userId: string, id: string, expected: number, counter: number, now: number): Promise<boolean>;
  delete(userId: string, id: string): Promise<PasskeyRecord | undefined>;
  count(userId: string): Promise<number>;
}

export function createPasskeyRepository(db: Kysely<Database>): PasskeyRepository {
  return {
    async list(userId) {
      const rows = await db.selectFrom('passkey_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    },

    async find(id) {
      const row = await db.selectFrom('passkey_credentials').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async add(c) {
      try {
        await db
          .insertInto('passkey_credentials')
          .values({
            id: c.id,
            user_id: c.userId,
            name: c.name,
            public_key: c.publicKey,
            counter: c.counter,
            transports: JSON.stringify(c.transports),
            aaguid: c.aaguid,
            backed_up: c.backedUp ? 1 : 0,
            wrapped_account_key: c.wrappedAccountKey,
            created_at: c.createdAt,
            last_used_at: null,
          })
          .execute();
        return 'added';
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },

    async use(userId, id, expected, counter, now) {
      const row = await db
        .updateTable('passkey_credentials')
        .set({ counter, last_used_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('counter', '=', expected)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async delete(userId, id) {
      const row = await db.deleteFrom('passkey_credentials').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async count(userId) {
      const row = await db.selectFrom('passkey_credentials').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function toRecord(row: Selectable<PasskeyCredentialsTable>): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: JSON.parse(row.transports) as string[],
    aaguid: row.aaguid,
    backedUp: row.backed_up === 1,
    wrappedAccountKey: row.wrapped_account_key,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}
