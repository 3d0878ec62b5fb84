// The items module alone, not the protocol's index: the index loads OPAQUE's WebAssembly, which a worker neither
// needs nor may compile (the worker script's own CSP has no 'wasm-unsafe-eval').
import { WatchwordError } from '@watchword/protocol/errors';
import type { Item } from '@watchword/protocol';
import { decryptItem } from '@watchword/protocol/items';
import type { VaultItem } from './vault.ts';

/**
 * The keys that open a vault's items, for decrypting them somewhere else than the Vault object (a Web Worker).
 * The vault keys are AES-GCM CryptoKeys made non-extractable: they are structured-cloneable (postMessage copies the
 * handle, not readable bytes), and no script — not the page's, not the worker's — can read their bytes back out.
 */
export interface ItemKeys {
  readonly userId: string;
  /** vault id → that vault's key. */
  readonly keys: ReadonlyMap<string, CryptoKey>;
}

/** An item of a sync answer that still has content (neither purged nor emptied). */
export type LiveItem = Item & { data: string };

export function isLive(item: Item): item is LiveItem {
  return !item.purged && item.data !== null;
}

/**
 * Decrypts a batch of items with `keys`: every decryption of the batch is started at once (WebCrypto runs them
 * without one await per item in turn). Like Vault.sync, the first item that does not decrypt or validate rejects
 * the batch (DecryptionError / WatchwordError VALIDATION_FAILED): a vault with a tampered item does not open quietly.
 * Imports nothing but the protocol, so it runs in a worker.
 */
export function decryptItems(keys: ItemKeys, items: readonly LiveItem[]): Promise<VaultItem[]> {
  // One promise chain per item (decryptItem with a CryptoKey awaits nothing else), as decryptBatch does.
  return Promise.all(
    items.map((item) => {
      const vaultKey = keys.keys.get(item.vaultId);
      if (!vaultKey) return Promise.reject(new WatchwordError('VAULT_NOT_FOUND'));
      return decryptItem({ vaultKey, userId: keys.userId, vaultId: item.vaultId, itemId: item.id, revision: item.revision, data: item.data }).then(
        (content): VaultItem => ({ id: item.id, vaultId: item.vaultId, revision: item.revision, deletedAt: item.deletedAt, createdAt: item.createdAt, updatedAt: item.updatedAt, content }),
      );
    }),
  );
}
