/**
 * A user's signed sharing keys (issue 25): the public halves, the Ed25519 signature binding the X25519 key to the
 * user, and the private halves sealed by the client under its account key (opaque here). Another user's public keys
 * are only read through `visibleTo`, which decides in its query whether the two share an organisation.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface SharingKeys {
  x25519PublicKey: string;
  ed25519PublicKey: string;
  keySignature: string;
  registeredAt: number;
}

export interface OwnSharingKeys extends SharingKeys {
  wrappedPrivateKeys: string;
}

export interface SharingKeyRepository {
  /** The user's own keys with the sealed private halves; undefined until registered. */
  own(userId: string): Promise<OwnSharingKeys | undefined>;
  /**
   * Stores the keys. Without `replace`, only when none are registered yet ('exists' otherwise); 'not_found' when the
   * user does not exist.
   */
  register(userId: string, keys: OwnSharingKeys, replace: boolean): Promise<'registered' | 'exists' | 'not_found'>;
  /**
   * `userId`'s public keys, only when `viewerId` is that user or both are (accepted or confirmed) members of one
   * organisation: undefined otherwise, exactly as for a missing user or one without keys.
   */
  visibleTo(viewerId: string, userId: string): Promise<SharingKeys | undefined>;
}

export function createSharingKeyRepository(db: Kysely<Database>): SharingKeyRepository {
  return {
    async own(userId) {
      const row = await db
        .selectFrom('users')
        .select(['sharing_x25519_public_key', 'sharing_ed25519_public_key', 'sharing_key_signature', 'sharing_wrapped_private_keys', 'sharing_keys_at'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!row || row.sharing_keys_at === null || row.sharing_x25519_public_key === null || row.sharing_ed25519_public_key === null) return undefined;
      if (row.sharing_key_signature === null || row.sharing_wrapped_private_keys === null) return undefined;
      return {
        x25519PublicKey: row.sharing_x25519_public_key,
        ed25519PublicKey: row.sharing_ed25519_public_key,
        keySignature: row.sharing_key_signature,
        wrappedPrivateKeys: row.sharing_wrapped_private_keys,
        registeredAt: row.sharing_keys_at,
      };
    },
    async register(userId, keys, replace) {
      let q = db
        .updateTable('users')
        .set({
          sharing_x25519_public_key: keys.x25519PublicKey,
          sharing_ed25519_public_key: keys.ed25519PublicKey,
          sharing_key_signature: keys.keySignature,
          sharing_wrapped_private_keys: keys.wrappedPrivateKeys,
          sharing_keys_at: keys.registeredAt,
        })
        .where('id', '=', userId);
      if (!replace) q = q.where('sharing_keys_at', 'is', null);
      const result = await q.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return 'registered';
      const exists = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      return exists ? 'exists' : 'not_found';
    },
    async visibleTo(viewerId, userId) {
      const row = await db
        .selectFrom('users')
        .select(['sharing_x25519_public_key', 'sharing_ed25519_public_key', 'sharing_key_signature', 'sharing_keys_at'])
        .where('users.id', '=', userId)
        .where('users.disabled_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb(eb.val(viewerId), '=', userId),
            eb.exists(
              eb
                .selectFrom('org_members as mine')
                .innerJoin('org_members as theirs', 'theirs.org_id', 'mine.org_id')
                .select('mine.id')
                .where('mine.user_id', '=', viewerId)
                .where('mine.state', '!=', 'invited')
                .where('theirs.user_id', '=', userId)
                .where('theirs.state', '!=', 'invited'),
            ),
          ]),
        )
        .executeTakeFirst();
      if (!row || row.sharing_keys_at === null || row.sharing_x25519_public_key === null || row.sharing_ed25519_public_key === null || row.sharing_key_signature === null) {
        return undefined;
      }
      return { x25519PublicKey: row.sharing_x25519_public_key, ed25519PublicKey: row.sharing_ed25519_public_key, keySignature: row.sharing_key_signature, registeredAt: row.sharing_keys_at };
    },
  };
}
