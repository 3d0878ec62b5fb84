// What the decrypt baselines (bench/lib/client-bench.ts in Node, bench/lib/worker-decrypt.ts in Chromium) start from:
// a personal vault's blobs as a full sync returns them, its key, and the AAD each blob is sealed under.
import type { Vault } from '@watchword/client';
import { type Item, api, unwrapVaultKey } from '@watchword/protocol';

/** The full sync's blobs and the personal vault's 32-byte key (unwrapped as the SDK does). */
export async function personalVaultBlobs(vault: Vault): Promise<{ items: Item[]; vaultKey: Uint8Array }> {
  const { items } = await vault.session.call(api.items.list, { query: {} });
  const own = vault.account.vaults.find((v) => v.kind === 'personal');
  if (!own) throw new Error('no personal vault');
  const vaultKey = await unwrapVaultKey({ accountKey: vault.exportAccountKey(), userId: vault.userId, vaultId: own.id, wrappedKey: own.wrappedKey });
  return { items, vaultKey };
}

/**
 * The AAD a personal item's blob is opened with, as text: the item AAD (protocol items.ts), version byte first
 * (aead.ts) — what decryptItem authenticates, built by hand for the bare WebCrypto baselines.
 */
export function personalItemAadText(userId: string, item: Pick<Item, 'vaultId' | 'id' | 'revision'>): string {
  return `\x01watchword/v1/item\0${userId}\0${item.vaultId}\0${item.id}\0${item.revision}`;
}
