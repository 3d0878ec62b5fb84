import { buildAad } from './aad.ts';
import { openBytes, sealBytes } from './crypto/aead.ts';
import { bufferSource } from './crypto/buffer-source.ts';
import { DecryptionError } from './crypto/decryption-error.ts';
import { hkdfSha256AesKey } from './crypto/hkdf.ts';
import { equalBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding.ts';

/**
 * Account data: a small JSON document that only the client can read, stored by the
 * server as an opaque string (design.md §1). It holds the master-password history,
 * which the client must enforce itself because the server never sees the password
 * (OPAQUE), and the key pins of sharing: the public keys this account has seen for each
 * member (trust on first use), so that every device of the account — even one that never
 * met a member — detects a key the server substitutes (docs/crypto.md, "Key pins").
 * Every writer keeps the field it does not change: a pin write carries the history as
 * read, a password change the pins as read (PUT /api/v1/account/data is a
 * compare-and-swap on the document's revision).
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
/**
 * How many members' keys the account data pins: 500 pins take ~66 KB of JSON, ~90 KB once sealed and encoded, within
 * the route's 128 KiB bound (MAX_SEALED_ACCOUNT_DATA). Beyond that a device keeps further pins on its own only.
 */
export const MAX_KEY_PINS = 500;

/** The public keys pinned for one member (raw 32-byte keys, base64url). */
export interface KeyPin {
  userId: string;
  x25519PublicKey: string;
  ed25519PublicKey: string;
}

export interface AccountData {
  v: 1;
  /** Password fingerprints, newest first, at most {@link PASSWORD_HISTORY_LENGTH}. */
  passwordHistory: string[];
  /** Members' pinned keys, one per user id, at most {@link MAX_KEY_PINS}; absent in documents written before pins. */
  keyPins?: KeyPin[];
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
  // Serialise only the known fields, in a fixed order; pins as [userId, x25519, ed25519] to keep the document small.
  const pins = input.data.keyPins;
  const document = pins === undefined ? { v: 1, passwordHistory: input.data.passwordHistory } : { v: 1, passwordHistory: input.data.passwordHistory, keyPins: pins.map((p) => [p.userId, p.x25519PublicKey, p.ed25519PublicKey]) };
  const plaintext = utf8(JSON.stringify(document));
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
  if (!isStoredAccountData(parsed)) throw new DecryptionError();
  const keyPins = parsed.keyPins?.map(([userId, x25519PublicKey, ed25519PublicKey]) => ({ userId, x25519PublicKey, ed25519PublicKey }));
  return keyPins === undefined ? { v: 1, passwordHistory: [...parsed.passwordHistory] } : { v: 1, passwordHistory: [...parsed.passwordHistory], keyPins };
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
  // The pins travel unchanged: a password change must not drop what another field holds.
  return { ...data, v: 1, passwordHistory: [fingerprint, ...older].slice(0, PASSWORD_HISTORY_LENGTH) };
}

/** A copy of `data` with `keyPins` as its pins (validated by sealAccountData). */
export function withKeyPins(data: AccountData, keyPins: readonly KeyPin[]): AccountData {
  return { ...data, keyPins: keyPins.map((p) => ({ userId: p.userId, x25519PublicKey: p.x25519PublicKey, ed25519PublicKey: p.ed25519PublicKey })) };
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

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A raw 32-byte public key, base64url without padding (canonical). */
const isPublicKey = (value: unknown): value is string => isFingerprint(value);

/** `{ v: 1, passwordHistory: [≤ 5 distinct fingerprints] }`, optionally with `keyPins` (≤ 500, one per user), nothing more. */
function isAccountData(value: unknown): value is AccountData {
  if (!hasShape(value)) return false;
  const { keyPins } = value as Record<string, unknown>;
  if (keyPins === undefined) return true;
  if (!Array.isArray(keyPins)) return false;
  return arePins(keyPins.map((p: unknown) => (isPlainObject(p) && Object.keys(p).length === 3 ? [p['userId'], p['x25519PublicKey'], p['ed25519PublicKey']] : null)));
}

/** The stored form: as {@link isAccountData}, with pins as `[userId, x25519PublicKey, ed25519PublicKey]`. */
function isStoredAccountData(value: unknown): value is { v: 1; passwordHistory: string[]; keyPins?: [string, string, string][] } {
  if (!hasShape(value)) return false;
  const { keyPins } = value as Record<string, unknown>;
  return keyPins === undefined || (Array.isArray(keyPins) && arePins(keyPins));
}

function hasShape(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  if (!Object.hasOwn(value, 'v') || !Object.hasOwn(value, 'passwordHistory')) return false;
  if (keys.length !== 2 && !(keys.length === 3 && Object.hasOwn(value, 'keyPins'))) return false;
  const { v, passwordHistory } = value;
  if (v !== 1 || !Array.isArray(passwordHistory) || passwordHistory.length > PASSWORD_HISTORY_LENGTH) return false;
  if (!passwordHistory.every(isFingerprint)) return false;
  return new Set(passwordHistory).size === passwordHistory.length;
}

function arePins(pins: unknown[]): boolean {
  if (pins.length > MAX_KEY_PINS) return false;
  const users = new Set<string>();
  for (const pin of pins) {
    if (!Array.isArray(pin) || pin.length !== 3) return false;
    const [userId, x, ed] = pin as unknown[];
    if (typeof userId !== 'string' || !UUID_RE.test(userId) || users.has(userId) || !isPublicKey(x) || !isPublicKey(ed)) return false;
    users.add(userId);
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;
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
