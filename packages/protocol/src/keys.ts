import type { AccountKeysInput } from './api/auth.ts';
import { buildAad } from './aad.ts';
import { importAesKey, openBytes, sealBytes } from './crypto/aead.ts';
import { DecryptionError } from './crypto/decryption-error.ts';
import { hkdfSha256, hkdfSha256AesKey } from './crypto/hkdf.ts';
import { concatBytes, fromBase64Url, randomBytes, toBase64Url, utf8 } from './encoding.ts';
import { formatRecoveryKey, parseRecoveryKey } from './recovery-key.ts';

/**
 * The client-side key hierarchy (design.md §1). Every value here is computed on the
 * client; the server stores the wrapped forms and public keys only.
 *
 *     OPAQUE export key ──HKDF──▶ KEK ──wraps──▶ account key ──wraps──▶ vault keys
 *     recovery key ─────HKDF──▶ recovery KEK ──wraps──▶ account key      └─▶ X25519/Ed25519 private keys
 *
 * Wrapping is the AES-256-GCM envelope of `crypto/aead.ts`. Each wrap's AAD names its
 * purpose and owner, so a wrapped key cannot be moved to another user, vault or role.
 *
 * Key separation: the account key is also HKDF input elsewhere (password-history
 * fingerprints, design.md §1), so it is never used as an AES key directly. Vault keys
 * and private keys are wrapped under `HKDF-SHA-256(accountKey, salt = "", info =
 * "watchword/v1/account-key/wrap")`.
 */

/** What the server stores for an account (all base64url): exactly the registration request's `keys`. */
export type AccountKeyMaterial = AccountKeysInput;

export interface CreatedAccountKeys {
  material: AccountKeyMaterial;
  accountKey: Uint8Array<ArrayBuffer>;
  vaultKey: Uint8Array<ArrayBuffer>;
  /** Show once to the user; never send it anywhere. */
  recoveryKey: string;
}

export interface PrivateKeys {
  /** Non-extractable, usage `deriveBits`. */
  x25519PrivateKey: CryptoKey;
  /** Non-extractable, usage `sign`. */
  ed25519PrivateKey: CryptoKey;
}

const SYMMETRIC_KEY_LENGTH = 32;
const SALT_LENGTH = 32;
/** RFC 9807: export_key is Nh bytes; Nh = 64 for the SHA-512 configuration. */
const EXPORT_KEY_LENGTH = 64;
const EMPTY = new Uint8Array(0);

const INFO = {
  kek: 'watchword/v1/kek',
  recovery: 'watchword/v1/recovery',
  recoveryVerifier: 'watchword/v1/recovery-verifier',
  accountWrap: 'watchword/v1/account-key/wrap',
} as const;

const AAD = {
  accountKey: (userId: string) => buildAad('watchword/v1/account-key', userId),
  accountKeyRecovery: (userId: string) => buildAad('watchword/v1/account-key/recovery', userId),
  vaultKey: (userId: string, vaultId: string) => buildAad('watchword/v1/vault-key', userId, vaultId),
  privateKey: (kind: 'x25519' | 'ed25519', userId: string) => buildAad(`watchword/v1/private-key/${kind}`, userId),
} as const;

/** Generates every key of a new account and wraps it for the server. */
export async function createAccountKeys(input: {
  exportKey: string;
  userId: string;
  personalVaultId: string;
}): Promise<CreatedAccountKeys> {
  const { exportKey, userId, personalVaultId } = input;
  const accountKey = randomBytes(SYMMETRIC_KEY_LENGTH);
  const vaultKey = randomBytes(SYMMETRIC_KEY_LENGTH);
  const recoveryKeyBytes = randomBytes(SYMMETRIC_KEY_LENGTH);
  const kekSalt = randomBytes(SALT_LENGTH);
  const recoverySalt = randomBytes(SALT_LENGTH);

  const kek = await deriveKek(exportKey, userId, kekSalt);
  const recoveryKek = await deriveRecoveryKek(recoveryKeyBytes, userId, recoverySalt);
  const wrapKey = await accountWrappingKey(accountKey);
  const recoveryVerifier = await deriveRecoveryVerifier(recoveryKeyBytes, userId, recoverySalt);

  const x25519 = (await globalThis.crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const ed25519 = (await globalThis.crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;

  const material: AccountKeyMaterial = {
    kekSalt: toBase64Url(kekSalt),
    wrappedAccountKey: await sealBytes(kek, accountKey, AAD.accountKey(userId)),
    recoverySalt: toBase64Url(recoverySalt),
    recoveryWrappedKey: await sealBytes(recoveryKek, accountKey, AAD.accountKeyRecovery(userId)),
    recoveryVerifier,
    x25519PublicKey: await exportPublic(x25519.publicKey),
    ed25519PublicKey: await exportPublic(ed25519.publicKey),
    wrappedX25519PrivateKey: await sealPrivate(wrapKey, x25519.privateKey, AAD.privateKey('x25519', userId)),
    wrappedEd25519PrivateKey: await sealPrivate(wrapKey, ed25519.privateKey, AAD.privateKey('ed25519', userId)),
    personalVault: {
      id: personalVaultId,
      wrappedKey: await sealBytes(wrapKey, vaultKey, AAD.vaultKey(userId, personalVaultId)),
    },
  };
  const recoveryKey = formatRecoveryKey(recoveryKeyBytes);
  recoveryKeyBytes.fill(0);
  return { material, accountKey, vaultKey, recoveryKey };
}

/**
 * Unwraps the account key with the export key of a successful OPAQUE login.
 * @throws {DecryptionError} if the export key, user id, salt or wrap do not match.
 */
export async function unlockAccountKey(input: {
  exportKey: string;
  userId: string;
  kekSalt: string;
  wrappedAccountKey: string;
}): Promise<Uint8Array<ArrayBuffer>> {
  const kek = await deriveKek(input.exportKey, input.userId, decodeSalt(input.kekSalt));
  return checkedLength(await openBytes(kek, input.wrappedAccountKey, AAD.accountKey(input.userId)));
}

/**
 * Unwraps the account key with the recovery key the user wrote down.
 * @throws {WatchwordError} `VALIDATION_FAILED` if the recovery key is mistyped.
 * @throws {DecryptionError} if it is well-formed but not this account's.
 */
export async function recoverAccountKey(input: {
  recoveryKey: string;
  userId: string;
  recoverySalt: string;
  recoveryWrappedKey: string;
}): Promise<Uint8Array<ArrayBuffer>> {
  const recoveryKeyBytes = parseRecoveryKey(input.recoveryKey);
  try {
    const kek = await deriveRecoveryKek(recoveryKeyBytes, input.userId, decodeSalt(input.recoverySalt));
    return checkedLength(await openBytes(kek, input.recoveryWrappedKey, AAD.accountKeyRecovery(input.userId)));
  } finally {
    recoveryKeyBytes.fill(0);
  }
}

/**
 * The recovery verifier: HKDF-SHA-256(recovery key, recoverySalt, "watchword/v1/recovery-verifier" ‖ userId).
 * Sent at registration (the server keeps its SHA-256) and again at recovery, so the server can tell that the
 * caller holds the recovery key before it lets them replace the account's wraps. It is a different HKDF output
 * from the recovery KEK (other info string): knowing it reveals nothing about the KEK.
 * @throws {WatchwordError} `VALIDATION_FAILED` if the recovery key is mistyped.
 */
export async function recoveryVerifierFor(input: { recoveryKey: string; userId: string; recoverySalt: string }): Promise<string> {
  const bytes = parseRecoveryKey(input.recoveryKey);
  try {
    return await deriveRecoveryVerifier(bytes, input.userId, decodeSalt(input.recoverySalt));
  } finally {
    bytes.fill(0);
  }
}

/** Password change: the account key wrapped under the KEK of a new OPAQUE export key (fresh salt). */
export async function rewrapAccountKey(input: { accountKey: Uint8Array; exportKey: string; userId: string }): Promise<{ kekSalt: string; wrappedAccountKey: string }> {
  if (input.accountKey.length !== SYMMETRIC_KEY_LENGTH) throw new RangeError('an account key is 32 bytes');
  const kekSalt = randomBytes(SALT_LENGTH);
  const kek = await deriveKek(input.exportKey, input.userId, kekSalt);
  return { kekSalt: toBase64Url(kekSalt), wrappedAccountKey: await sealBytes(kek, input.accountKey, AAD.accountKey(input.userId)) };
}

export interface RotatedRecoveryKey {
  recoverySalt: string;
  recoveryWrappedKey: string;
  recoveryVerifier: string;
  /** Show once to the user; never send it anywhere. */
  recoveryKey: string;
}

/** A new recovery key wrapping the same account key (after a recovery, or on request). */
export async function rotateRecoveryKey(input: { accountKey: Uint8Array; userId: string }): Promise<RotatedRecoveryKey> {
  if (input.accountKey.length !== SYMMETRIC_KEY_LENGTH) throw new RangeError('an account key is 32 bytes');
  const recoveryKeyBytes = randomBytes(SYMMETRIC_KEY_LENGTH);
  const recoverySalt = randomBytes(SALT_LENGTH);
  try {
    const recoveryKek = await deriveRecoveryKek(recoveryKeyBytes, input.userId, recoverySalt);
    return {
      recoverySalt: toBase64Url(recoverySalt),
      recoveryWrappedKey: await sealBytes(recoveryKek, input.accountKey, AAD.accountKeyRecovery(input.userId)),
      recoveryVerifier: await deriveRecoveryVerifier(recoveryKeyBytes, input.userId, recoverySalt),
      recoveryKey: formatRecoveryKey(recoveryKeyBytes),
    };
  } finally {
    recoveryKeyBytes.fill(0);
  }
}

/** Wraps a vault key under the account key for `vaultId`. */
export async function wrapVaultKey(input: {
  accountKey: Uint8Array;
  userId: string;
  vaultId: string;
  vaultKey: Uint8Array;
}): Promise<string> {
  if (input.vaultKey.length !== SYMMETRIC_KEY_LENGTH) throw new RangeError('a vault key is 32 bytes');
  const wrapKey = await accountWrappingKey(input.accountKey);
  return sealBytes(wrapKey, input.vaultKey, AAD.vaultKey(input.userId, input.vaultId));
}

/**
 * Unwraps a vault key wrapped for this user and this vault id.
 * @throws {DecryptionError} on any mismatch (e.g. a wrap copied to another vault).
 */
export async function unwrapVaultKey(input: {
  accountKey: Uint8Array;
  userId: string;
  vaultId: string;
  wrappedKey: string;
}): Promise<Uint8Array<ArrayBuffer>> {
  const wrapKey = await accountWrappingKey(input.accountKey);
  return checkedLength(await openBytes(wrapKey, input.wrappedKey, AAD.vaultKey(input.userId, input.vaultId)));
}

/**
 * Unwraps the user's X25519 and Ed25519 private keys as non-extractable CryptoKeys.
 * @throws {DecryptionError} on any mismatch.
 */
export async function unwrapPrivateKeys(input: {
  accountKey: Uint8Array;
  userId: string;
  wrappedX25519PrivateKey: string;
  wrappedEd25519PrivateKey: string;
}): Promise<PrivateKeys> {
  const wrapKey = await accountWrappingKey(input.accountKey);
  const x25519Pkcs8 = await openBytes(wrapKey, input.wrappedX25519PrivateKey, AAD.privateKey('x25519', input.userId));
  const ed25519Pkcs8 = await openBytes(wrapKey, input.wrappedEd25519PrivateKey, AAD.privateKey('ed25519', input.userId));
  try {
    const subtle = globalThis.crypto.subtle;
    return {
      x25519PrivateKey: await subtle.importKey('pkcs8', x25519Pkcs8, { name: 'X25519' }, false, ['deriveBits']),
      ed25519PrivateKey: await subtle.importKey('pkcs8', ed25519Pkcs8, { name: 'Ed25519' }, false, ['sign']),
    };
  } catch {
    // Authentic but unparseable: only a buggy or malicious client could have sealed it.
    throw new DecryptionError();
  } finally {
    x25519Pkcs8.fill(0);
    ed25519Pkcs8.fill(0);
  }
}

/** KEK = HKDF-SHA-256(export key, kekSalt, "watchword/v1/kek" ‖ userId). */
function deriveKek(exportKey: string, userId: string, salt: Uint8Array): Promise<CryptoKey> {
  let ikm: Uint8Array;
  try {
    ikm = fromBase64Url(exportKey);
  } catch {
    throw new TypeError('exportKey must be base64url');
  }
  if (ikm.length !== EXPORT_KEY_LENGTH) throw new TypeError('exportKey must be a 64-byte OPAQUE export key');
  return hkdfSha256AesKey(ikm, salt, concatBytes(utf8(INFO.kek), userIdBytes(userId)));
}

/** Recovery KEK = HKDF-SHA-256(recovery key, recoverySalt, "watchword/v1/recovery" ‖ userId). */
function deriveRecoveryKek(recoveryKey: Uint8Array, userId: string, salt: Uint8Array): Promise<CryptoKey> {
  return hkdfSha256AesKey(recoveryKey, salt, concatBytes(utf8(INFO.recovery), userIdBytes(userId)));
}

async function deriveRecoveryVerifier(recoveryKey: Uint8Array, userId: string, salt: Uint8Array): Promise<string> {
  return toBase64Url(await hkdfSha256(recoveryKey, salt, concatBytes(utf8(INFO.recoveryVerifier), userIdBytes(userId)), 32));
}

/** HKDF-SHA-256(accountKey, "", "watchword/v1/account-key/wrap"): the key every account-held wrap is sealed under. @internal */
export async function accountWrappingKey(accountKey: Uint8Array): Promise<CryptoKey> {
  if (accountKey.length !== SYMMETRIC_KEY_LENGTH) throw new RangeError('an account key is 32 bytes');
  return hkdfSha256AesKey(accountKey, EMPTY, utf8(INFO.accountWrap));
}

function userIdBytes(userId: string): Uint8Array {
  if (userId.length === 0 || userId.includes('\0')) throw new TypeError('userId must be non-empty and NUL-free');
  return utf8(userId);
}

function decodeSalt(salt: string): Uint8Array {
  try {
    const bytes = fromBase64Url(salt);
    if (bytes.length >= 16) return bytes;
  } catch {
    // fall through
  }
  throw new DecryptionError();
}

async function exportPublic(key: CryptoKey): Promise<string> {
  return toBase64Url(new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', key)));
}

async function sealPrivate(wrapKey: CryptoKey, key: CryptoKey, aad: Uint8Array): Promise<string> {
  const pkcs8 = new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', key));
  try {
    return await sealBytes(wrapKey, pkcs8, aad);
  } finally {
    pkcs8.fill(0);
  }
}

function checkedLength(key: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  if (key.length !== SYMMETRIC_KEY_LENGTH) {
    key.fill(0);
    throw new DecryptionError();
  }
  return key;
}
