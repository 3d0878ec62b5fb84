/**
 * The signed binding of a user's sharing keys (issue 25): the user's Ed25519 identity key signs the message
 * `utf8("watchword/v1/sharing-key" ‖ 0x00 ‖ userId ‖ 0x00 ‖ x25519PublicKey (base64url))`, so a server that swaps a
 * member's X25519 key — or hands one user's key out as another's — is caught by any client that has seen the member's
 * Ed25519 key before. The server verifies the signature on registration too (a malformed key set is refused early),
 * but clients must not rely on that: the server is what the signature protects against.
 */
import { buildAad } from './aad.ts';
import { fromBase64Url } from './encoding.ts';

export const SHARING_KEY_LABEL = 'watchword/v1/sharing-key';

/** The exact bytes the Ed25519 identity key signs. */
export function sharingKeyMessage(userId: string, x25519PublicKey: string): Uint8Array<ArrayBuffer> {
  return buildAad(SHARING_KEY_LABEL, userId, x25519PublicKey);
}

/** Verifies `keySignature` (base64url) over sharingKeyMessage with the raw Ed25519 public key (base64url). WebCrypto only. */
export async function verifySharingKeySignature(input: { userId: string; x25519PublicKey: string; ed25519PublicKey: string; keySignature: string }): Promise<boolean> {
  try {
    const raw = fromBase64Url(input.ed25519PublicKey);
    if (raw.length !== 32 || fromBase64Url(input.x25519PublicKey).length !== 32) return false;
    const key = await globalThis.crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    const signature = fromBase64Url(input.keySignature);
    if (signature.length !== 64) return false;
    return await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, signature, sharingKeyMessage(input.userId, input.x25519PublicKey));
  } catch {
    return false;
  }
}
