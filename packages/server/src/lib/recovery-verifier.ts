/**
 * The server's check that a recovering client holds the recovery key. The verifier is an HKDF output of the
 * 256-bit recovery key (protocol keys.ts); the server keeps only its SHA-256 — a fast hash is enough for a
 * full-entropy input (no guessing is possible), and the comparison is constant-time.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256Base64Url } from '../tokens/sha256.ts';

export function hashRecoveryVerifier(verifier: string): string {
  return sha256Base64Url(`watchword/v1/recovery-verifier\0${verifier}`);
}

export function recoveryVerifierMatches(stored: string | null, presented: string): boolean {
  const expected = Buffer.from(stored ?? hashRecoveryVerifier('no verifier on record'));
  const actual = Buffer.from(hashRecoveryVerifier(presented));
  return timingSafeEqual(expected, actual) && stored !== null;
}
