/// <reference lib="webworker" />
/**
 * The decrypt worker (docs/web-vault.md, "Large vaults"): opens batches of items off the page's main thread and
 * sends each batch back with its search text. It receives the vault keys once, as non-extractable CryptoKeys
 * (Vault.itemKeys): it can decrypt with them but cannot read their bytes. It fetches nothing and stores nothing;
 * the page terminates it when the vault locks.
 */
import { type ItemKeys, decryptItems } from '@watchword/client/item-batch';
import type { DecryptRequest, DecryptResponse } from './decrypt-messages.ts';
import { searchText } from './search-text.ts';

declare const self: DedicatedWorkerGlobalScope;

let keys: ItemKeys | undefined;

self.onmessage = async (event: MessageEvent<DecryptRequest>) => {
  const message = event.data;
  if (message.kind === 'keys') {
    keys = message.keys;
    return;
  }
  let answer: DecryptResponse;
  try {
    if (!keys) throw new Error('the decrypt worker has no keys');
    const items = await decryptItems(keys, message.items);
    answer = { job: message.job, items, texts: items.map((item) => searchText(item.content)) };
  } catch (error) {
    // Only the kind of failure crosses back: never an item's content.
    const e = error as { name?: unknown; code?: unknown };
    answer = { job: message.job, error: { name: String(e.name ?? 'Error'), code: typeof e.code === 'string' ? e.code : undefined } };
  }
  self.postMessage(answer);
};
