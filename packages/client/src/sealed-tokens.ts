import { DecryptionError, openBytes, sealBytes, utf8 } from '@watchword/protocol';
import type { StoredTokens } from './session.ts';

/**
 * A session's tokens sealed for storage on the device (the web vault keeps them in IndexedDB): AES-256-GCM under a key
 * the caller keeps — the web vault a non-extractable CryptoKey of its own — with the account's user id in the AAD.
 */
const aad = (userId: string) => utf8(`watchword/v1/web-session\0${userId}`);
const MAX_SEALED_LENGTH = 16_384;

/** The tokens do not open (tampered, another key, another account) or are not tokens; one message for every case. */
export class SealedTokensError extends Error {
  readonly code = 'SEALED_TOKENS_REFUSED' as const;
  constructor() {
    super('the kept session does not open');
    this.name = 'SealedTokensError';
  }
}

export function sealTokens(key: CryptoKey, userId: string, tokens: StoredTokens): Promise<string> {
  return sealBytes(key, utf8(JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, accessExpiresAt: tokens.accessExpiresAt })), aad(userId));
}

export async function openTokens(key: CryptoKey, userId: string, sealed: string): Promise<StoredTokens> {
  if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH) throw new SealedTokensError();
  let value: Partial<StoredTokens>;
  try {
    value = JSON.parse(new TextDecoder().decode(await openBytes(key, sealed, aad(userId)))) as Partial<StoredTokens>;
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof SyntaxError) throw new SealedTokensError();
    throw error;
  }
  if (typeof value.accessToken !== 'string' || typeof value.refreshToken !== 'string' || typeof value.accessExpiresAt !== 'number') throw new SealedTokensError();
  return { accessToken: value.accessToken, refreshToken: value.refreshToken, accessExpiresAt: value.accessExpiresAt };
}
