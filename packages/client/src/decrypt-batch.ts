import { type Item, type ItemContent, decryptItem, importAesKey } from '@watchword/protocol';

/** How many items are decrypted at once: enough to keep WebCrypto's queue full, few enough to bound what is in flight. */
export const DECRYPT_CHUNK = 512;

/** A decrypted item, or undefined for a purged one (its slot is kept so the caller can forget it). */
export type Decrypted = { item: Item; content: ItemContent } | { item: Item; content: undefined };

/**
 * Decrypts many items of a sync in a batch (docs/performance.md, "client decrypt"): each vault key is made into a
 * CryptoKey once for the whole batch, before any item; the items of a chunk are decrypted concurrently, each as one
 * promise chain (decryptItem with a CryptoKey awaits nothing else), rather than one await after another; and what
 * comes out is checked by validateItemContent's fast path (the schema's rules by hand, item-shape.ts) rather than by
 * TypeBox.
 * The first item that does not open or does not check rejects the whole batch, as one sequential sync would.
 * `vaultKey` throws for a vault this account has no key for (VAULT_NOT_FOUND).
 */
export async function decryptBatch(items: readonly Item[], userId: string, vaultKey: (vaultId: string) => Uint8Array): Promise<Decrypted[]> {
  const keys = new Map<string, CryptoKey>();
  for (const item of items) {
    if (item.purged || item.data === null || keys.has(item.vaultId)) continue;
    keys.set(item.vaultId, await importAesKey(vaultKey(item.vaultId)));
  }
  const out = new Array<Decrypted>(items.length);
  for (let start = 0; start < items.length; start += DECRYPT_CHUNK) {
    const end = Math.min(items.length, start + DECRYPT_CHUNK);
    const pending: Promise<void>[] = [];
    for (let at = start; at < end; at++) {
      const item = items[at] as Item;
      if (item.purged || item.data === null) {
        out[at] = { item, content: undefined };
        continue;
      }
      // Every live item's vault key was imported above (or vaultKey threw).
      const key = keys.get(item.vaultId) as CryptoKey;
      const slot = { vaultKey: key, userId, vaultId: item.vaultId, itemId: item.id, revision: item.revision, data: item.data };
      pending.push(
        decryptItem(slot).then((content) => {
          out[at] = { item, content };
        }),
      );
    }
    await Promise.all(pending);
  }
  return out;
}
