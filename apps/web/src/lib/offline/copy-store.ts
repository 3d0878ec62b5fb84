import type { LocalUnlockRecord, Vault } from '@watchword/client';
import { database } from '../idb.ts';

/**
 * This device's encrypted copy of the vault and its master-password unlock record, in IndexedDB (lib/idb.ts):
 * - `vault-cache`, key `<userId>`: `{ sealed, savedAt }` — Vault.sealSnapshot, the whole copy sealed under a key
 *   derived from the account key (SDK vault-cache.ts). Never plaintext.
 * - `device-unlock`, key `<userId>:password`: the SDK's LocalUnlockRecord — the account key sealed under Argon2id of
 *   the master password at the account's stretching profile, the same record the CLI keeps (docs/crypto.md).
 */
export interface StoredCopy {
  sealed: string;
  savedAt: number;
}

const SAVE_DELAY_MS = 1_000;
const pending = new Map<string, ReturnType<typeof setTimeout>>();

/** Saves the vault's sealed copy soon (debounced: one write for a burst of syncs). */
export function saveCopySoon(vault: Vault): void {
  const userId = vault.userId;
  clearTimeout(pending.get(userId));
  pending.set(
    userId,
    setTimeout(() => {
      pending.delete(userId);
      void saveCopy(vault).catch(() => undefined);
    }, SAVE_DELAY_MS),
  );
}

/** Saves the sealed copy now (skipped when the vault was locked meanwhile or has not synced yet). */
export async function saveCopy(vault: Vault): Promise<void> {
  if (vault.locked) return;
  const savedAt = Date.now();
  const sealed = await vault.sealSnapshot(savedAt);
  if (sealed === undefined || vault.locked) return;
  await (await database()).put('vault-cache', { sealed, savedAt: vault.offlineSince ?? savedAt } satisfies StoredCopy, vault.userId);
}

export async function loadCopy(userId: string): Promise<StoredCopy | undefined> {
  const value = (await (await database()).get('vault-cache', userId)) as StoredCopy | undefined;
  return value && typeof value.sealed === 'string' && Number.isFinite(value.savedAt) ? value : undefined;
}

export async function saveLocalUnlock(userId: string, record: LocalUnlockRecord): Promise<void> {
  await (await database()).put('device-unlock', record, `${userId}:password`);
}

export async function loadLocalUnlock(userId: string): Promise<LocalUnlockRecord | undefined> {
  return (await (await database()).get('device-unlock', `${userId}:password`)) as LocalUnlockRecord | undefined;
}

/** Forgets this account's copy, its master-password and passkey unlock records (log out from this device). */
export async function forgetDeviceCopy(userId: string): Promise<void> {
  const db = await database();
  await db.delete('vault-cache', userId);
  await db.delete('device-unlock', `${userId}:password`);
  await db.delete('device-unlock', `${userId}:passkey`);
}
