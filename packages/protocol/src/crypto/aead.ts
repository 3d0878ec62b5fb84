import { concatBytes, fromBase64Url, randomBytes, toBase64Url } from '../encoding.ts';
import { bufferSource } from './buffer-source.ts';
import { DecryptionError } from './decryption-error.ts';

/**
 * The Watchword AEAD envelope, base64url (RFC 4648 §5, no padding) of
 *
 *     version (1 byte, 0x01) ‖ nonce (12 bytes) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes)
 *
 * Version 1 is AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV (SP 800-38D §8.2.2,
 * "RBG-based construction") and a 128-bit tag. The version byte is authenticated:
 * GCM's additional data is `version ‖ aad`.
 *
 * SP 800-38D §8.3 caps random-IV invocations at 2^32 per key; every key in the
 * Watchword hierarchy protects far fewer messages than that.
 */
export const ENVELOPE_VERSION = 0x01;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + NONCE_LENGTH;
const KEY_LENGTH = 32;

/** Imports 32 raw bytes as an AES-256-GCM key (non-extractable unless asked). */
export async function importAesKey(raw: Uint8Array, extractable = false): Promise<CryptoKey> {
  if (raw.length !== KEY_LENGTH) throw new RangeError('an AES-256 key must be 32 bytes');
  return globalThis.crypto.subtle.importKey('raw', bufferSource(raw), { name: 'AES-GCM' }, extractable, [
    'encrypt',
    'decrypt',
  ]);
}

/** Encrypts `plaintext` under `key`, binding `aad`; returns the base64url envelope. */
export async function sealBytes(key: CryptoKey, plaintext: Uint8Array, aad: Uint8Array): Promise<string> {
  const version = Uint8Array.of(ENVELOPE_VERSION);
  const nonce = randomBytes(NONCE_LENGTH);
  const ciphertext = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: concatBytes(version, aad), tagLength: TAG_LENGTH * 8 },
    key,
    bufferSource(plaintext),
  );
  return toBase64Url(concatBytes(version, nonce, new Uint8Array(ciphertext)));
}

/**
 * Opens an envelope made by {@link sealBytes} with the same key and AAD.
 * A promise chain rather than an async function: a vault's sync opens tens of thousands of these in a row, and each
 * await is a measurable share of a 20 µs decrypt (docs/performance.md, "client decrypt").
 * @throws {DecryptionError} on any failure, without saying which (as a rejection, never synchronously).
 */
export function openBytes(key: CryptoKey, envelope: string, aad: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64Url(envelope);
  } catch {
    return Promise.reject(new DecryptionError());
  }
  if (bytes.length < HEADER_LENGTH + TAG_LENGTH || bytes[0] !== ENVELOPE_VERSION) return Promise.reject(new DecryptionError());
  return globalThis.crypto.subtle
    .decrypt(
      {
        name: 'AES-GCM',
        iv: bytes.subarray(1, HEADER_LENGTH),
        additionalData: concatBytes(bytes.subarray(0, 1), aad),
        tagLength: TAG_LENGTH * 8,
      },
      key,
      bytes.subarray(HEADER_LENGTH),
    )
    .then(
      (plaintext) => new Uint8Array(plaintext),
      () => {
        throw new DecryptionError();
      },
    );
}
