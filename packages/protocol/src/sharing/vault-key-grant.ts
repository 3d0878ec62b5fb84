import { DecryptionError } from '../crypto/decryption-error.ts';
import { concatBytes, fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../encoding.ts';
import { hpkeOpen, hpkeSeal } from './hpke.ts';
import { ed25519Verify } from './identity.ts';

/**
 * A shared vault's key, sealed for one member (a *grant*): HPKE base mode (`hpke.ts`) to the member's X25519 public
 * key, signed by the Ed25519 identity key of the member who made it (the *granter*: the vault's creator, or an admin
 * confirming a member or rotating the key). Encoded as base64url of
 *
 *     0x01 ‖ granter user id (16 bytes, the UUID) ‖ enc (32) ‖ Ed25519 signature (64) ‖ ciphertext (32·k + 16-byte tag)
 *
 * The plaintext is the vault's *key chain*: the key of `keyVersion` first, then the older versions' keys, newest first
 * (k = min(keyVersion, 64)). A member confirmed after a rotation can so read the items still sealed under an older
 * key, while a member removed before the rotation never receives the new key. A grant of 64 keys is 2,209 bytes
 * (2,946 base64url characters, within the contract's 4,096).
 *
 * - HPKE `info` = "watchword/v1/vault-key-grant" ‖ 0x00 ‖ vaultId ‖ 0x00 ‖ keyVersion ‖ 0x00 ‖ recipient userId
 *   ‖ 0x00 ‖ granter userId, and `aad` = the version byte 0x01. A grant copied to another vault, key version or
 *   member does not open (RFC 9180 §8.1: application context belongs in `info`).
 * - The signature covers "watchword/v1/vault-key-grant/signature" ‖ 0x00 ‖ the same four values NUL-separated ‖ 0x00
 *   ‖ the recipient's X25519 public key ‖ enc ‖ ciphertext. Base mode alone authenticates nobody: without the
 *   signature the server could seal a key of its own choosing to a member, who would then encrypt new items under a
 *   key the server knows. The recipient checks the signature against the granter's identity key, which it verifies
 *   and pins like every member's (identity.ts).
 */
const VERSION = 0x01;
const UUID_BYTES = 16;
const ENC = 32;
const SIGNATURE = 64;
const KEY_LENGTH = 32;
const TAG = 16;
const HEADER = 1 + UUID_BYTES + ENC + SIGNATURE;
/** The most keys one grant carries (the current one and 63 older versions). */
export const MAX_GRANT_KEYS = 64;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface VaultKeyGrantSlot {
  vaultId: string;
  /** The vault key's version (1 for the first key; each rotation adds one). */
  keyVersion: number;
  recipientUserId: string;
}

/**
 * Seals a vault's key chain for one member, signed by the granter. `vaultKeys[0]` is the key of `keyVersion`,
 * `vaultKeys[i]` that of `keyVersion - i`; keys past MAX_GRANT_KEYS are left out.
 */
export async function sealVaultKeyGrant(
  input: VaultKeyGrantSlot & { vaultKeys: readonly Uint8Array[]; recipientX25519PublicKey: string; granter: { userId: string; ed25519PrivateKey: CryptoKey } },
): Promise<string> {
  const keys = input.vaultKeys.slice(0, Math.min(MAX_GRANT_KEYS, input.keyVersion));
  if (keys.length === 0 || keys.some((k) => k.length !== KEY_LENGTH)) throw new RangeError('vault keys are 32 bytes, at least one');
  const granterId = uuidBytes(input.granter.userId);
  const recipientKey = fromBase64Url(input.recipientX25519PublicKey);
  const parts = slotParts(input, input.granter.userId);
  const plaintext = concatBytes(...keys);
  const { enc, ciphertext } = await hpkeSeal({ recipientPublicKey: recipientKey, info: info(parts), aad: Uint8Array.of(VERSION), plaintext });
  plaintext.fill(0);
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign('Ed25519', input.granter.ed25519PrivateKey, signedMessage(parts, recipientKey, enc, ciphertext)));
  return toBase64Url(concatBytes(Uint8Array.of(VERSION), granterId, enc, signature, ciphertext));
}

/**
 * The user id of the member who made a grant, to look up (and check) their identity before opening it.
 * @throws {DecryptionError} if the grant is malformed.
 */
export function vaultKeyGrantGranter(sealed: string): string {
  const bytes = decode(sealed);
  const hex = toHex(bytes.subarray(1, 1 + UUID_BYTES));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Checks the granter's signature, then opens the grant with the recipient's X25519 key pair. Returns the key chain:
 * `[0]` is the key of `keyVersion`, `[i]` that of `keyVersion - i`.
 * @throws {DecryptionError} on any failure (malformed, another slot, a signature that is not the granter's, a wrong key).
 */
export async function openVaultKeyGrant(
  input: VaultKeyGrantSlot & { sealed: string; recipient: { x25519PrivateKey: CryptoKey; x25519PublicKey: string }; granterEd25519PublicKey: string },
): Promise<Uint8Array<ArrayBuffer>[]> {
  const bytes = decode(input.sealed);
  const granterUserId = vaultKeyGrantGranter(input.sealed);
  let at = 1 + UUID_BYTES;
  const enc = bytes.subarray(at, (at += ENC));
  const signature = bytes.subarray(at, (at += SIGNATURE));
  const ciphertext = bytes.subarray(at);
  let parts: string[];
  let recipientKey: Uint8Array;
  try {
    parts = slotParts(input, granterUserId);
    recipientKey = fromBase64Url(input.recipient.x25519PublicKey);
  } catch {
    throw new DecryptionError();
  }
  if (!(await ed25519Verify(input.granterEd25519PublicKey, signature, signedMessage(parts, recipientKey, enc, ciphertext)))) throw new DecryptionError();
  const chain = await hpkeOpen({
    recipientKeyPair: { privateKey: input.recipient.x25519PrivateKey, publicKey: recipientKey },
    enc,
    info: info(parts),
    aad: Uint8Array.of(VERSION),
    ciphertext,
  });
  const count = chain.length / KEY_LENGTH;
  if (!Number.isInteger(count) || count < 1 || count > Math.min(MAX_GRANT_KEYS, input.keyVersion)) {
    chain.fill(0);
    throw new DecryptionError();
  }
  const keys = Array.from({ length: count }, (_, i) => chain.slice(i * KEY_LENGTH, (i + 1) * KEY_LENGTH));
  chain.fill(0);
  return keys;
}

function slotParts(slot: VaultKeyGrantSlot, granterUserId: string): string[] {
  if (!Number.isSafeInteger(slot.keyVersion) || slot.keyVersion < 1) throw new RangeError('keyVersion must be a positive integer');
  const parts = [slot.vaultId, String(slot.keyVersion), slot.recipientUserId, granterUserId];
  for (const part of parts) if (part.length === 0 || part.includes('\0')) throw new TypeError('ids must be non-empty and NUL-free');
  return parts;
}

function info(parts: string[]): Uint8Array<ArrayBuffer> {
  return utf8(['watchword/v1/vault-key-grant', ...parts].join('\0'));
}

function signedMessage(parts: string[], recipientKey: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(utf8(['watchword/v1/vault-key-grant/signature', ...parts, ''].join('\0')), recipientKey, enc, ciphertext);
}

function uuidBytes(userId: string): Uint8Array {
  if (!UUID_RE.test(userId)) throw new TypeError('a granter user id is a lower-case UUID');
  return fromHex(userId.replaceAll('-', ''));
}

function decode(sealed: string): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64Url(sealed);
  } catch {
    throw new DecryptionError();
  }
  const body = bytes.length - HEADER - TAG;
  if (body < KEY_LENGTH || body > MAX_GRANT_KEYS * KEY_LENGTH || body % KEY_LENGTH !== 0 || bytes[0] !== VERSION) throw new DecryptionError();
  return bytes;
}
