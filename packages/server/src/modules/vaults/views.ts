/** Storage records → the shared-vault API's answers. */
import type { SharedItem, SharedVault, VaultMember } from '@watchword/protocol';
import { WatchwordError } from '@watchword/protocol';
import { itemJson, joinedJsonBytes } from '../../http/item-json.ts';
import type { SharedVaultView, VaultMemberRecord } from '../../storage/shared-vaults.ts';
import type { SharedItemRecord, SharedWriteRefusal } from '../../storage/shared-items.ts';

export const toVault = (v: SharedVaultView): SharedVault => ({
  id: v.id,
  orgId: v.orgId,
  encryptedName: v.encryptedName,
  keyVersion: v.keyVersion,
  revision: v.revision,
  access: v.access,
  memberKeyVersion: v.memberKeyVersion,
  wrappedKey: v.wrappedKey,
  rotationPendingSince: v.rotationPendingSince,
  createdAt: v.createdAt,
});

export const toVaultMember = (m: VaultMemberRecord): VaultMember => ({ userId: m.userId, email: m.email, access: m.access, keyVersion: m.keyVersion, keys: m.keys });

/** The server sees ids, sizes, timestamps, revisions and key versions only: `data` is an envelope it cannot open. */
export const toSharedItem = (i: SharedItemRecord): SharedItem => ({
  id: i.id,
  vaultId: i.vaultId,
  revision: i.revision,
  seq: i.seq,
  data: i.data,
  deletedAt: i.deletedAt,
  purged: i.purged,
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
  keyVersion: i.keyVersion,
});

const REFUSALS: Record<SharedWriteRefusal | 'exists', ConstructorParameters<typeof WatchwordError>[0]> = {
  not_found: 'VAULT_NOT_FOUND',
  denied: 'VAULT_ACCESS_DENIED',
  key_version: 'KEY_VERSION_MISMATCH',
  conflict: 'ITEM_CONFLICT',
  item_not_found: 'ITEM_NOT_FOUND',
  rotation_pending: 'VAULT_ROTATION_PENDING',
  exists: 'ITEM_EXISTS',
};

/** The item, or the catalogue error for the storage's refusal. */
export function itemOrThrow<T extends object>(result: T | SharedWriteRefusal | 'exists'): T {
  if (typeof result === 'string') throw new WatchwordError(REFUSALS[result]);
  return result;
}

/**
 * The shared sync's answer as JSON bytes: the bytes the route's serializer writes for SharedSyncResponse (keys in the
 * schema's order, strings through JSON.stringify), written item by item into one buffer of its exact size
 * (http/item-json.ts `joinedJsonBytes`) without building an object per item or a string of the whole answer — a full
 * sync of several vaults holds thousands (docs/performance.md "Shared vaults").
 */
export function sharedSyncJson(vaults: readonly SharedVaultView[], gone: readonly string[], items: readonly SharedItemRecord[]): Buffer {
  return joinedJsonBytes({
    prefix: `{"vaults":${JSON.stringify(vaults.map(toVault))},"gone":${JSON.stringify(gone)},"items":[`,
    suffix: ']}',
    count: items.length,
    // SharedItem is Item's keys, then keyVersion.
    textAt: (n) => {
      const item = items[n] as SharedItemRecord;
      return itemJson(item, `,"keyVersion":${item.keyVersion}`);
    },
    leadingComma: false,
  });
}
