import { type Argon2idParams, argon2idKey } from '../argon2id.ts';
import { WatchwordError, fromBase64Url, fromUtf8, hkdfSha256AesKey, importAesKey, openBytes, randomBytes, sealBytes, toBase64Url, utf8 } from '@watchword/protocol';

/**
 * The encrypted export: a Watchword JSON export sealed with AES-256-GCM (the protocol's envelope) under a key from
 * either
 * - a password chosen at export time: Argon2id (RFC 9106) over the NFKC-normalised password, a random 16-byte salt,
 *   m = 64 MiB, t = 3, p = 4 (RFC 9106 §4, second recommended option), 32-byte output; or
 * - the account key: HKDF-SHA-256(account key, random 32-byte salt, "watchword/v1/export\0" ‖ userId) — only the same
 *   account, logged in, can open it.
 * The additional data binds every header value, so none can be changed unnoticed. Layout and a test vector:
 * docs/crypto.md ("Encrypted export").
 *
 * Argon2id runs in WebAssembly through hash-wasm, the same code in Node and in browsers (WebCrypto has no Argon2).
 */
export const ENCRYPTED_EXPORT_FORMAT = 'watchword-encrypted';
export const ENCRYPTED_EXPORT_VERSION = 1;
export const EXPORT_ARGON2ID = Object.freeze({ memoryKiB: 65_536, iterations: 3, parallelism: 4 });
/** Bounds on the parameters a file may ask for, so that a hostile file cannot demand gigabytes or hours. */
const ARGON2_LIMITS = { memoryKiB: [8, 1_048_576], iterations: [1, 16], parallelism: [1, 16] } as const;
const SALT_BYTES = { password: 16, account: 32 } as const;
const AAD_LABEL = 'watchword/v1/export';

export { type Argon2idParams, argon2idKey };

export type ExportKey = { password: string } | { accountKey: Uint8Array; userId: string };

export type EncryptedExport =
  | {
      format: typeof ENCRYPTED_EXPORT_FORMAT;
      version: typeof ENCRYPTED_EXPORT_VERSION;
      key: 'password';
      kdf: { name: 'argon2id'; salt: string } & Argon2idParams;
      data: string;
    }
  | {
      format: typeof ENCRYPTED_EXPORT_FORMAT;
      version: typeof ENCRYPTED_EXPORT_VERSION;
      key: 'account';
      userId: string;
      kdf: { name: 'hkdf-sha256'; salt: string };
      data: string;
    };

/** An encrypted export without its ciphertext (each variant kept apart). */
export type Header = EncryptedExport extends infer E ? (E extends EncryptedExport ? Omit<E, 'data'> : never) : never;

/** The additional data: every header value, NUL-separated after the label. */
export function encryptedExportAad(header: Header): Uint8Array<ArrayBuffer> {
  const parts =
    header.key === 'password'
      ? ['password', header.kdf.name, String(header.kdf.memoryKiB), String(header.kdf.iterations), String(header.kdf.parallelism), header.kdf.salt]
      : ['account', header.kdf.name, header.userId, header.kdf.salt];
  return utf8([AAD_LABEL, String(header.version), ...parts].join('\0'));
}

/** The AES-256-GCM key for a header (derived, never stored). */
export async function encryptedExportKey(header: Header, key: ExportKey): Promise<CryptoKey> {
  if (header.key === 'password') {
    if (!('password' in key)) throw new WatchwordError('VALIDATION_FAILED', { message: 'This export is sealed with a password: give that password.' });
    const raw = await argon2idKey(utf8(key.password.normalize('NFKC')), fromBase64Url(header.kdf.salt), header.kdf);
    try {
      return await importAesKey(raw);
    } finally {
      raw.fill(0);
    }
  }
  if (!('accountKey' in key)) throw new WatchwordError('VALIDATION_FAILED', { message: 'This export is sealed with an account key: log in to that account to open it.' });
  if (key.userId !== header.userId) throw new WatchwordError('VALIDATION_FAILED', { message: 'This export is sealed with another account’s key.' });
  return hkdfSha256AesKey(key.accountKey, fromBase64Url(header.kdf.salt), utf8(`${AAD_LABEL}\0${header.userId}`));
}

/** Seals a Watchword JSON export's text. `argon2` is for tests only: the default is the documented profile. */
export async function sealExport(plaintext: string, key: ExportKey, options: { argon2?: Argon2idParams } = {}): Promise<EncryptedExport> {
  let header: Header;
  if ('password' in key) {
    if (key.password.length === 0) throw new WatchwordError('VALIDATION_FAILED', { message: 'The export password is empty.' });
    header = { format: ENCRYPTED_EXPORT_FORMAT, version: ENCRYPTED_EXPORT_VERSION, key: 'password', kdf: { name: 'argon2id', ...(options.argon2 ?? EXPORT_ARGON2ID), salt: toBase64Url(randomBytes(SALT_BYTES.password)) } };
  } else {
    header = { format: ENCRYPTED_EXPORT_FORMAT, version: ENCRYPTED_EXPORT_VERSION, key: 'account', userId: key.userId, kdf: { name: 'hkdf-sha256', salt: toBase64Url(randomBytes(SALT_BYTES.account)) } };
  }
  const data = await sealBytes(await encryptedExportKey(header, key), utf8(plaintext), encryptedExportAad(header));
  return { ...header, data } as EncryptedExport;
}

export function serializeEncryptedExport(sealed: EncryptedExport): string {
  return `${JSON.stringify(sealed, null, 2)}\n`;
}

const invalid = (what: string) => new WatchwordError('VALIDATION_FAILED', { message: `Not a valid encrypted Watchword export: ${what}.` });
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const inRange = (value: unknown, [min, max]: readonly [number, number]): value is number => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
const isB64 = (value: unknown, bytes: number): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]+$/.test(value) && value.length === Math.ceil((bytes * 4) / 3);

/** Checks an encrypted export's header (bounded parameters, exact keys) without opening it. */
export function parseEncryptedExport(text: string): EncryptedExport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('the file is not JSON');
  }
  if (!isRecord(parsed) || parsed.format !== ENCRYPTED_EXPORT_FORMAT) throw invalid('"format" is not "watchword-encrypted"');
  if (parsed.version !== ENCRYPTED_EXPORT_VERSION) throw invalid('unsupported version');
  if (typeof parsed.data !== 'string' || !/^[A-Za-z0-9_-]+$/.test(parsed.data)) throw invalid('"data" is not base64url');
  const kdf = parsed.kdf;
  if (!isRecord(kdf)) throw invalid('"kdf" is missing');
  const exact = (obj: Record<string, unknown>, keys: string[]) => Object.keys(obj).sort().join() === [...keys].sort().join();
  if (parsed.key === 'password') {
    if (!exact(parsed, ['format', 'version', 'key', 'kdf', 'data']) || !exact(kdf, ['name', 'memoryKiB', 'iterations', 'parallelism', 'salt'])) throw invalid('unexpected properties');
    if (kdf.name !== 'argon2id' || !isB64(kdf.salt, SALT_BYTES.password)) throw invalid('unsupported key derivation');
    if (!inRange(kdf.memoryKiB, ARGON2_LIMITS.memoryKiB) || !inRange(kdf.iterations, ARGON2_LIMITS.iterations) || !inRange(kdf.parallelism, ARGON2_LIMITS.parallelism)) {
      throw invalid('Argon2id parameters out of range');
    }
    if (kdf.memoryKiB < 8 * kdf.parallelism) throw invalid('Argon2id parameters out of range');
    return { format: ENCRYPTED_EXPORT_FORMAT, version: ENCRYPTED_EXPORT_VERSION, key: 'password', kdf: { name: 'argon2id', memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism, salt: kdf.salt }, data: parsed.data };
  }
  if (parsed.key === 'account') {
    if (!exact(parsed, ['format', 'version', 'key', 'userId', 'kdf', 'data']) || !exact(kdf, ['name', 'salt'])) throw invalid('unexpected properties');
    if (kdf.name !== 'hkdf-sha256' || !isB64(kdf.salt, SALT_BYTES.account)) throw invalid('unsupported key derivation');
    if (typeof parsed.userId !== 'string' || !/^[0-9a-f-]{36}$/.test(parsed.userId)) throw invalid('"userId" is not an account id');
    return { format: ENCRYPTED_EXPORT_FORMAT, version: ENCRYPTED_EXPORT_VERSION, key: 'account', userId: parsed.userId, kdf: { name: 'hkdf-sha256', salt: kdf.salt }, data: parsed.data };
  }
  throw invalid('"key" is neither "password" nor "account"');
}

/**
 * Opens an encrypted export; returns the Watchword JSON export's text inside.
 * @throws {DecryptionError} for a wrong password or key, or a file changed in any byte.
 */
export async function openEncryptedExport(text: string, key: ExportKey): Promise<string> {
  const sealed = parseEncryptedExport(text);
  const { data, ...header } = sealed;
  const plaintext = await openBytes(await encryptedExportKey(header, key), data, encryptedExportAad(header));
  return fromUtf8(plaintext);
}
