import { hash } from 'node:crypto';

/**
 * SHA-256 of a text (UTF-8), base64url without padding: what the server keeps or keys on instead of a high-entropy
 * token (refresh, e-mail, handshake and fresh-authentication tokens, recovery verifiers), and the digest of RFC 7638
 * thumbprints and RFC 9449 `ath`. A plain hash is enough for a token of 256 random bits: nothing can be guessed.
 * One-shot (no Hash object): it runs on hot paths (the verified-token cache, DPoP proofs).
 */
export function sha256Base64Url(text: string): string {
  return hash('sha256', text, 'base64url');
}
