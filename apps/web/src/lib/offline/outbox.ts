import type { QueuedChange } from '@watchword/client';
import { database } from '../idb.ts';

/**
 * Changes made while the server could not be reached, in the `outbox` store (lib/idb.ts), in the order they were
 * made (auto-incremented keys). Each holds the SDK's QueuedChange: the item encrypted as it will be sent, with the
 * revision it was based on — nothing in the clear. One entry per item: a second offline edit of the same item
 * replaces the first (keeping its base revision, the one the server must still be at), an edit of an item created
 * offline stays a creation, and trashing an item created offline drops it.
 */
export interface OutboxEntry {
  userId: string;
  change: QueuedChange;
  queuedAt: number;
}

export interface QueuedEntry extends OutboxEntry {
  key: number;
}

export async function queuedChanges(userId: string): Promise<QueuedEntry[]> {
  const db = await database();
  const tx = db.transaction('outbox');
  const entries: QueuedEntry[] = [];
  for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
    const value = cursor.value as OutboxEntry;
    if (value.userId === userId) entries.push({ ...value, key: cursor.key });
  }
  await tx.done;
  return entries;
}

/** The queued entry for this item, if any. */
export async function queuedFor(userId: string, itemId: string): Promise<QueuedEntry | undefined> {
  return (await queuedChanges(userId)).find((e) => e.change.id === itemId);
}

/**
 * Adds a change to the outbox, merged with an earlier one for the same item (see above). `reseal` makes the change
 * again for another operation or base revision (Vault.queueChange) when the merge needs it.
 */
export async function enqueue(userId: string, change: QueuedChange, reseal: (op: 'create' | 'update', baseRevision: number) => Promise<QueuedChange>): Promise<void> {
  const earlier = await queuedFor(userId, change.id);
  const db = await database();
  const now = Date.now();
  if (!earlier) {
    await db.add('outbox', { userId, change, queuedAt: now } satisfies OutboxEntry);
    return;
  }
  if (earlier.change.op === 'create') {
    if (change.op === 'trash') await db.delete('outbox', earlier.key);
    else await db.put('outbox', { userId, change: await reseal('create', 0), queuedAt: now } satisfies OutboxEntry, earlier.key);
    return;
  }
  // An earlier update or trash: the server still holds the base revision of the first change.
  const base = earlier.change.baseRevision;
  const merged = change.op === 'trash' ? { ...change, baseRevision: base } : change.baseRevision === base ? change : await reseal('update', base);
  await db.put('outbox', { userId, change: merged, queuedAt: now } satisfies OutboxEntry, earlier.key);
}

export async function dequeue(key: number): Promise<void> {
  await (await database()).delete('outbox', key);
}

export async function forgetQueued(userId: string): Promise<void> {
  for (const entry of await queuedChanges(userId)) await dequeue(entry.key);
}
