import type { PasskeyUnlockEntry } from '@watchword/client';
import type { PasskeyInfo } from '@watchword/protocol';
import { database } from '../idb.ts';

/**
 * The passkeys this device can unlock with while the server cannot be reached (docs/web-vault.md "Offline";
 * docs/crypto.md "Passkey unlock"), in IndexedDB (`device-unlock`, key `<userId>:passkey`): for each of the account's
 * passkeys used on this device, its credential id, transports and the account key wrapped under its PRF-derived key —
 * the same blob the server keeps. Not a secret in the clear: only that passkey's PRF output opens it, and the
 * authenticator gives that only after user verification. Written when a passkey is added here and refreshed on each
 * online passkey unlock or sign-in; an entry whose passkey the server no longer lists goes at the next refresh
 * (`pruneKeptPasskeys`); logging out wipes the store.
 */
interface KeptPasskeys {
  version: 1;
  passkeys: PasskeyUnlockEntry[];
}

const key = (userId: string) => `${userId}:passkey`;

function entryOf(p: PasskeyUnlockEntry): PasskeyUnlockEntry {
  return { id: p.id, transports: [...p.transports], wrappedAccountKey: p.wrappedAccountKey };
}

function isKept(value: unknown): value is KeptPasskeys {
  const v = value as Partial<KeptPasskeys> | undefined;
  return (
    typeof v === 'object' && v !== null && v.version === 1 && Array.isArray(v.passkeys) &&
    v.passkeys.every((p) => typeof p?.id === 'string' && typeof p.wrappedAccountKey === 'string' && Array.isArray(p.transports))
  );
}

/** The passkeys kept for unlocking offline (empty when none). */
export async function loadKeptPasskeys(userId: string): Promise<PasskeyUnlockEntry[]> {
  const value = await (await database()).get('device-unlock', key(userId));
  return isKept(value) ? value.passkeys : [];
}

/**
 * Records that `usedId` unlocked (or was added) on this device, with the account's current list from the server:
 * the kept entries become those used here that the server still lists, each with the server's current wrapped key.
 */
export async function keepUsedPasskey(userId: string, usedId: string, serverList: readonly PasskeyInfo[]): Promise<void> {
  const kept = new Set((await loadKeptPasskeys(userId)).map((p) => p.id));
  kept.add(usedId);
  await save(userId, serverList.filter((p) => kept.has(p.id)));
}

/** Drops the kept entries of passkeys the server no longer lists (removed), refreshing the others' wrapped keys. */
export async function pruneKeptPasskeys(userId: string, serverList: readonly PasskeyInfo[]): Promise<void> {
  const kept = new Set((await loadKeptPasskeys(userId)).map((p) => p.id));
  if (kept.size === 0) return;
  await save(userId, serverList.filter((p) => kept.has(p.id)));
}

async function save(userId: string, passkeys: readonly PasskeyUnlockEntry[]): Promise<void> {
  const db = await database();
  if (passkeys.length === 0) await db.delete('device-unlock', key(userId));
  else await db.put('device-unlock', { version: 1, passkeys: passkeys.map(entryOf) } satisfies KeptPasskeys, key(userId));
}
