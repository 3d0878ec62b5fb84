import { describe, expect, it } from 'vitest';
import type { AccessClaims } from '../../src/tokens/access-token.ts';
import { VerifiedTokenCache } from '../../src/tokens/verified-cache.ts';

const claims = (exp: number): AccessClaims => ({ iss: 'i', aud: 'a', sub: 's', sid: 'x', client_id: 'c', iat: exp - 900, exp, jti: 'j' });

describe('verified-token cache', () => {
  it('is keyed by a hash, never by the token itself', () => {
    const key = VerifiedTokenCache.key('header.payload.signature');
    expect(key).not.toContain('payload');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('never answers past the token expiry', () => {
    const cache = new VerifiedTokenCache();
    cache.set('k', claims(1000));
    expect(cache.get('k', 999_999)).toBeDefined();
    expect(cache.get('k', 1_000_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its bound, dropping the oldest entry first', () => {
    const cache = new VerifiedTokenCache(3);
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, claims(10_000));
    expect(cache.size).toBe(3);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('d', 0)).toBeDefined();
  });
});
