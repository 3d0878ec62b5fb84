import { createHash, randomBytes } from 'node:crypto';
import { toBase64Url } from '@watchword/protocol';

/**
 * Refresh tokens are opaque 256-bit random values. Only their SHA-256 is stored: a database dump reveals no usable token.
 * A plain (unsalted) hash is enough because the input has 256 bits of entropy.
 */
const PREFIX = 'wwr1_';

export function newRefreshToken(): { token: string; hash: string } {
  const token = PREFIX + toBase64Url(randomBytes(32));
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return toBase64Url(createHash('sha256').update(token).digest());
}

export function looksLikeRefreshToken(token: string): boolean {
  return token.startsWith(PREFIX) && token.length === PREFIX.length + 43;
}
