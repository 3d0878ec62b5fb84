import { bufferSource } from '../crypto/buffer-source.ts';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from '../encoding.ts';
import { sharingKeyMessage, verifySharingKeySignature } from '../sharing-keys.ts';
import { effLongWordlist } from './eff-long-wordlist.ts';

/**
 * A member's public identity for sharing (design.md §6): the X25519 key vault keys are sealed to (HPKE) and the
 * Ed25519 identity key, bound to the account's user id by an Ed25519 signature (RFC 8032, through WebCrypto) over the
 * contract's message (`sharing-keys.ts`):
 *
 *     "watchword/v1/sharing-key" ‖ 0x00 ‖ userId ‖ 0x00 ‖ base64url(X25519 public key)
 *
 * (NUL-free parts, so the encoding is unambiguous). A client that has seen a member's identity before remembers it
 * (pins it); a different identity for the same member is a substituted key.
 *
 * The fingerprint phrase is what two people compare out of band before a member is confirmed (as Bitwarden's): five
 * words of the EFF long wordlist (7,776 words, 12.9 bits each, 64.6 bits in all) drawn from
 *
 *     SHA-256("watchword/v1/fingerprint" ‖ 0x00 ‖ userId ‖ 0x00 ‖ X25519 public key ‖ Ed25519 public key)
 *
 * read as a big-endian integer n: word i is list[n mod 7776], then n ← ⌊n / 7776⌋. Finding another identity with the
 * same phrase takes about 2^64 hashes for each attempt at a given member.
 */
export interface PublicIdentity {
  userId: string;
  /** Raw X25519 public key, base64url (32 bytes). */
  x25519PublicKey: string;
  /** Raw Ed25519 public key, base64url (32 bytes). */
  ed25519PublicKey: string;
}

const KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
export const FINGERPRINT_WORDS = 5;

/** The identity signature (base64url, 64 bytes) made with the account's Ed25519 private key. */
export async function signIdentity(identity: PublicIdentity, ed25519PrivateKey: CryptoKey): Promise<string> {
  keyParts(identity);
  const signature = await globalThis.crypto.subtle.sign('Ed25519', ed25519PrivateKey, sharingKeyMessage(identity.userId, identity.x25519PublicKey));
  return toBase64Url(new Uint8Array(signature));
}

/** Whether `signature` is the identity's own Ed25519 signature over its sharing-key message. Never throws on bad input. */
export function verifyIdentity(identity: PublicIdentity, signature: string): Promise<boolean> {
  return verifySharingKeySignature({ ...identity, keySignature: signature });
}

/** RFC 8032 Ed25519 verification with a raw public key (base64url). False for malformed keys or signatures. */
export async function ed25519Verify(publicKey: string, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  try {
    const raw = fromBase64Url(publicKey);
    if (raw.length !== KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) return false;
    const key = await globalThis.crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    return await globalThis.crypto.subtle.verify('Ed25519', key, bufferSource(signature), bufferSource(message));
  } catch {
    return false;
  }
}

/** The five-word fingerprint phrase of an identity, e.g. `["tamper", "guts", "opal", "outlast", "dirt"]`. */
export async function fingerprintPhrase(identity: PublicIdentity): Promise<string[]> {
  const message = concatBytes(utf8('watchword/v1/fingerprint\0'), userIdPart(identity.userId), new Uint8Array([0]), ...keyParts(identity));
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', message));
  let n = 0n;
  for (const byte of digest) n = (n << 8n) | BigInt(byte);
  const words = effLongWordlist();
  const size = BigInt(words.length);
  const phrase: string[] = [];
  for (let i = 0; i < FINGERPRINT_WORDS; i++) {
    phrase.push(words[Number(n % size)] as string);
    n /= size;
  }
  return phrase;
}

/** Two identities are the same when every part is equal (base64url is canonical for fixed-length keys). */
export function sameIdentity(a: PublicIdentity, b: PublicIdentity): boolean {
  return a.userId === b.userId && a.x25519PublicKey === b.x25519PublicKey && a.ed25519PublicKey === b.ed25519PublicKey;
}

function keyParts(identity: PublicIdentity): [Uint8Array, Uint8Array] {
  const x = fromBase64Url(identity.x25519PublicKey);
  const ed = fromBase64Url(identity.ed25519PublicKey);
  if (x.length !== KEY_LENGTH || ed.length !== KEY_LENGTH) throw new TypeError('public keys are 32 bytes');
  return [x, ed];
}

function userIdPart(userId: string): Uint8Array {
  if (userId.length === 0 || userId.includes('\0')) throw new TypeError('userId must be non-empty and NUL-free');
  return utf8(userId);
}
