import type { Vault } from '@watchword/client';
import { ItemDecryptor } from './decryptor.ts';
import { applyDelta, clearItems, markComplete } from './item-store.ts';

/**
 * Keeps the item store (item-store.ts) in step with the unlocked vault: the first sync decrypts every item in the
 * decrypt worker, batch by batch, and each batch shows as it arrives (a small first batch paints the first screen
 * early); later syncs are deltas that touch only the items that changed. Syncs of one vault run one after another.
 */
let current: { vault: Vault; decryptor: Promise<ItemDecryptor>; queue: Promise<void> } | undefined;

export function syncItems(vault: Vault): Promise<void> {
  if (current?.vault !== vault) {
    forgetItems();
    current = { vault, decryptor: ItemDecryptor.start(vault), queue: Promise.resolve() };
    // A vault that starts from the encrypted copy (a PIN unlock, back online after working offline) already holds
    // its items: they show at once, and the sync brings only what changed since the copy.
    const held = vault.localItems();
    if (held.length > 0) applyDelta({ changed: held, removed: [] });
  }
  const mine = current;
  const run = mine.queue.then(async () => {
    const decryptor = await mine.decryptor;
    await vault.syncBatched({
      decrypt: decryptor.decrypt,
      onDelta: (delta) => {
        if (current === mine) applyDelta(delta, decryptor.texts);
      },
    });
    if (current === mine) markComplete();
  });
  mine.queue = run.catch(() => undefined);
  return run;
}

/** On lock and logout: ends the worker and drops the decrypted items. */
export function forgetItems(): void {
  const was = current;
  current = undefined;
  clearItems();
  void was?.decryptor.then((d) => d.stop(), () => undefined);
}
