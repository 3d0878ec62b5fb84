import { DecryptionError, fromBase64Url, importAesKey, openBytes, randomBytes, sealBytes, toBase64Url, utf8 } from '@watchword/protocol';

/**
 * Keeping a vault unlocked across processes (the CLI: one process per command) without a key that decrypts the vault
 * at rest in the clear: the account key is sealed (AES-256-GCM) under a fresh random 32-byte resume key. The caller
 * stores the sealed blob where it keeps the session (the CLI's session file) and the resume key apart from it (the
 * CLI: the WATCHWORD_SESSION variable of one shell); either alone opens nothing.
 */
export interface SealedAccountKey {
  /** The account key sealed under `resumeKey`, bound to the account's user id (AAD): storable. */
  sealed: string;
  /** The key that opens `sealed`, base64url (43 characters). A secret: never store it next to `sealed`. */
  resumeKey: string;
}

/** Every way a sealed resume can fail before the vault opens; one fixed message, so the cases cannot be told apart. */
export class SealedResumeError extends Error {
  readonly code = 'SEALED_RESUME_REFUSED' as const;
  constructor() {
    super('the resume key does not open this sealed account key');
    this.name = 'SealedResumeError';
  }
}

/**
 * The AAD binds a sealed key to its account. Its label names the CLI because the sealed keys in existing CLI session
 * files were made with it; another label would leave them unopenable.
 */
const aad = (userId: string) => utf8(`watchword/v1/cli-session\0${userId}`);

const KEY_BYTES = 32;
/** A sealed 32-byte key is 82 characters (version, nonce, ciphertext and tag: 61 bytes in base64url); far longer is not one. */
const MAX_SEALED_LENGTH = 256;
const MAX_USER_ID_LENGTH = 128;

/** Seals `accountKey` (left as it is) under a new resume key. */
export async function sealAccountKey(accountKey: Uint8Array, userId: string): Promise<SealedAccountKey> {
  const resumeKey = randomBytes(KEY_BYTES);
  try {
    const sealed = await sealBytes(await importAesKey(resumeKey), accountKey, aad(userId));
    return { sealed, resumeKey: toBase64Url(resumeKey) };
  } finally {
    resumeKey.fill(0);
  }
}

/**
 * Opens a sealed account key. A tampered or truncated blob, a wrong resume key, another account's user id or input
 * that is not of the right shape all throw SealedResumeError.
 */
export async function openSealedAccountKey(input: { sealed: string; resumeKey: string; userId: string }): Promise<Uint8Array> {
  const { sealed, resumeKey, userId } = input;
  if (typeof sealed !== 'string' || typeof resumeKey !== 'string' || typeof userId !== 'string') throw new SealedResumeError();
  if (sealed.length > MAX_SEALED_LENGTH || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH || userId.includes('\0')) {
    throw new SealedResumeError();
  }
  let keyBytes: Uint8Array;
  try {
    keyBytes = fromBase64Url(resumeKey);
  } catch {
    throw new SealedResumeError();
  }
  if (keyBytes.length !== KEY_BYTES) throw new SealedResumeError();
  try {
    const accountKey = await openBytes(await importAesKey(keyBytes), sealed, aad(userId));
    if (accountKey.length !== KEY_BYTES) throw new SealedResumeError();
    return accountKey;
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof SealedResumeError) throw new SealedResumeError();
    throw error;
  } finally {
    keyBytes.fill(0);
  }
}
