import { type AccountResponse, DecryptionError, hkdfSha256AesKey, openBytes, sealBytes, utf8 } from '@watchword/protocol';
import type { VaultItem } from './vault.ts';

/**
 * An encrypted copy of the vault kept on the device, for reading while the server cannot be reached. The whole copy
 * (the account's key material as the server sent it, every decrypted item, the sync revision and when it was saved)
 * is one AES-256-GCM envelope under a key derived from the account key with HKDF (info names this use and the
 * account), and its AAD binds it to the account: a copy cannot be read without the account key, and a changed,
 * truncated or swapped copy does not open. The copy is only as current as the last sync; delta syncs keep it so.
 */
export interface VaultSnapshot {
  account: AccountResponse;
  revision: number;
  items: VaultItem[];
  /** When the copy was made (ms since the epoch). */
  savedAt: number;
}

/** A cached copy that does not open (tampered, truncated, of another account, or too large); one fixed message. */
export class VaultCacheError extends Error {
  readonly code = 'VAULT_CACHE_REFUSED' as const;
  constructor() {
    super('the offline copy of the vault does not open: it was changed, or belongs to another account');
    this.name = 'VaultCacheError';
  }
}

const LABEL = 'watchword/v1/vault-cache';
/** A copy larger than this is refused unread (the server's vault limits keep real ones far below). */
export const MAX_VAULT_CACHE_LENGTH = 256 * 1024 * 1024;

const cacheKey = (accountKey: Uint8Array, userId: string) => hkdfSha256AesKey(accountKey, utf8(LABEL), utf8(`${LABEL}\0${userId}`));
const aad = (userId: string) => utf8(`${LABEL}\0${userId}`);

export async function sealVaultSnapshot(accountKey: Uint8Array, snapshot: VaultSnapshot): Promise<string> {
  const userId = snapshot.account.userId;
  return sealBytes(await cacheKey(accountKey, userId), utf8(JSON.stringify(snapshot)), aad(userId));
}

/** Opens a copy sealed by sealVaultSnapshot for this account; anything else throws VaultCacheError. */
export async function openVaultSnapshot(accountKey: Uint8Array, userId: string, sealed: string): Promise<VaultSnapshot> {
  if (typeof sealed !== 'string' || sealed.length > MAX_VAULT_CACHE_LENGTH) throw new VaultCacheError();
  let plaintext: Uint8Array;
  try {
    plaintext = await openBytes(await cacheKey(accountKey, userId), sealed.trim(), aad(userId));
  } catch (error) {
    if (error instanceof DecryptionError) throw new VaultCacheError();
    throw error;
  }
  let snapshot: VaultSnapshot;
  try {
    snapshot = JSON.parse(new TextDecoder().decode(plaintext)) as VaultSnapshot;
  } catch {
    throw new VaultCacheError();
  } finally {
    plaintext.fill(0);
  }
  // Authenticated, so made by this code for this account; the shape check guards against a copy from another version.
  if (
    snapshot === null || typeof snapshot !== 'object' || snapshot.account?.userId !== userId || !Number.isSafeInteger(snapshot.revision) ||
    !Array.isArray(snapshot.items) || !Number.isFinite(snapshot.savedAt)
  ) {
    throw new VaultCacheError();
  }
  return snapshot;
}
