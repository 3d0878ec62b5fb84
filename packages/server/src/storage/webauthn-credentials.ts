/**
 * WebAuthn credential rows, one set of statements for both tables that hold them: `webauthn_credentials` (security
 * keys as a second factor) and `passkey_credentials` (passkeys that sign in and unlock). The two tables share every
 * column but the few a table adds (a passkey's wrapped account key); each repository names its table and maps those.
 * A use is one conditional UPDATE on the signature counter, so an assertion counts once, even across instances.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from './errors.ts';
import type { Database, WebauthnCredentialsTable } from './schema.ts';

/** The tables of WebAuthn credentials. */
export type CredentialTable = 'webauthn_credentials' | 'passkey_credentials';

/** A credential as both tables keep it. */
export interface CredentialRecord {
  /** Credential id, base64url: unique across accounts. */
  id: string;
  userId: string;
  name: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** The last signature counter seen. */
  counter: number;
  transports: string[];
  aaguid: string;
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

/** The columns every credential table has (`webauthn_credentials` is exactly those). */
type SharedColumns = WebauthnCredentialsTable;

/** One table, and how its own columns map to the fields its records add to `CredentialRecord`. */
export interface CredentialTableSpec<T extends CredentialTable, R extends CredentialRecord> {
  table: T;
  /** The table's own columns, for an insert. */
  ownColumns(record: Omit<R, 'lastUsedAt'>): Omit<Insertable<Database[T]>, keyof SharedColumns>;
  /** The record's own fields, from a row. */
  ownFields(row: Selectable<Database[T]>): Omit<R, keyof CredentialRecord>;
}

export interface CredentialStore<R extends CredentialRecord> {
  /** The account's credentials, oldest first. */
  list(userId: string): Promise<R[]>;
  /** By credential id alone (a passkey sign-in does not know the account yet). */
  find(id: string): Promise<R | undefined>;
  /** 'exists' when the credential id is already in the table (for any account). */
  add(record: Omit<R, 'lastUsedAt'>): Promise<'added' | 'exists'>;
  /** Stores the new signature counter iff the stored one is still `expected` (no concurrent double use). */
  use(userId: string, id: string, expected: number, counter: number, now: number): Promise<boolean>;
  /** Deletes the account's credential and returns it; undefined when the account has none by that id. */
  delete(userId: string, id: string): Promise<R | undefined>;
  count(userId: string): Promise<number>;
}

/**
 * The statements are written once, against the shared columns: the view types a credential table by those columns
 * (`spec.table` is still one of `CredentialTable`). A row read through it carries the table's own columns too, which
 * `spec.ownFields` reads with the table's real row type.
 */
type SharedView = Record<string, SharedColumns>;

export function createCredentialStore<T extends CredentialTable, R extends CredentialRecord>(db: Kysely<Database>, spec: CredentialTableSpec<T, R>): CredentialStore<R> {
  const view = db as unknown as Kysely<SharedView>;
  const table: string = spec.table;
  const toRecord = (row: Selectable<SharedColumns>): R =>
    ({
      id: row.id,
      userId: row.user_id,
      name: row.name,
      publicKey: row.public_key,
      counter: Number(row.counter),
      transports: JSON.parse(row.transports) as string[],
      aaguid: row.aaguid,
      backedUp: row.backed_up === 1,
      createdAt: Number(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      ...spec.ownFields(row as unknown as Selectable<Database[T]>),
    }) as R;

  return {
    async list(userId) {
      const rows = await view.selectFrom(table).selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    },

    async find(id) {
      const row = await view.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async add(c) {
      try {
        await view
          .insertInto(table)
          .values({
            id: c.id,
            user_id: c.userId,
            name: c.name,
            public_key: c.publicKey,
            counter: c.counter,
            transports: JSON.stringify(c.transports),
            aaguid: c.aaguid,
            backed_up: c.backedUp ? 1 : 0,
            created_at: c.createdAt,
            last_used_at: null,
            ...spec.ownColumns(c),
          })
          .execute();
        return 'added';
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },

    async use(userId, id, expected, counter, now) {
      const row = await view
        .updateTable(table)
        .set({ counter, last_used_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('counter', '=', expected)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async delete(userId, id) {
      const row = await view.deleteFrom(table).where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async count(userId) {
      const row = await view.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
