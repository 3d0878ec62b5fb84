/**
 * Passkeys that sign in and unlock (issue 22). A use is one conditional UPDATE on the signature counter: an assertion
 * counts once, even across instances. The wrapped account key is an opaque client-sealed blob.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { type CredentialRecord, type CredentialStore, type CredentialTableSpec, createCredentialStore } from './webauthn-credentials.ts';

export interface PasskeyRecord extends CredentialRecord {
  /** The account key sealed by the client under a key derived from the passkey's PRF output; opaque here. */
  wrappedAccountKey: string;
}

/** Found by credential id alone (`find`): a sign-in does not know the account yet. A credential id is unique among passkeys. */
export type PasskeyRepository = CredentialStore<PasskeyRecord>;

/** The passkey table: the shared credential columns plus the wrapped account key. */
export const passkeyCredentials: CredentialTableSpec<'passkey_credentials', PasskeyRecord> = {
  table: 'passkey_credentials',
  ownColumns: (c) => ({ wrapped_account_key: c.wrappedAccountKey }),
  ownFields: (row) => ({ wrappedAccountKey: row.wrapped_account_key }),
};

export function createPasskeyRepository(db: Kysely<Database>): PasskeyRepository {
  return createCredentialStore(db, passkeyCredentials);
}
