import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../src/encoding.ts';
import { WatchwordError } from '../src/errors.ts';
import {
  DEFAULT_TOTP,
  decodeBase32,
  encodeBase32,
  hotp,
  otpauthUri,
  parseOtpauthUri,
  parseTotpSecret,
  totp,
  totpStep,
  type TotpAlgorithm,
  type TotpParams,
} from '../src/totp.ts';

function expectValidationFailed(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WatchwordError);
    expect((error as WatchwordError).code).toBe('VALIDATION_FAILED');
    return;
  }
  expect.unreachable('expected VALIDATION_FAILED');
}

// RFC 4648 §10 (https://www.rfc-editor.org/rfc/rfc4648#section-10).
const BASE32_VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'MY======'],
  ['fo', 'MZXQ===='],
  ['foo', 'MZXW6==='],
  ['foob', 'MZXW6YQ='],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI======'],
];

describe('base32 — RFC 4648 §6', () => {
  it.each(BASE32_VECTORS)('§10: BASE32("%s") = "%s"', (plain, encoded) => {
    expect(encodeBase32(utf8(plain))).toBe(encoded.replace(/=+$/, ''));
    expect(new TextDecoder().decode(decodeBase32(encoded))).toBe(plain);
    expect(new TextDecoder().decode(decodeBase32(encoded.replace(/=+$/, '')))).toBe(plain);
    expect(new TextDecoder().decode(decodeBase32(encoded.toLowerCase()))).toBe(plain);
  });

  it('round-trips every length and byte value', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length * 11) & 0xff);
      const text = encodeBase32(bytes);
      expect(text).toMatch(/^[A-Z2-7]*$/);
      expect(decodeBase32(text)).toEqual(bytes);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeBase32(encodeBase32(all))).toEqual(all);
  });

  it('ignores spaces (apps show secrets in groups) and is case-insensitive', () => {
    expect(decodeBase32('mzxw 6ytb oi')).toEqual(utf8('foobar'));
    expect(decodeBase32(' MZXW6\tYTBOI== ')).toEqual(utf8('foobar'));
  });

  it('accepts non-zero bits after the last byte, as authenticator apps do', () => {
    expect(decodeBase32('MZXR')).toEqual(decodeBase32('MZXQ'));
  });

  it('rejects characters outside the alphabet and impossible lengths with VALIDATION_FAILED', () => {
    for (const bad of ['MZXW1', 'MZXW8', 'MZXW6YTB!', 'MZ-XW', 'MZ=XW', 'MZXWÄ', 'A', 'MZX', 'MZXW6Y', 'MZXW6YTBA']) {
      expectValidationFailed(() => decodeBase32(bad));
    }
  });
});

// RFC 4226 Appendix D (https://www.rfc-editor.org/rfc/rfc4226#appendix-D):
// secret "12345678901234567890", [count, truncated decimal, HOTP].
const HOTP_SECRET = utf8('12345678901234567890');
const HOTP_VECTORS: [number, number, string][] = [
  [0, 1284755224, '755224'],
  [1, 1094287082, '287082'],
  [2, 137359152, '359152'],
  [3, 1726969429, '969429'],
  [4, 1640338314, '338314'],
  [5, 868254676, '254676'],
  [6, 1918287922, '287922'],
  [7, 82162583, '162583'],
  [8, 673399871, '399871'],
  [9, 645520489, '520489'],
];

describe('hotp — RFC 4226', () => {
  it.each(HOTP_VECTORS)('Appendix D: count %i', async (count, decimal, expected) => {
    expect(await hotp(HOTP_SECRET, count, DEFAULT_TOTP)).toBe(expected);
    // §5.3 step 3 with Digit = 7 and 8, from the same truncated value; zero-padded.
    expect(await hotp(HOTP_SECRET, count, { ...DEFAULT_TOTP, digits: 7 })).toBe(String(decimal % 1e7).padStart(7, '0'));
    expect(await hotp(HOTP_SECRET, count, { ...DEFAULT_TOTP, digits: 8 })).toBe(String(decimal % 1e8).padStart(8, '0'));
  });

  it('encodes counters of 2^32 and above as 8 bytes, not wrapped to 32 bits', async () => {
    const reference = (counter: number): string => {
      const message = Buffer.alloc(8);
      message.writeBigUInt64BE(BigInt(counter));
      const hs = createHmac('sha1', HOTP_SECRET).update(message).digest();
      const offset = hs[19]! & 0x0f;
      return String((hs.readUInt32BE(offset) & 0x7fffffff) % 1e6).padStart(6, '0');
    };
    for (const counter of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
      expect(await hotp(HOTP_SECRET, counter, DEFAULT_TOTP)).toBe(reference(counter));
    }
    expect(await hotp(HOTP_SECRET, 2 ** 32, DEFAULT_TOTP)).not.toBe(HOTP_VECTORS[0]![2]);
  });

  it('rejects impossible counters, empty secrets and unsupported parameters', async () => {
    for (const counter of [-1, 1.5, Number.NaN, 2 ** 53]) {
      await expect(hotp(HOTP_SECRET, counter, DEFAULT_TOTP)).rejects.toBeInstanceOf(RangeError);
    }
    await expect(hotp(new Uint8Array(0), 0, DEFAULT_TOTP)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    for (const params of [
      { ...DEFAULT_TOTP, digits: 5 },
      { ...DEFAULT_TOTP, digits: 9 },
      { ...DEFAULT_TOTP, algorithm: 'MD5' },
      { ...DEFAULT_TOTP, period: 0 },
      { ...DEFAULT_TOTP, period: 301 },
    ]) {
      await expect(hotp(HOTP_SECRET, 0, params as TotpParams)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });
});

// RFC 6238 Appendix B (https://www.rfc-editor.org/rfc/rfc6238#appendix-B). The reference
// code in Appendix A uses a seed of the hash's output length for each mode.
const TOTP_SEEDS: Record<TotpAlgorithm, Uint8Array> = {
  'SHA-1': utf8('12345678901234567890'),
  'SHA-256': utf8('12345678901234567890123456789012'),
  'SHA-512': utf8('1234567890123456789012345678901234567890123456789012345678901234'),
};
const TOTP_VECTORS: [number, string, string, TotpAlgorithm][] = [
  [59, '0000000000000001', '94287082', 'SHA-1'],
  [59, '0000000000000001', '46119246', 'SHA-256'],
  [59, '0000000000000001', '90693936', 'SHA-512'],
  [1111111109, '00000000023523EC', '07081804', 'SHA-1'],
  [1111111109, '00000000023523EC', '68084774', 'SHA-256'],
  [1111111109, '00000000023523EC', '25091201', 'SHA-512'],
  [1111111111, '00000000023523ED', '14050471', 'SHA-1'],
  [1111111111, '00000000023523ED', '67062674', 'SHA-256'],
  [1111111111, '00000000023523ED', '99943326', 'SHA-512'],
  [1234567890, '000000000273EF07', '89005924', 'SHA-1'],
  [1234567890, '000000000273EF07', '91819424', 'SHA-256'],
  [1234567890, '000000000273EF07', '93441116', 'SHA-512'],
  [2000000000, '0000000003F940AA', '69279037', 'SHA-1'],
  [2000000000, '0000000003F940AA', '90698825', 'SHA-256'],
  [2000000000, '0000000003F940AA', '38618901', 'SHA-512'],
  [20000000000, '0000000027BC86AA', '65353130', 'SHA-1'],
  [20000000000, '0000000027BC86AA', '77737706', 'SHA-256'],
  [20000000000, '0000000027BC86AA', '47863826', 'SHA-512'],
];

describe('totp — RFC 6238', () => {
  it.each(TOTP_VECTORS)('Appendix B: time %i (T = %s) → %s with %s', async (seconds, step, expected, algorithm) => {
    expect(TOTP_SEEDS[algorithm].length).toBe({ 'SHA-1': 20, 'SHA-256': 32, 'SHA-512': 64 }[algorithm]);
    expect(totpStep(seconds * 1000, 30)).toBe(Number.parseInt(step, 16));
    expect(await totp(TOTP_SEEDS[algorithm], seconds * 1000, { algorithm, digits: 8, period: 30 })).toBe(expected);
  });

  it('§4.2: T = floor(unixtime / X) with T0 = 0, in milliseconds', () => {
    expect(totpStep(0)).toBe(0);
    expect(totpStep(29_999)).toBe(0);
    expect(totpStep(30_000)).toBe(1);
    expect(totpStep(59_999, 60)).toBe(0);
    expect(totpStep(60_000, 60)).toBe(1);
    expect(() => totpStep(-1)).toThrow(RangeError);
    expect(() => totpStep(Number.NaN)).toThrow(RangeError);
    expect(() => totpStep(0, 0)).toThrow(RangeError);
  });

  it('defaults to SHA-1, 6 digits, 30 s and zero-pads', async () => {
    expect(DEFAULT_TOTP).toEqual({ algorithm: 'SHA-1', digits: 6, period: 30 });
    // The Appendix B SHA-1 value at T = 0x23523EC is 07081804; 6 digits keep the leading zero.
    expect(await totp(TOTP_SEEDS['SHA-1'], 1111111109_000)).toBe('081804');
    expect(await totp(TOTP_SEEDS['SHA-1'], 1111111109_000)).toBe(await hotp(TOTP_SEEDS['SHA-1'], 0x23523ec, DEFAULT_TOTP));
  });
});

describe('otpauth URIs — Google Authenticator Key Uri Format', () => {
  const secret = utf8('12345678901234567890');

  it('builds the documented shape', () => {
    expect(otpauthUri({ issuer: 'ACME Co', account: 'john.doe@email.com', secret })).toBe(
      'otpauth://totp/ACME%20Co:john.doe%40email.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30',
    );
    expect(otpauthUri({ account: 'alice', secret, params: { algorithm: 'SHA-512', digits: 8, period: 60 } })).toBe(
      'otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA512&digits=8&period=60',
    );
  });

  it('round-trips special characters in issuer and account', () => {
    const cases: { issuer?: string; account: string }[] = [
      { issuer: 'ACME Co', account: 'john.doe@email.com' },
      { issuer: 'Ünïcödé & Söns / 100% + more?#', account: 'a b+c&d=e?f#g/h:i%j' },
      { issuer: '日本語', account: '用户@例子.中国' },
      { issuer: 'Emoji 🔐', account: "o'brien@example.com" },
      { account: 'no-issuer@example.com' },
      { account: ' spaced account ' },
    ];
    for (const { issuer, account } of cases) {
      for (const params of [DEFAULT_TOTP, { algorithm: 'SHA-256', digits: 7, period: 45 } as TotpParams]) {
        const uri = otpauthUri({ issuer, account, secret, params });
        expect(uri).not.toMatch(/[\s\u0080-\uffff]/u);
        const parsed = parseOtpauthUri(uri);
        expect(parsed).toEqual(issuer === undefined ? { account, secret, params } : { issuer, account, secret, params });
      }
    }
  });

  it('parses URIs from other generators: defaults, label-only issuer, %3A, spaces, lower-case values', () => {
    expect(parseOtpauthUri('otpauth://totp/alice@google.com?secret=JBSWY3DPEHPK3PXP')).toEqual({
      account: 'alice@google.com',
      secret: decodeBase32('JBSWY3DPEHPK3PXP'),
      params: DEFAULT_TOTP,
    });
    expect(parseOtpauthUri('otpauth://totp/Example:alice@google.com?secret=jbswy3dpehpk3pxp&digits=8')).toMatchObject({
      issuer: 'Example',
      account: 'alice@google.com',
      params: { algorithm: 'SHA-1', digits: 8, period: 30 },
    });
    expect(parseOtpauthUri('OTPAUTH://TOTP/Big%20Corp%3A%20%20alice?secret=JBSWY3DPEHPK3PXP====&algorithm=sha256&period=60')).toMatchObject({
      issuer: 'Big Corp',
      account: 'alice',
      params: { algorithm: 'SHA-256', digits: 6, period: 60 },
    });
    // The issuer parameter wins over the label prefix; '+' is a plus, not a space.
    expect(parseOtpauthUri('otpauth://totp/Old:bob?issuer=C%2B%2B+Co&secret=JBSWY3DPEHPK3PXP')).toMatchObject({
      issuer: 'C+++Co',
      account: 'bob',
    });
    // Parameters in any order, unknown ones ignored.
    expect(parseOtpauthUri('otpauth://totp/x?image=https%3A%2F%2Fexample.com%2Fa.png&period=30&secret=JBSWY3DPEHPK3PXP')).toMatchObject({
      account: 'x',
    });
  });

  it('rejects malformed URIs with VALIDATION_FAILED', () => {
    const ok = 'secret=JBSWY3DPEHPK3PXP';
    const bad = [
      '',
      'JBSWY3DPEHPK3PXP',
      `https://totp/alice?${ok}`,
      `otpauth://hotp/alice?${ok}&counter=1`,
      `otpauth://steam/alice?${ok}`,
      `otpauth://totp?${ok}`,
      `otpauth://totp/?${ok}`,
      `otpauth://totp/Issuer:?${ok}`,
      'otpauth://totp/alice',
      'otpauth://totp/alice?secret=',
      'otpauth://totp/alice?secret=%20',
      'otpauth://totp/alice?secret=JBSWY3DPEHPK3PX1',
      `otpauth://totp/alice?${ok}&digits=5`,
      `otpauth://totp/alice?${ok}&digits=9`,
      `otpauth://totp/alice?${ok}&digits=six`,
      `otpauth://totp/alice?${ok}&digits=`,
      `otpauth://totp/alice?${ok}&period=0`,
      `otpauth://totp/alice?${ok}&period=301`,
      `otpauth://totp/alice?${ok}&period=-30`,
      `otpauth://totp/alice?${ok}&period=30.5`,
      `otpauth://totp/alice?${ok}&period=1e2`,
      `otpauth://totp/alice?${ok}&algorithm=MD5`,
      `otpauth://totp/alice?${ok}&algorithm=SHA-1`,
      `otpauth://totp/alice?${ok}&secret=GEZDGNBVGY3TQOJQ`,
      `otpauth://totp/ali%ZZce?${ok}`,
      `otpauth://totp/alice?${ok}&issuer=%E0%A4%A`,
      `otpauth://totp/ali%0Ace?${ok}`,
      `otpauth://totp/alice?${ok}&issuer=Evil%0D%0ACorp`,
      `otpauth://totp/${'a'.repeat(5000)}?${ok}`,
    ];
    for (const uri of bad) expectValidationFailed(() => parseOtpauthUri(uri));
  });

  it('refuses to build URIs the format cannot express', () => {
    expectValidationFailed(() => otpauthUri({ issuer: 'a:b', account: 'x', secret }));
    expectValidationFailed(() => otpauthUri({ issuer: '', account: 'x', secret }));
    expectValidationFailed(() => otpauthUri({ account: 'a:b', secret }));
    expectValidationFailed(() => otpauthUri({ account: '', secret }));
    expectValidationFailed(() => otpauthUri({ account: 'line\nbreak', secret }));
    expectValidationFailed(() => otpauthUri({ account: 'x', secret: new Uint8Array(0) }));
    expectValidationFailed(() => otpauthUri({ account: 'x', secret, params: { ...DEFAULT_TOTP, digits: 4 as 6 } }));
  });
});

describe('parseTotpSecret', () => {
  it('accepts an otpauth URI or a bare base32 secret', async () => {
    const uri = otpauthUri({ issuer: 'ACME', account: 'a@b.c', secret: utf8('12345678901234567890'), params: { ...DEFAULT_TOTP, digits: 8 } });
    expect(parseTotpSecret(`  ${uri}\n`)).toEqual(parseOtpauthUri(uri));
    expect(parseTotpSecret('gezd gnbv gy3t qojq gezd gnbv gy3t qojq')).toEqual({
      secret: utf8('12345678901234567890'),
      params: DEFAULT_TOTP,
    });
    const { secret, params } = parseTotpSecret('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(await totp(secret, 59_000, params)).toBe('287082');
  });

  it('rejects anything else', () => {
    for (const bad of ['', '   ', '====', 'not a secret!', 'otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP', 'https://example.com']) {
      expectValidationFailed(() => parseTotpSecret(bad));
    }
  });
});
