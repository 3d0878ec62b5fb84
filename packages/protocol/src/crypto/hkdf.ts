import { bufferSource } from './buffer-source.ts';

/** RFC 5869 §2.3: "L  length of output keying material in octets (<= 255*HashLen)". */
const MAX_OUTPUT_LENGTH = 255 * 32;

/**
 * HKDF-SHA-256 (RFC 5869, extract-then-expand) through WebCrypto.
 * An empty `salt` is, per RFC 5869 §2.2, "a string of HashLen zeros".
 */
export async function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!Number.isInteger(length) || length < 1 || length > MAX_OUTPUT_LENGTH) {
    throw new RangeError(`HKDF-SHA-256 output length must be an integer in 1..${MAX_OUTPUT_LENGTH}`);
  }
  const key = await importIkm(ikm);
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: bufferSource(salt), info: bufferSource(info) },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

/**
 * HKDF-SHA-256 straight into a non-extractable AES-256-GCM key, so the derived key
 * never exists as bytes in JavaScript memory. Equivalent to
 * `importAesKey(await hkdfSha256(ikm, salt, info, 32))`.
 */
export async function hkdfSha256AesKey(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<CryptoKey> {
  const key = await importIkm(ikm);
  return globalThis.crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: bufferSource(salt), info: bufferSource(info) },
    key,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function importIkm(ikm: Uint8Array): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', bufferSource(ikm), 'HKDF', false, ['deriveBits', 'deriveKey']);
}
