import { PinUnlockError, type PinUnlockRecord, type Vault, openPinUnlock, sealForPin } from '@watchword/client';
import { UserError } from './errors.ts';
import { database } from './idb.ts';
import { exclusively } from './tabs.ts';

/**
 * "PIN for this device": the account key sealed under the PIN (Argon2id) and a non-extractable device key
 * (packages/client/src/pin-unlock.ts), kept in IndexedDB (`device-unlock`, key `<userId>:pin`) with a count of wrong
 * PINs in a row. The count is raised *before* a PIN is tried (so closing the tab mid-try does not reset it) and the
 * record is wiped at the 5th wrong PIN; after that only the master password unlocks. docs/threat-model.md says what
 * this holds against and what it does not.
 */
export const PIN_TRIES = 5;

interface PinEntry {
  record: PinUnlockRecord;
  deviceKey: CryptoKey;
  failures: number;
}

const key = (userId: string) => `${userId}:pin`;

function isEntry(value: unknown): value is PinEntry {
  const v = value as Partial<PinEntry> | undefined;
  return typeof v === 'object' && v !== null && typeof v.failures === 'number' && v.deviceKey instanceof CryptoKey && typeof v.record === 'object';
}

export async function hasPin(userId: string): Promise<boolean> {
  return isEntry(await (await database()).get('device-unlock', key(userId)));
}

/** Sets (or replaces) the PIN of this device for the unlocked vault's account. */
export async function setPin(vault: Vault, pin: string): Promise<void> {
  const deviceKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const accountKey = vault.exportAccountKey();
  try {
    const record = await sealForPin({ accountKey, userId: vault.userId, pin, deviceKey, kdfVersion: vault.account.kdfVersion });
    await (await database()).put('device-unlock', { record, deviceKey, failures: 0 } satisfies PinEntry, key(vault.userId));
  } finally {
    accountKey.fill(0);
  }
}

export async function removePin(userId: string): Promise<void> {
  await (await database()).delete('device-unlock', key(userId));
}

/** The account key, when `pin` is this device's PIN; else a UserError saying how many tries are left. */
export function openWithPin(userId: string, pin: string): Promise<Uint8Array> {
  return exclusively('pin', async () => {
    const db = await database();
    const entry = await db.get('device-unlock', key(userId));
    if (!isEntry(entry)) throw new UserError('No PIN is set on this device. Unlock with your master password.');
    const failures = entry.failures + 1;
    await db.put('device-unlock', { ...entry, failures }, key(userId));
    try {
      const accountKey = await openPinUnlock(entry.record, { userId, pin, deviceKey: entry.deviceKey });
      await db.put('device-unlock', { ...entry, failures: 0 }, key(userId));
      return accountKey;
    } catch (error) {
      if (!(error instanceof PinUnlockError)) throw error;
      if (failures >= PIN_TRIES) {
        await db.delete('device-unlock', key(userId));
        throw new UserError(`Wrong PIN, ${PIN_TRIES} times: the PIN was removed from this device. Unlock with your master password.`);
      }
      const left = PIN_TRIES - failures;
      throw new UserError(`Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left before the PIN is removed from this device.`);
    }
  });
}
