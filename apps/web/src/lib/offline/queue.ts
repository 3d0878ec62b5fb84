import { type ItemContent, type QueuedChange, type Session, Vault, type VaultItem, VaultCacheError, WatchwordError } from '@watchword/client';
import { createStore } from '../store.ts';
import { loadCopy } from './copy-store.ts';
import { markOffline } from './connectivity.ts';
import { type QueuedEntry, dequeue, enqueue, queuedChanges } from './outbox.ts';

/**
 * Offline edits (docs/web-vault.md "Offline"): queued sealed in the outbox, shown at once in the list marked
 * "waiting to sync", sent in order when the server answers again. A change whose item moved on the server meanwhile
 * stops the sending and waits for the person's choice (outboxConflict): keep mine, keep theirs or keep both —
 * never a silent overwrite.
 */

/** Items with a change waiting in the outbox, and which kind. */
export const pendingItems = createStore<ReadonlyMap<string, QueuedChange['op']>>(new Map());

export interface OutboxConflict {
  entry: QueuedEntry;
  /** The content queued here (null for a trash). */
  mine: ItemContent | null;
  /** The item as the server has it now; undefined when it was deleted for good there. */
  theirs: VaultItem | undefined;
}

export const outboxConflict = createStore<OutboxConflict | null>(null);

export function isUnreachable(error: unknown): boolean {
  return error instanceof WatchwordError && error.code === 'SERVICE_UNAVAILABLE';
}

/**
 * The vault's items with the queued changes laid over them (what the person will see once they are sent); also
 * republishes pendingItems. A queued change that no longer opens (e.g. another account's key) is left out.
 */
export async function withQueued(vault: Vault, list: readonly VaultItem[]): Promise<VaultItem[]> {
  const byId = new Map(list.map((i) => [i.id, i]));
  const pending = new Map<string, QueuedChange['op']>();
  for (const { change, queuedAt } of await queuedChanges(vault.userId)) {
    const base = byId.get(change.id);
    if (change.op === 'trash') {
      if (base) byId.set(change.id, { ...base, deletedAt: base.deletedAt ?? queuedAt });
    } else {
      let content: ItemContent | null;
      try {
        content = await vault.readQueued(change);
      } catch {
        continue;
      }
      if (content === null) continue;
      byId.set(change.id, base
        ? { ...base, content, revision: change.baseRevision, updatedAt: queuedAt }
        : { id: change.id, vaultId: change.vaultId, revision: change.baseRevision, deletedAt: null, createdAt: queuedAt, updatedAt: queuedAt, content });
    }
    pending.set(change.id, change.op);
  }
  pendingItems.set(pending);
  return [...byId.values()];
}

/** Seals a change and puts it in the outbox; returns the item's id. */
export async function queueEdit(
  vault: Vault,
  edit: { op: 'create'; content: ItemContent } | { op: 'update'; id: string; content: ItemContent; baseRevision: number } | { op: 'trash'; id: string; baseRevision: number },
): Promise<string> {
  const change = await vault.queueChange(edit);
  await enqueue(vault.userId, change, (op, baseRevision) => {
    if (edit.op === 'trash') throw new Error('a trash is never resealed');
    return vault.queueChange(op === 'create' ? { op, content: edit.content, id: change.id, vaultId: change.vaultId } : { op, id: change.id, content: edit.content, baseRevision });
  });
  return change.id;
}

let sending: Promise<void> | undefined;

/**
 * Sends the outbox in order. Stops at the first change that conflicts (published in outboxConflict, left queued) or
 * when the server cannot be reached (marked offline). Resolves once nothing more can be sent now.
 */
export function sendOutbox(vault: Vault): Promise<void> {
  sending ??= (async () => {
    try {
      if (outboxConflict.get() !== null) return;
      for (const entry of await queuedChanges(vault.userId)) {
        if (vault.locked) return;
        try {
          await vault.sendQueued(entry.change);
        } catch (error) {
          if (isUnreachable(error)) return markOffline();
          if (!(error instanceof WatchwordError)) throw error;
          if (error.code === 'ITEM_NOT_FOUND' && entry.change.op === 'trash') {
            // Deleted for good elsewhere: a trash of it has nothing left to do.
            await dequeue(entry.key);
            continue;
          }
          if (error.code !== 'ITEM_CONFLICT' && error.code !== 'ITEM_NOT_FOUND') throw error;
          outboxConflict.set({ entry, mine: await vault.readQueued(entry.change), theirs: await theirVersion(vault, entry.change.id) });
          return;
        }
        await dequeue(entry.key);
      }
    } finally {
      sending = undefined;
    }
  })();
  return sending;
}

async function theirVersion(vault: Vault, id: string): Promise<VaultItem | undefined> {
  try {
    return await vault.get(id);
  } catch (error) {
    if (error instanceof WatchwordError && error.code === 'ITEM_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * The person's choice for the conflicting change: `mine` sends it again on top of their revision (or, when it was
 * deleted for good, as a new item), `theirs` drops it, `both` keeps theirs and adds mine as a new item.
 */
export async function resolveConflict(vault: Vault, choice: 'mine' | 'theirs' | 'both'): Promise<void> {
  const conflict = outboxConflict.get();
  if (!conflict) return;
  const { entry, mine, theirs } = conflict;
  if (choice === 'mine') {
    if (mine === null && theirs) await vault.trash(entry.change.id);
    else if (mine !== null && theirs) await vault.update(entry.change.id, mine, theirs.revision);
    else if (mine !== null) await vault.add(mine);
  } else if (choice === 'both' && mine !== null) {
    await vault.add(mine);
  }
  await dequeue(entry.key);
  outboxConflict.set(null);
}

/**
 * Opens the vault with an account key obtained on this device (master-password record, or — web-session's work —
 * a PIN or passkey PRF): online when the server answers, starting from this device's copy so that the sync is a
 * delta; from the copy alone (read-only on the server side; edits go to the outbox) when it does not. Without a
 * copy, and offline, it throws SERVICE_UNAVAILABLE. The account key is owned by the returned vault.
 */
export async function openOfflineVault(session: Session, accountKey: Uint8Array, userId: string): Promise<Vault> {
  const copy = await loadCopy(userId);
  try {
    const vault = await Vault.open(session, { accountKey });
    if (copy) await vault.restoreSealedSnapshot(copy.sealed).catch((error: unknown) => {
      if (!(error instanceof VaultCacheError)) throw error;
    });
    return vault;
  } catch (error) {
    if (!isUnreachable(error) || !copy) {
      accountKey.fill(0);
      throw error;
    }
  }
  markOffline();
  try {
    return await Vault.openOfflineSealed(session, accountKey, userId, copy.sealed);
  } catch (error) {
    accountKey.fill(0);
    throw error;
  }
}

/**
 * The online twin of a vault opened from the copy, once the server answers: the same key, the copy as the starting
 * point (so the sync is a delta). The offline vault is left to the caller to lock.
 */
export async function reconnect(offline: Vault): Promise<Vault> {
  const sealed = await offline.sealSnapshot();
  const vault = await Vault.open(offline.session, { accountKey: offline.exportAccountKey() });
  if (sealed !== undefined) await vault.restoreSealedSnapshot(sealed);
  return vault;
}
