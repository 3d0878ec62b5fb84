import { buildAad } from './aad.ts';
import { openBytes, sealBytes } from './crypto/aead.ts';
import { bufferSource } from './crypto/buffer-source.ts';
import { DecryptionError } from './crypto/decryption-error.ts';
import { hkdfSha256AesKey } from './crypto/hkdf.ts';
import { equalBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding.ts';

/**
 * Account data: a small JSON document that only the client can read, stored by the
 * server as an opaque string (design.md §1). Today it holds the master-password
 * history, which the client must enforce itself because the server never sees the
 * password (OPAQUE).
 *
 *     account key ──HKDF("watchword/v1/account-data")──▶ AES-256-GCM key ──seals──▶ account data
 *     account key ──HKDF("watchword/v1/pw-history")────▶ HMAC-SHA-256 key ──▶ password fingerprints
 *
 * Both keys are HKDF-SHA-256 with an empty salt (RFC 5869 §2.2: HashLen zero bytes)
 * and distinct `info` labels, so neither is related to the other or to the wrapping
 * key of `keys.ts`. The envelope is `crypto/aead.ts`'s, with
 * AAD = `buildAad("watchword/v1/account-data", userId)`, so a blob cannot be moved to
 * another account.
 *
 * A fingerprint is `base64url(HMAC-SHA-256(pwHistoryKey, utf8(NFKC(password))))`:
 * without the account key it is a keyed hash that cannot be brute-forced offline, and
 * NFKC matches the normalisation OPAQUE applies (`opaque.ts`), so two spellings that
 * log in alike also count as the same password here.
 */

/** How many previous master passwords are remembered (and refused). */
export const PASSWORD_HISTORY_LENGTH = 5;

export interface AccountData {
  v: 1;
  /** Password fingerprints, newest first, at most {@link PASSWORD_HISTORY_LENGTH}. */
  passwordHistory: string[];
}

const SYMMETRIC_KEY_LENGTH = 32;
const FINGERPRINT_LENGTH = 32;
/** base64url of 32 bytes without padding. */
const FINGERPRINT_RE = /^[A-Za-z0-9_-]{43}$/;
const EMPTY = new Uint8Array(0);

const INFO = {
  accountData: 'watchword/v1/account-data',
  passwordHistory: 'watchword/v1/pw-history',
} as const;

const AAD = {
  accountData: (userId: string) => buildAad('watchword/v1/account-data', userId),
} as const;

/** A fresh document with an empty history (for new accounts, or one that has none yet). */
export function emptyAccountData(): AccountData {
  return { v: 1, passwordHistory: [] };
}

/**
 * Encrypts account data for `userId` under the account key.
 * @throws {TypeError} if `data` is not a well-formed {@link AccountData}.
 */
export async function sealAccountData(input: {
  accountKey: Uint8Array;
  userId: string;
  data: AccountData;
}): Promise<string> {
  if (!isAccountData(input.data)) throw new TypeError('not well-formed account data');
  const aad = AAD.accountData(input.userId);
  const key = await accountDataKey(input.accountKey);
  // Serialise only the known fields, in a fixed order.
  const plaintext = utf8(JSON.stringify({ v: 1, passwordHistory: input.data.passwordHistory }));
  try {
    return await sealBytes(key, plaintext, aad);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Decrypts account data sealed by {@link sealAccountData} for the same user and key.
 * @throws {DecryptionError} on a wrong key or user id, a tampered blob, or a
 *   decrypted document that is not exactly a version-1 {@link AccountData}.
 */
export async function openAccountData(input: {
  accountKey: Uint8Array;
  userId: string;
  sealed: string;
}): Promise<AccountData> {
  const aad = AAD.accountData(input.userId);
  const key = await accountDataKey(input.accountKey);
  const plaintext = await openBytes(key, input.sealed, aad);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(plaintext));
  } catch {
    // Authentic but not UTF-8 JSON: only a buggy or malicious client could have sealed it.
    throw new DecryptionError();
  } finally {
    plaintext.fill(0);
  }
  if (!isAccountData(parsed)) throw new DecryptionError();
  return { v: 1, passwordHistory: [...parsed.passwordHistory] };
}

/**
 * The history fingerprint of a password for the account holding `accountKey`:
 * `base64url(HMAC-SHA-256(HKDF-SHA-256(accountKey, "", "watchword/v1/pw-history", 32), utf8(NFKC(password))))`.
 * The HMAC key is derived straight into a non-extractable CryptoKey.
 */
export async function passwordFingerprint(accountKey: Uint8Array, password: string): Promise<string> {
  const key = await passwordHistoryKey(accountKey);
  const message = utf8(password.normalize('NFKC'));
  try {
    return toBase64Url(new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, message)));
  } finally {
    message.fill(0);
  }
}

/**
 * Returns a copy of `data` with `fingerprint` as the newest entry: any older copy of
 * it is removed and the history is cut to {@link PASSWORD_HISTORY_LENGTH}, so the
 * password that falls off the end may be used again.
 * @throws {TypeError} if `fingerprint` is not a fingerprint.
 */
export function recordPassword(data: AccountData, fingerprint: string): AccountData {
  assertFingerprint(fingerprint);
  const older = data.passwordHistory.filter((entry) => !sameFingerprint(entry, fingerprint));
  return { v: 1, passwordHistory: [fingerprint, ...older].slice(0, PASSWORD_HISTORY_LENGTH) };
}

/**
 * Whether `fingerprint` is in the history. Every entry is compared in constant time
 * and the loop never exits early, so the timing does not reveal which entry matched.
 */
export function isPasswordInHistory(data: AccountData, fingerprint: string): boolean {
  let found = 0;
  for (const entry of data.passwordHistory) found |= sameFingerprint(entry, fingerprint) ? 1 : 0;
  return found === 1;
}

function sameFingerprint(a: string, b: string): boolean {
  return equalBytes(utf8(a), utf8(b));
}

function assertFingerprint(fingerprint: string): void {
  if (!isFingerprint(fingerprint)) throw new TypeError('not a password fingerprint');
}

function isFingerprint(value: unknown): value is string {
  if (typeof value !== 'string' || !FINGERPRINT_RE.test(value)) return false;
  // Canonical encodings only: the two spare bits of the last character must be zero.
  const bytes = fromBase64Url(value);
  return bytes.length === FINGERPRINT_LENGTH && toBase64Url(bytes) === value;
}

/** Exactly `{ v: 1, passwordHistory: [≤ 5 distinct fingerprints] }`, nothing more. */
function isAccountData(value: unknown): value is AccountData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return false;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !Object.hasOwn(value, 'v') || !Object.hasOwn(value, 'passwordHistory')) return false;
  const { v, passwordHistory } = value as Record<string, unknown>;
  if (v !== 1 || !Array.isArray(passwordHistory) || passwordHistory.length > PASSWORD_HISTORY_LENGTH) return false;
  if (!passwordHistory.every(isFingerprint)) return false;
  return new Set(passwordHistory).size === passwordHistory.length;
}

function accountDataKey(accountKey: Uint8Array): Promise<CryptoKey> {
  checkAccountKey(accountKey);
  return hkdfSha256AesKey(accountKey, EMPTY, utf8(INFO.accountData));
}

/** HKDF-SHA-256 straight into a non-extractable HMAC-SHA-256 key (256-bit). */
async function passwordHistoryKey(accountKey: Uint8Array): Promise<CryptoKey> {
  checkAccountKey(accountKey);
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey('raw', bufferSource(accountKey), 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: EMPTY, info: utf8(INFO.passwordHistory) },
    ikm,
    { name: 'HMAC', hash: 'SHA-256', length: FINGERPRINT_LENGTH * 8 },
    false,
    ['sign'],
  );
}

function checkAccountKey(accountKey: Uint8Array): void {
  if (accountKey.length !== SYMMETRIC_KEY_LENGTH) throw new RangeError('an account key is 32 bytes');
}
