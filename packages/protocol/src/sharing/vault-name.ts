import { buildAad } from '../aad.ts';
import { importAesKey, openBytes, sealBytes } from '../crypto/aead.ts';
import { DecryptionError } from '../crypto/decryption-error.ts';
import { concatBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../encoding.ts';
import { WatchwordError } from '../errors.ts';

/**
 * A shared vault's name, sealed under the vault key (the server stores `encryptedName` and never reads it):
 *
 *     base64url( keyVersion (4 bytes, big-endian) ‖ envelope bytes (crypto/aead.ts) )
 *     AAD "watchword/v1/vault-name\0" vaultId "\0" keyVersion
 *
 * The key version in front says which key of the vault's chain opens it (a rename after a rotation uses the new key;
 * a name sealed before it stays readable with the older key every member's grant carries).
 */
export const MAX_VAULT_NAME_LENGTH = 128;
const MAX_NAME_BYTES = 512;

export async function sealVaultName(input: { vaultKey: Uint8Array; vaultId: string; keyVersion: number; name: string }): Promise<string> {
  const name = input.name.trim();
  const bytes = utf8(name);
  if (name.length === 0 || [...name].length > MAX_VAULT_NAME_LENGTH || bytes.length > MAX_NAME_BYTES || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new WatchwordError('VALIDATION_FAILED', { details: { field: 'name' } });
  }
  const envelope = fromBase64Url(await sealBytes(await importAesKey(input.vaultKey), bytes, aad(input.vaultId, input.keyVersion)));
  const version = new Uint8Array(4);
  new DataView(version.buffer).setUint32(0, input.keyVersion);
  return toBase64Url(concatBytes(version, envelope));
}

/** The key version a sealed name needs. @throws {DecryptionError} if malformed. */
export function vaultNameKeyVersion(sealed: string): number {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(sealed);
  } catch {
    throw new DecryptionError();
  }
  if (bytes.length < 5) throw new DecryptionError();
  const version = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  if (version < 1) throw new DecryptionError();
  return version;
}

/** @throws {DecryptionError} if the name does not open with this vault's key of its version. */
export async function openVaultName(input: { vaultKey: Uint8Array; vaultId: string; sealed: string }): Promise<string> {
  const version = vaultNameKeyVersion(input.sealed);
  const envelope = toBase64Url(fromBase64Url(input.sealed).subarray(4));
  return fromUtf8(await openBytes(await importAesKey(input.vaultKey), envelope, aad(input.vaultId, version)));
}

function aad(vaultId: string, keyVersion: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(keyVersion) || keyVersion < 1 || keyVersion > 0xffffffff) throw new RangeError('keyVersion must be a positive integer');
  return buildAad('watchword/v1/vault-name', vaultId, String(keyVersion));
}
