import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '@watchword/protocol';
import { sha256Base64Url } from './sha256.ts';

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
  return sha256Base64Url(token);
}

export function looksLikeRefreshToken(token: string): boolean {
  return token.startsWith(PREFIX) && token.length === PREFIX.length + 43;
}

/** A key only the holder of `token` can derive (the database has only the token's hash). */
function successorKey(token: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, new Uint8Array(0), 'watchword/v1/refresh-successor', 32));
}

/**
 * Seals a successor token under its predecessor, so that inside the grace window a duplicate request with the
 * predecessor can be answered with the very same successor (never a second branch) without storing it in the clear.
 */
export function sealSuccessor(predecessor: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', successorKey(predecessor), iv);
  cipher.setAAD(Buffer.from(hashRefreshToken(predecessor)));
  const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return toBase64Url(Buffer.concat([iv, body]));
}

export function openSuccessor(predecessor: string, sealed: string): string {
  const raw = Buffer.from(fromBase64Url(sealed));
  const decipher = createDecipheriv('aes-256-gcm', successorKey(predecessor), raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(hashRefreshToken(predecessor)));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
}
