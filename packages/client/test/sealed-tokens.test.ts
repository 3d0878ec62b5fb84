import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '@watchword/protocol';
import { SealedTokensError, openTokens, sealTokens } from '../src/sealed-tokens.ts';

const USER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c6';
const OTHER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c7';
const TOKENS = { accessToken: 'eyJ.access.token', refreshToken: 'rt_5VfP3q9sZ2mX', accessExpiresAt: 1_800_000_000_000 };
const key = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

describe('tokens sealed for the device (the web vault\'s kept session)', () => {
  it('round-trips under the same key and account; refuses another key, another account, a changed blob', async () => {
    const k = await key();
    const sealed = await sealTokens(k, USER, TOKENS);
    expect(sealed).not.toContain(TOKENS.refreshToken);
    expect(await openTokens(k, USER, sealed)).toEqual(TOKENS);
    const changed = fromBase64Url(sealed);
    changed[20] = (changed[20] ?? 0) ^ 1;
    const other = await key();
    // Each attempt starts when it is awaited (a promise made earlier could reject before its handler is attached).
    for (const attempt of [() => openTokens(other, USER, sealed), () => openTokens(k, OTHER, sealed), () => openTokens(k, USER, toBase64Url(changed)), () => openTokens(k, USER, 'A'.repeat(20_000))]) {
      await expect(attempt()).rejects.toBeInstanceOf(SealedTokensError);
    }
  });
});
