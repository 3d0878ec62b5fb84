import { hash } from 'node:crypto';

/**
 * The state-store key of a value found by a bearer secret (a handshake id, a pending second-factor login's token, a
 * fresh-authentication token): its kind and the secret's SHA-256. The store, and whatever reads it (a replica, a
 * snapshot, `MONITOR`), never holds a usable secret, only what it leads to. Each secret is 256 random bits, so an
 * unsalted hash cannot be reversed or guessed.
 */
export function secretKey(kind: string, secret: string): string {
  return `${kind}:${hash('sha256', secret, 'base64url')}`;
}
