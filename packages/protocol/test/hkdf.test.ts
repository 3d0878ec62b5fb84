import { describe, expect, it } from 'vitest';
import { hkdfSha256, hkdfSha256AesKey } from '../src/crypto/hkdf.ts';
import { importAesKey } from '../src/crypto/aead.ts';
import { fromHex, toHex, utf8 } from '../src/encoding.ts';

const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

// RFC 5869 Appendix A, the SHA-256 cases (https://www.rfc-editor.org/rfc/rfc5869#appendix-A).
describe('hkdfSha256 — RFC 5869 Appendix A', () => {
  it('A.1 Test Case 1: basic test case with SHA-256', async () => {
    const okm = await hkdfSha256(new Uint8Array(22).fill(0x0b), range(0x00, 0x0c), range(0xf0, 0xf9), 42);
    expect(toHex(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('A.2 Test Case 2: test with SHA-256 and longer inputs/outputs', async () => {
    const okm = await hkdfSha256(range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82);
    expect(toHex(okm)).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
        '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
        'cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
  });

  it('A.3 Test Case 3: test with SHA-256 and zero-length salt/info', async () => {
    const okm = await hkdfSha256(new Uint8Array(22).fill(0x0b), new Uint8Array(0), new Uint8Array(0), 42);
    expect(toHex(okm)).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('rejects output lengths outside 1..255·HashLen (RFC 5869 §2.3)', async () => {
    const ikm = new Uint8Array(32);
    await expect(hkdfSha256(ikm, ikm, ikm, 0)).rejects.toThrow(RangeError);
    await expect(hkdfSha256(ikm, ikm, ikm, 255 * 32 + 1)).rejects.toThrow(RangeError);
    await expect(hkdfSha256(ikm, ikm, ikm, 1.5)).rejects.toThrow(RangeError);
    expect((await hkdfSha256(ikm, ikm, ikm, 255 * 32)).length).toBe(255 * 32);
  });
});

describe('hkdfSha256AesKey', () => {
  it('derives the same key as importing hkdfSha256 output, but non-extractable', async () => {
    const ikm = fromHex('0b'.repeat(22));
    const salt = utf8('salt');
    const info = utf8('info');
    const derived = await hkdfSha256AesKey(ikm, salt, info);
    const imported = await importAesKey(await hkdfSha256(ikm, salt, info, 32));
    expect(derived.extractable).toBe(false);
    expect(derived.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    const iv = new Uint8Array(12);
    const message = utf8('same key?');
    const a = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, derived, message);
    const b = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, imported, message);
    expect(toHex(new Uint8Array(a))).toBe(toHex(new Uint8Array(b)));
  });
});
