import type { AccessClaims } from './access-token.ts';
import { sha256Base64Url } from './sha256.ts';

/**
 * A bounded cache of access tokens whose signature and claims already verified, so a client sending the same token
 * many times pays for one signature check and one parse of its header. Keyed by SHA-256 of the Authorization
 * value (the cache never holds a usable token);
 * an entry is never used past the token's `exp`. Revocation is NOT cached: callers still check the denylist.
 */
export class VerifiedTokenCache {
  readonly #max: number;
  readonly #entries = new Map<string, AccessClaims>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  /** SHA-256 of what was verified (the whole Authorization value); the one-shot hash allocates no Hash object. */
  static key(credential: string): string {
    return sha256Base64Url(credential);
  }

  get(key: string, nowMs: number): AccessClaims | undefined {
    const claims = this.#entries.get(key);
    if (!claims) return undefined;
    if (claims.exp * 1000 <= nowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return claims;
  }

  set(key: string, claims: AccessClaims): void {
    if (this.#entries.size >= this.#max) {
      // Oldest first (Map keeps insertion order).
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, claims);
  }

  get size(): number {
    return this.#entries.size;
  }
}
