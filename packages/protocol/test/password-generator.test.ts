import { describe, expect, it } from 'vitest';
import { generatePassword } from '../src/password-generator.ts';
import { WatchwordError } from '../src/errors.ts';

const LOWER = /[a-z]/;
const UPPER = /[A-Z]/;
const DIGIT = /[0-9]/;
const SYMBOL = /[!#$%&()*+,\-./:;<=>?@[\]^_{|}~]/;
const ALLOWED = /^[a-zA-Z0-9!#$%&()*+,\-./:;<=>?@[\]^_{|}~]+$/;

describe('generatePassword', () => {
  it('defaults to 20 characters containing every class', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      expect(password).toMatch(ALLOWED);
      for (const cls of [LOWER, UPPER, DIGIT, SYMBOL]) expect(password).toMatch(cls);
    }
  });

  it('honours length bounds 8 and 128', () => {
    for (let i = 0; i < 200; i++) {
      const short = generatePassword({ length: 8 });
      expect(short).toHaveLength(8);
      for (const cls of [LOWER, UPPER, DIGIT, SYMBOL]) expect(short).toMatch(cls);
    }
    expect(generatePassword({ length: 128 })).toHaveLength(128);
  });

  it('uses only the selected classes, and each of them', () => {
    for (let i = 0; i < 200; i++) {
      const digitsOnly = generatePassword({ lowercase: false, uppercase: false, symbols: false });
      expect(digitsOnly).toMatch(/^[0-9]{20}$/);
      const letters = generatePassword({ length: 8, digits: false, symbols: false });
      expect(letters).toMatch(/^[a-zA-Z]{8}$/);
      expect(letters).toMatch(LOWER);
      expect(letters).toMatch(UPPER);
    }
  });

  it('leaves out ambiguous characters when asked', () => {
    const sample = Array.from({ length: 300 }, () => generatePassword({ length: 64, avoidAmbiguous: true })).join('');
    expect(sample).not.toMatch(/[0Oo1lI|]/);
    // …and includes them otherwise (64·300 draws; missing all seven would be astronomically unlikely).
    const plain = Array.from({ length: 300 }, () => generatePassword({ length: 64 })).join('');
    for (const c of '0Oo1lI|') expect(plain).toContain(c);
  });

  it('covers the whole alphabet (no character is unreachable)', () => {
    const seen = new Set(Array.from({ length: 300 }, () => generatePassword({ length: 128 })).join(''));
    expect(seen.size).toBe(26 + 26 + 10 + 28);
  });

  it('rejects bad options with VALIDATION_FAILED', () => {
    const bad = [
      { length: 4 },
      { length: 7 },
      { length: 129 },
      { length: 12.5 },
      { length: Number.NaN },
      { lowercase: false, uppercase: false, digits: false, symbols: false },
    ];
    for (const options of bad) {
      expect(() => generatePassword(options), JSON.stringify(options)).toThrow(WatchwordError);
      try {
        generatePassword(options);
      } catch (error) {
        expect((error as WatchwordError).code).toBe('VALIDATION_FAILED');
      }
    }
  });
});
