import { argon2idKey } from '../argon2id.ts';
import { utf8 } from '@watchword/protocol';
import { str } from './json.ts';
import { importError } from './types.ts';

/**
 * Bitwarden's password-protected JSON export (`"encrypted": true, "passwordProtected": true`):
 * key = PBKDF2-SHA256(password, salt, kdfIterations) (kdfType 0) or Argon2id(password, SHA-256(salt), kdfIterations,
 * kdfMemory MiB, kdfParallelism) (kdfType 1), 32 bytes; stretched with HKDF-Expand-SHA256 into an AES key (info "enc")
 * and a MAC key (info "mac"). `data` and `encKeyValidation_DO_NOT_EDIT` are EncStrings of type 2:
 * "2.<iv b64>|<ciphertext b64>|<mac b64>", AES-256-CBC with HMAC-SHA256 over iv ‖ ciphertext (encrypt-then-MAC).
 * Returns the decrypted text: a plain Bitwarden JSON export.
 */
export async function decryptBitwardenExport(doc: Record<string, unknown>, password: string | undefined): Promise<string> {
  if (doc['passwordProtected'] !== true) {
    throw importError('IMPORT_UNREADABLE', 'this Bitwarden export is encrypted with the Bitwarden account key, which only Bitwarden holds: export again choosing "password protected"');
  }
  if (password === undefined || password === '') throw importError('IMPORT_PASSWORD_REQUIRED', 'this Bitwarden export is password-protected: give its password');
  const salt = str(doc, 'salt');
  const iterations = Number(doc['kdfIterations']);
  if (!salt || !Number.isSafeInteger(iterations) || iterations < 1) throw importError('IMPORT_UNREADABLE', 'the Bitwarden export has no valid key derivation settings');
  let master: Uint8Array;
  if (doc['kdfType'] === 0) {
    if (iterations > 10_000_000) throw importError('IMPORT_TOO_LARGE', 'the Bitwarden export asks for more than 10,000,000 PBKDF2 iterations');
    const base = await crypto.subtle.importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits']);
    master = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: utf8(salt), iterations }, base, 256));
  } else if (doc['kdfType'] === 1) {
    const memoryMiB = Number(doc['kdfMemory']);
    const parallelism = Number(doc['kdfParallelism']);
    if (!Number.isSafeInteger(memoryMiB) || memoryMiB < 1 || memoryMiB > 1024 || !Number.isSafeInteger(parallelism) || parallelism < 1 || parallelism > 16 || iterations > 100) {
      throw importError('IMPORT_TOO_LARGE', 'the Bitwarden export asks for Argon2id settings beyond 1 GiB, 16 lanes or 100 passes');
    }
    const saltHash = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(salt)));
    master = await argon2idKey(utf8(password), saltHash, { iterations, memoryKiB: memoryMiB * 1024, parallelism });
  } else {
    throw importError('IMPORT_UNREADABLE', 'the Bitwarden export names a key derivation Watchword does not know');
  }
  const encKey = await hkdfExpand(master, 'enc');
  const macKey = await hkdfExpand(master, 'mac');
  const validation = str(doc, 'encKeyValidation_DO_NOT_EDIT');
  if (validation) await decryptEncString(validation, encKey, macKey);
  return new TextDecoder().decode(await decryptEncString(str(doc, 'data'), encKey, macKey));
}

/** HKDF-Expand (RFC 5869 §2.3) for one 32-byte block: T(1) = HMAC(PRK, info ‖ 0x01). */
async function hkdfExpand(prk: Uint8Array, info: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', prk as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array([...utf8(info), 1])));
}

async function decryptEncString(value: string, encKey: Uint8Array, macKey: Uint8Array): Promise<Uint8Array> {
  const match = value.match(/^2\.([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/);
  if (!match) throw importError('IMPORT_UNREADABLE', 'the Bitwarden export holds an encrypted value of a type Watchword does not know');
  let iv: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>, mac: Uint8Array<ArrayBuffer>;
  try {
    [iv, data, mac] = [fromBase64(match[1] as string), fromBase64(match[2] as string), fromBase64(match[3] as string)];
  } catch {
    throw importError('IMPORT_UNREADABLE', 'the Bitwarden export holds an encrypted value that is not base64');
  }
  const hmac = await crypto.subtle.importKey('raw', macKey as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const signed = new Uint8Array(iv.length + data.length);
  signed.set(iv);
  signed.set(data, iv.length);
  if (!(await crypto.subtle.verify('HMAC', hmac, mac, signed))) throw importError('IMPORT_WRONG_PASSWORD', 'the password does not open this Bitwarden export');
  const aes = await crypto.subtle.importKey('raw', encKey as Uint8Array<ArrayBuffer>, 'AES-CBC', false, ['decrypt']);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, aes, data));
  } catch {
    throw importError('IMPORT_UNREADABLE', 'the Bitwarden export cannot be decrypted (damaged)');
  }
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
