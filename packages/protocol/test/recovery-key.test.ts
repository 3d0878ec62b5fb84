import { describe, expect, it } from 'vitest';
import { formatRecoveryKey, parseRecoveryKey } from '../src/recovery-key.ts';
import { WatchwordError } from '../src/errors.ts';
import { fromHex, randomBytes } from '../src/encoding.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SHAPE = /^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){13}$/;

function reason(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WatchwordError);
    expect((error as WatchwordError).code).toBe('VALIDATION_FAILED');
    return (error as WatchwordError).details?.['reason'];
  }
  return 'accepted';
}

describe('recovery key format (Crockford base32 + mod 2^24−3 check)', () => {
  it('formats 32 bytes as 14 groups of 4 Crockford symbols and parses back', () => {
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(32);
      const text = formatRecoveryKey(key);
      expect(text).toMatch(SHAPE);
      expect(parseRecoveryKey(text)).toEqual(key);
    }
  });

  it('encodes big-endian: the all-zero key is all zeros except the check symbols', () => {
    // K = 0 ⇒ W = c with c ≡ 0 (mod P) ⇒ c = 0: every symbol is 0.
    expect(formatRecoveryKey(new Uint8Array(32))).toBe(Array(14).fill('0000').join('-'));
    // K = 1 ⇒ c = −2^24 mod (2^24−3) = P − 3 = 0xFFFFFA; W = 2^24 + 0xFFFFFA.
    const one = new Uint8Array(32);
    one[31] = 1;
    expect(formatRecoveryKey(one).replace(/-/g, '').slice(-6)).toBe('0ZZZZT');
  });

  it('accepts lower case, missing dashes, spaces, and I/L→1, O→0 as Crockford decoding prescribes', () => {
    const key = fromHex('00' + '08'.repeat(31));
    const text = formatRecoveryKey(key);
    expect(text).toContain('0');
    expect(text).toContain('1');
    expect(parseRecoveryKey(text.toLowerCase())).toEqual(key);
    expect(parseRecoveryKey(text.replace(/-/g, ''))).toEqual(key);
    expect(parseRecoveryKey(` ${text.replace(/-/g, ' ')} `)).toEqual(key);
    expect(parseRecoveryKey(text.replace(/1/g, 'I').replace(/0/g, 'O'))).toEqual(key);
    expect(parseRecoveryKey(text.replace(/1/g, 'l').replace(/0/g, 'o'))).toEqual(key);
  });

  it('detects every single-symbol substitution', () => {
    const symbols = formatRecoveryKey(randomBytes(32)).replace(/-/g, '');
    for (let i = 0; i < symbols.length; i++) {
      for (const replacement of ALPHABET) {
        if (replacement === symbols[i]) continue;
        const typo = symbols.slice(0, i) + replacement + symbols.slice(i + 1);
        expect(reason(() => parseRecoveryKey(typo)), `position ${i} → ${replacement}`).toBe('checksum');
      }
    }
  });

  it('detects every swap of two adjacent different symbols', () => {
    const symbols = formatRecoveryKey(randomBytes(32)).replace(/-/g, '');
    for (let i = 0; i + 1 < symbols.length; i++) {
      if (symbols[i] === symbols[i + 1]) continue;
      const typo = symbols.slice(0, i) + symbols[i + 1] + symbols[i] + symbols.slice(i + 2);
      expect(reason(() => parseRecoveryKey(typo)), `swap at ${i}`).toBe('checksum');
    }
  });

  it('rejects a missing or extra symbol and symbols outside the alphabet as "format"', () => {
    const text = formatRecoveryKey(randomBytes(32));
    expect(reason(() => parseRecoveryKey(text.slice(0, -1)))).toBe('format');
    expect(reason(() => parseRecoveryKey(text + '0'))).toBe('format');
    expect(reason(() => parseRecoveryKey('U' + text.slice(1)))).toBe('format');
    expect(reason(() => parseRecoveryKey('*' + text.slice(1)))).toBe('format');
    expect(reason(() => parseRecoveryKey(''))).toBe('format');
  });

  it('only formats 32-byte keys', () => {
    expect(() => formatRecoveryKey(new Uint8Array(31))).toThrow(RangeError);
  });
});
