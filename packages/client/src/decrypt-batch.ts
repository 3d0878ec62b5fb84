import { type Item, type ItemContent, decryptItem, importAesKey } from '@watchword/protocol';

/** How many items are decrypted at once: enough to keep WebCrypto's queue full, few enough to bound what is in flight. */
export const DECRYPT_CHUNK = 512;

/** A decrypted item, or undefined for a purged one (its slot is kept so the caller can forget it). */
export type Decrypted = { item: Item; content: ItemContent } | { item: Item; content: undefined };

/**
 * Decrypts many items of a sync in a batch (docs/performance.md, "client decrypt"): each vault key is made into a
 * CryptoKey once for the whole batch, the items of a chunk are decrypted concurrently rather than one await after
 * another, and what comes out is checked by validateItemContent's fast path (the schema's rules by hand, item-shape.ts)
 * rather than by TypeBox.
 * The first item that does not open or does not check rejects the whole batch, as one sequential sync would.
 * `vaultKey` throws for a vault this account has no key for (VAULT_NOT_FOUND).
 */
export async function decryptBatch(items: readonly Item[], userId: string, vaultKey: (vaultId: string) => Uint8Array): Promise<Decrypted[]> {
  const keys = new Map<string, Promise<CryptoKey>>();
  const keyFor = (vaultId: string): Promise<CryptoKey> => {
    let key = keys.get(vaultId);
    if (key === undefined) {
      key = importAesKey(vaultKey(vaultId));
      keys.set(vaultId, key);
    }
    return key;
  };
  const out: Decrypted[] = [];
  for (let start = 0; start < items.length; start += DECRYPT_CHUNK) {
    const chunk = items.slice(start, start + DECRYPT_CHUNK);
    out.push(
      ...(await Promise.all(
        chunk.map(async (item): Promise<Decrypted> => {
          if (item.purged || item.data === null) return { item, content: undefined };
          const content = await decryptItem({
            vaultKey: await keyFor(item.vaultId),
            userId,
            vaultId: item.vaultId,
            itemId: item.id,
            revision: item.revision,
            data: item.data,
          });
          return { item, content };
        }),
      )),
    );
  }
  return out;
}
