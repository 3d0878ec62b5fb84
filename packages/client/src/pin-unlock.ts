import { argon2idKey } from './argon2id.ts';
import { DecryptionError, KDF_PROFILES, fromBase64Url, importAesKey, openBytes, randomBytes, sealBytes, toBase64Url, utf8 } from '@watchword/protocol';

/**
 * Unlocking on one device with a short PIN (the web vault's "PIN for this device"): the account key is sealed twice,
 * AES-256-GCM each time, the account's user id in both AADs —
 * 1. inside, under a key stretched from the PIN with Argon2id at the account's own profile (KDF_PROFILES) and a random
 *    16-byte salt;
 * 2. outside, under `deviceKey`, a non-extractable AES-GCM CryptoKey the caller made for this device and keeps apart
 *    (the web vault: in IndexedDB, by structured clone).
 * Opening needs both the PIN and the device key. Page scripts cannot read the device key's bytes, so a guess needs this
 * device's browser, where the caller counts wrong PINs and wipes the record after a few (the web vault: 5). Argon2id
 * rather than PBKDF2: a PIN has little entropy, so for someone who copies the browser profile off the disk (and with it
 * the device key's bytes) the stretching cost per guess is all that is left; PBKDF2 is cheap on GPUs, Argon2id's memory
 * cost is not. docs/crypto.md and docs/threat-model.md say what that buys and what it does not.
 */
export interface PinUnlockRecord {
  version: 1;
  kdfVersion: number;
  /** 16 random bytes, base64url. */
  salt: string;
  /** seal(deviceKey, seal(pinKey, accountKey)). */
  sealed: string;
}

/** The PIN does not open the record, or the record is not one (one fixed message for every case). */
export class PinUnlockError extends Error {
  readonly code = 'PIN_UNLOCK_REFUSED' as const;
  constructor() {
    super('the PIN does not open the key kept on this device');
    this.name = 'PinUnlockError';
  }
}

export const PIN_MIN_LENGTH = 6;
export const PIN_MAX_LENGTH = 64;
const MAX_SEALED_LENGTH = 512;
const innerAad = (userId: string) => utf8(`watchword/v1/pin-unlock/pin\0${userId}`);
const outerAad = (userId: string) => utf8(`watchword/v1/pin-unlock/device\0${userId}`);

/** A PIN this module accepts: 6 to 64 characters (the web vault asks for digits, but any text works). */
export function pinAcceptable(pin: string): boolean {
  return pin.length >= PIN_MIN_LENGTH && pin.length <= PIN_MAX_LENGTH;
}

async function stretch(pin: string, salt: Uint8Array, kdfVersion: number): Promise<CryptoKey> {
  const profile = KDF_PROFILES[kdfVersion]?.['argon2id-custom'];
  if (!profile) throw new PinUnlockError();
  const key = await argon2idKey(utf8(pin.normalize('NFKC')), salt, { memoryKiB: profile.memory, iterations: profile.iterations, parallelism: profile.parallelism });
  try {
    return await importAesKey(key);
  } finally {
    key.fill(0);
  }
}

/** Seals `accountKey` (left as it is) for unlocking with `pin` on the device that holds `deviceKey`. */
export async function sealForPin(input: { accountKey: Uint8Array; userId: string; pin: string; deviceKey: CryptoKey; kdfVersion: number }): Promise<PinUnlockRecord> {
  if (!pinAcceptable(input.pin)) throw new PinUnlockError();
  const salt = randomBytes(16);
  const inner = await sealBytes(await stretch(input.pin, salt, input.kdfVersion), input.accountKey, innerAad(input.userId));
  const sealed = await sealBytes(input.deviceKey, utf8(inner), outerAad(input.userId));
  return { version: 1, kdfVersion: input.kdfVersion, salt: toBase64Url(salt), sealed };
}

/** The account key, when `pin` and `deviceKey` open the record for this account; else PinUnlockError. */
export async function openPinUnlock(record: PinUnlockRecord, input: { userId: string; pin: string; deviceKey: CryptoKey }): Promise<Uint8Array> {
  if (
    record === null || typeof record !== 'object' || record.version !== 1 || typeof record.salt !== 'string' || typeof record.sealed !== 'string' ||
    record.sealed.length > MAX_SEALED_LENGTH || record.salt.length > 64 || !pinAcceptable(input.pin)
  ) {
    throw new PinUnlockError();
  }
  try {
    const salt = fromBase64Url(record.salt);
    if (salt.length !== 16) throw new PinUnlockError();
    const inner = new TextDecoder().decode(await openBytes(input.deviceKey, record.sealed, outerAad(input.userId)));
    const accountKey = await openBytes(await stretch(input.pin, salt, record.kdfVersion), inner, innerAad(input.userId));
    if (accountKey.length !== 32) throw new PinUnlockError();
    return accountKey;
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof PinUnlockError || error instanceof TypeError) throw new PinUnlockError();
    throw error;
  }
}
