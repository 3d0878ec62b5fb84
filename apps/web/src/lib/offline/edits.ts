import type { ItemContent, Vault } from '@watchword/client';
import { isOffline, markOffline } from './connectivity.ts';
import { isUnreachable, queueEdit } from './queue.ts';

/**
 * Add, edit and trash for the pages: sent at once while the server answers; queued in the outbox (sealed) while it
 * does not — or when the attempt finds it gone. `queued` says which, for the message shown. An online ITEM_CONFLICT
 * is the caller's to handle, as before.
 */
export interface EditResult {
  id: string;
  queued: boolean;
}

const canSend = (vault: Vault) => !isOffline() && vault.offlineSince === null;

async function sendOrQueue(vault: Vault, send: () => Promise<{ id: string }>, queue: () => Promise<string>): Promise<EditResult> {
  if (canSend(vault)) {
    try {
      return { id: (await send()).id, queued: false };
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      markOffline();
    }
  }
  return { id: await queue(), queued: true };
}

/**
 * A new item in a shared vault (`vaultId`) is sent at once, never queued: the outbox holds personal items only, so
 * offline the server's refusal (unreachable) is shown instead.
 */
export async function addItem(vault: Vault, content: ItemContent, vaultId?: string): Promise<EditResult> {
  if (vaultId !== undefined) return { id: (await vault.add(content, { vaultId })).id, queued: false };
  return sendOrQueue(vault, () => vault.add(content), () => queueEdit(vault, { op: 'create', content }));
}

export function updateItem(vault: Vault, id: string, content: ItemContent, baseRevision: number): Promise<EditResult> {
  return sendOrQueue(vault, () => vault.update(id, content, baseRevision), () => queueEdit(vault, { op: 'update', id, content, baseRevision }));
}

export function trashItem(vault: Vault, id: string, baseRevision: number): Promise<EditResult> {
  return sendOrQueue(vault, () => vault.trash(id), () => queueEdit(vault, { op: 'trash', id, baseRevision }));
}
