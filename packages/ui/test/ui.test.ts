import { describe, expect, it } from 'vitest';
import { GENERATOR_DEFAULTS, GENERATOR_LENGTH, generateOrEmpty, groupDigits, safeHttpUrl } from '../src/index.ts';

describe('safeHttpUrl', () => {
  it('keeps http(s) addresses and reads a bare host name as https', () => {
    expect(safeHttpUrl('https://example.com/login')).toBe('https://example.com/login');
    expect(safeHttpUrl('http://example.com')).toBe('http://example.com/');
    expect(safeHttpUrl(' example.com/a ')).toBe('https://example.com/a');
  });

  it('never turns another scheme into a link', () => {
    for (const bad of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:msgbox', 'file:///etc/passwd', '', 'not a url']) expect(safeHttpUrl(bad), bad).toBeUndefined();
  });
});

describe('groupDigits', () => {
  it('splits a 6-digit code in two, leaves other lengths alone', () => {
    expect(groupDigits('123456')).toBe('123 456');
    expect(groupDigits('12345678')).toBe('12345678');
  });
});

describe('generator helpers', () => {
  it('generates with the defaults, and answers empty when no class is chosen', () => {
    expect(generateOrEmpty(GENERATOR_DEFAULTS)).toHaveLength(20);
    expect(generateOrEmpty({ ...GENERATOR_DEFAULTS, lowercase: false, uppercase: false, digits: false, symbols: false })).toBe('');
    expect(GENERATOR_LENGTH.min).toBe(8);
  });
});
