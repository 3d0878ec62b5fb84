import { argon2idKey } from './argon2id.ts';
import { DecryptionError, KDF_PROFILES, fromBase64Url, importAesKey, openBytes, randomBytes, sealBytes, toBase64Url, utf8 } from '@watchword/protocol';

/**
 * Unlocking on this device with the master password, without the server: the account key sealed (AES-256-GCM) under
 * a key stretched from the master password with Argon2id at the account's own stretching profile (KDF_PROFILES, the
 * cost OPAQUE applies at login) and a random per-device salt, the account's user id in the AAD.
 *
 * What it costs: whoever copies the record can test password guesses against it offline, each guess costing one
 * Argon2id at the account's profile (64 MiB, t = 3, p = 4 by default) — the same bar as Bitwarden's local data, and
 * no lower than the OPAQUE record gives a thief of the server's database *and* secrets. Without the record, guessing
 * needs the server, which throttles. docs/crypto.md and docs/threat-model.md say so.
 */
export interface LocalUnlockRecord {
  version: 1;
  /** The Argon2id profile (KDF_PROFILES) the key was stretched with: the account's at the time. */
  kdfVersion: number;
  /** 16 random bytes, base64url. */
  salt: string;
  /** The account key sealed under the stretched key. */
  sealed: string;
}

/** The password does not open the record, or the record is not one (one fixed message for every case). */
export class LocalUnlockError extends Error {
  readonly code = 'LOCAL_UNLOCK_REFUSED' as const;
  constructor() {
    super('the master password does not open the key kept on this device');
    this.name = 'LocalUnlockError';
  }
}

const aad = (userId: string) => utf8(`watchword/v1/local-unlock\0${userId}`);
const MAX_PASSWORD_LENGTH = 1024;
const MAX_SEALED_LENGTH = 256;

async function stretch(password: string, salt: Uint8Array, kdfVersion: number): Promise<CryptoKey> {
  const profile = KDF_PROFILES[kdfVersion]?.['argon2id-custom'];
  if (!profile) throw new LocalUnlockError();
  const key = await argon2idKey(utf8(password.normalize('NFKC')), salt, { memoryKiB: profile.memory, iterations: profile.iterations, parallelism: profile.parallelism });
  try {
    return await importAesKey(key);
  } finally {
    key.fill(0);
  }
}

/** Seals `accountKey` (left as it is) for unlocking here with `password`. */
export async function sealForLocalUnlock(accountKey: Uint8Array, userId: string, password: string, kdfVersion: number): Promise<LocalUnlockRecord> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) throw new LocalUnlockError();
  const salt = randomBytes(16);
  const sealed = await sealBytes(await stretch(password, salt, kdfVersion), accountKey, aad(userId));
  return { version: 1, kdfVersion, salt: toBase64Url(salt), sealed };
}

/** The account key, when `password` opens the record for this account; else LocalUnlockError. */
export async function openLocalUnlock(record: LocalUnlockRecord, userId: string, password: string): Promise<Uint8Array> {
  if (
    record === null || typeof record !== 'object' || record.version !== 1 || typeof record.salt !== 'string' || typeof record.sealed !== 'string' ||
    record.sealed.length > MAX_SEALED_LENGTH || record.salt.length > 64 || password.length === 0 || password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new LocalUnlockError();
  }
  let salt: Uint8Array;
  try {
    salt = fromBase64Url(record.salt);
  } catch {
    throw new LocalUnlockError();
  }
  if (salt.length !== 16) throw new LocalUnlockError();
  try {
    const accountKey = await openBytes(await stretch(password, salt, record.kdfVersion), record.sealed, aad(userId));
    if (accountKey.length !== 32) throw new LocalUnlockError();
    return accountKey;
  } catch (error) {
    if (error instanceof DecryptionError) throw new LocalUnlockError();
    throw error;
  }
}
