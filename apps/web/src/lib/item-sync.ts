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
  // Locked meanwhile (the idle lock while the outbox was being sent): nothing to show. Starting anyway left the worker's
  // start rejected with nobody awaiting it — an uncaught "the vault is locked" in the page.
  if (vault.locked) return Promise.resolve();
  if (current?.vault !== vault) {
    forgetItems();
    const decryptor = ItemDecryptor.start(vault);
    // Its failure is the sync's (awaited in `run` below); handled here too, so that it never goes unhandled.
    decryptor.catch(() => undefined);
    current = { vault, decryptor, queue: Promise.resolve() };
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
