import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { DecryptionError } from '../crypto/decryption-error.ts';

/**
 * HPKE (RFC 9180) in base mode with one fixed suite: DHKEM(X25519, HKDF-SHA256) (KEM 0x0020), HKDF-SHA256 (KDF 0x0001),
 * AES-256-GCM (AEAD 0x0002) — the single-shot API of RFC 9180 §6.1 (`SealBase` / `OpenBase`).
 *
 * Implementation: `@hpke/core` (dajiaji/hpke-js), whose X25519 KEM, HKDF and AES-GCM all run on WebCrypto, so the
 * same code runs in Node and browsers and a recipient's private key can stay a non-extractable CryptoKey. Its
 * conformance with RFC 9180 Appendix A.1.1 is checked in `test/hpke.test.ts`.
 *
 * RFC 9180 §7.1.4: "For X25519 and X448, … senders and recipients MUST check whether the shared secret is the all-zero
 * value and abort if so." WebCrypto's X25519 `deriveBits` refuses an all-zero result (a low-order public key), which
 * the library surfaces as an error: sealing to such a key throws, opening such an `enc` fails.
 */
export const HPKE_ENC_LENGTH = 32;
export const X25519_PUBLIC_KEY_LENGTH = 32;

let suite: CipherSuite | undefined;

function hpkeSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suite;
}

export interface HpkeSealed {
  /** The encapsulated key (32 bytes). */
  enc: Uint8Array<ArrayBuffer>;
  /** AES-256-GCM ciphertext with its 16-byte tag. */
  ciphertext: Uint8Array<ArrayBuffer>;
}

/**
 * SealBase(pkR, info, aad, pt) (RFC 9180 §6.1).
 * @throws {TypeError} if the public key is not 32 bytes or is refused (e.g. a low-order point).
 */
export async function hpkeSeal(input: { recipientPublicKey: Uint8Array; info: Uint8Array; aad: Uint8Array; plaintext: Uint8Array }): Promise<HpkeSealed> {
  if (input.recipientPublicKey.length !== X25519_PUBLIC_KEY_LENGTH) throw new TypeError('an X25519 public key is 32 bytes');
  const s = hpkeSuite();
  try {
    const recipientPublicKey = await s.kem.deserializePublicKey(copy(input.recipientPublicKey));
    const { ct, enc } = await s.seal({ recipientPublicKey, info: copy(input.info) }, copy(input.plaintext), copy(input.aad));
    return { enc: new Uint8Array(enc), ciphertext: new Uint8Array(ct) };
  } catch {
    throw new TypeError('the recipient public key was refused');
  }
}

/**
 * OpenBase(enc, skR, info, aad, ct) (RFC 9180 §6.1). The key pair is passed whole so that the private key may be
 * non-extractable (DHKEM's Decap needs pkR, which a non-extractable key cannot yield).
 * @throws {DecryptionError} on any failure, without saying which.
 */
export async function hpkeOpen(input: {
  recipientKeyPair: { privateKey: CryptoKey; publicKey: Uint8Array };
  enc: Uint8Array;
  info: Uint8Array;
  aad: Uint8Array;
  ciphertext: Uint8Array;
}): Promise<Uint8Array<ArrayBuffer>> {
  if (input.enc.length !== HPKE_ENC_LENGTH || input.recipientKeyPair.publicKey.length !== X25519_PUBLIC_KEY_LENGTH) throw new DecryptionError();
  const s = hpkeSuite();
  try {
    const publicKey = await s.kem.deserializePublicKey(copy(input.recipientKeyPair.publicKey));
    const plaintext = await s.open(
      { recipientKey: { privateKey: input.recipientKeyPair.privateKey, publicKey }, enc: copy(input.enc), info: copy(input.info) },
      copy(input.ciphertext),
      copy(input.aad),
    );
    return new Uint8Array(plaintext);
  } catch {
    throw new DecryptionError();
  }
}

/** The library reads from `.buffer`: hand it an exact, unshared copy. */
function copy(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}
