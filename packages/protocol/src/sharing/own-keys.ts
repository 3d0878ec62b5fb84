import { buildAad } from '../aad.ts';
import { openBytes, sealBytes } from '../crypto/aead.ts';
import { DecryptionError } from '../crypto/decryption-error.ts';
import { concatBytes, toBase64Url } from '../encoding.ts';
import { accountWrappingKey } from '../keys.ts';
import type { RegisterKeysRequest } from '../api/orgs.ts';
import { signIdentity } from './identity.ts';

/**
 * The user's sharing keys (issue 25), made by the client the first time sharing needs them and registered with
 * `PUT /api/v1/account/keys`: an X25519 key pair (vault keys are sealed to it) and an Ed25519 identity key pair that
 * signs the X25519 key (identity.ts). Both private halves are sealed under the account's wrapping key:
 *
 *     wrappedPrivateKeys = envelope( X25519 PKCS#8 (48) ‖ Ed25519 PKCS#8 (48) ‖ X25519 public (32) ‖ Ed25519 public (32) )
 *     AAD "watchword/v1/sharing-private-keys\0" userId
 *
 * The public halves ride inside the seal so that a server answering with other public keys next to a genuine sealed
 * blob is caught when the keys are opened.
 */
export interface SharingKeys {
  userId: string;
  /** Non-extractable, usage deriveBits. */
  x25519PrivateKey: CryptoKey;
  x25519PublicKey: string;
  /** Non-extractable, usage sign. */
  ed25519PrivateKey: CryptoKey;
  ed25519PublicKey: string;
}

const PKCS8 = 48;
const RAW = 32;
const aad = (userId: string) => buildAad('watchword/v1/sharing-private-keys', userId);

/** New sharing keys and the registration body for them. */
export async function createSharingKeys(input: { accountKey: Uint8Array; userId: string }): Promise<{ keys: SharingKeys; registration: Omit<RegisterKeysRequest, 'reauthToken'> }> {
  const subtle = globalThis.crypto.subtle;
  const x = (await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const ed = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const xPub = new Uint8Array(await subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await subtle.exportKey('raw', ed.publicKey));
  const plaintext = concatBytes(new Uint8Array(await subtle.exportKey('pkcs8', x.privateKey)), new Uint8Array(await subtle.exportKey('pkcs8', ed.privateKey)), xPub, edPub);
  if (plaintext.length !== 2 * PKCS8 + 2 * RAW) throw new Error('unexpected PKCS#8 length for X25519/Ed25519');
  try {
    const wrappedPrivateKeys = await sealBytes(await accountWrappingKey(input.accountKey), plaintext, aad(input.userId));
    const keys = await importKeys(input.userId, plaintext);
    const keySignature = await signIdentity({ userId: input.userId, x25519PublicKey: keys.x25519PublicKey, ed25519PublicKey: keys.ed25519PublicKey }, keys.ed25519PrivateKey);
    return { keys, registration: { x25519PublicKey: keys.x25519PublicKey, ed25519PublicKey: keys.ed25519PublicKey, keySignature, wrappedPrivateKeys } };
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Opens registered sharing keys with the account key.
 * @throws {DecryptionError} if the seal does not open for this user, or its public keys are not the ones given.
 */
export async function openSharingKeys(input: { accountKey: Uint8Array; userId: string; own: { x25519PublicKey: string; ed25519PublicKey: string; wrappedPrivateKeys: string } }): Promise<SharingKeys> {
  const plaintext = await openBytes(await accountWrappingKey(input.accountKey), input.own.wrappedPrivateKeys, aad(input.userId));
  try {
    if (plaintext.length !== 2 * PKCS8 + 2 * RAW) throw new DecryptionError();
    const keys = await importKeys(input.userId, plaintext);
    if (keys.x25519PublicKey !== input.own.x25519PublicKey || keys.ed25519PublicKey !== input.own.ed25519PublicKey) throw new DecryptionError();
    return keys;
  } finally {
    plaintext.fill(0);
  }
}

async function importKeys(userId: string, plaintext: Uint8Array): Promise<SharingKeys> {
  const subtle = globalThis.crypto.subtle;
  try {
    return {
      userId,
      x25519PrivateKey: await subtle.importKey('pkcs8', plaintext.slice(0, PKCS8), { name: 'X25519' }, false, ['deriveBits']),
      ed25519PrivateKey: await subtle.importKey('pkcs8', plaintext.slice(PKCS8, 2 * PKCS8), { name: 'Ed25519' }, false, ['sign']),
      x25519PublicKey: toBase64Url(plaintext.slice(2 * PKCS8, 2 * PKCS8 + RAW)),
      ed25519PublicKey: toBase64Url(plaintext.slice(2 * PKCS8 + RAW)),
    };
  } catch {
    throw new DecryptionError();
  }
}
