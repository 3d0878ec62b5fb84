import { describe, expect, it } from 'vitest';
import { ENVELOPE_VERSION, importAesKey, openBytes, sealBytes } from '../src/crypto/aead.ts';
import { DecryptionError } from '../src/crypto/decryption-error.ts';
import { concatBytes, fromBase64Url, fromHex, randomBytes, toBase64Url, toHex, utf8 } from '../src/encoding.ts';

/**
 * AES-256-GCM known answers from D. McGrew and J. Viega, "The Galois/Counter Mode of
 * Operation (GCM)", revised submission to NIST (2005), Appendix B, Test Cases 13–16
 * (the 256-bit-key cases). They check the platform primitive the envelope is built on.
 */
const GCM_K = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const GCM_P =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const GCM_C =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
  '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';
const VECTORS = [
  { name: 'Test Case 13', k: '00'.repeat(32), iv: '00'.repeat(12), p: '', a: '', c: '', t: '530f8afbc74536b9a963b4f1c4cb738b' },
  {
    name: 'Test Case 14',
    k: '00'.repeat(32),
    iv: '00'.repeat(12),
    p: '00'.repeat(16),
    a: '',
    c: 'cea7403d4d606b6e074ec5d3baf39d18',
    t: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  { name: 'Test Case 15', k: GCM_K, iv: 'cafebabefacedbaddecaf888', p: GCM_P, a: '', c: GCM_C, t: 'b094dac5d93471bdec1a502270e3cc6c' },
  {
    name: 'Test Case 16',
    k: GCM_K,
    iv: 'cafebabefacedbaddecaf888',
    p: GCM_P.slice(0, 120),
    a: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    c: GCM_C.slice(0, 120),
    t: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

describe('AES-256-GCM — McGrew & Viega GCM specification, Appendix B', () => {
  for (const v of VECTORS) {
    it(v.name, async () => {
      const key = await importAesKey(fromHex(v.k));
      const params = { name: 'AES-GCM', iv: fromHex(v.iv), additionalData: fromHex(v.a), tagLength: 128 };
      const out = new Uint8Array(await crypto.subtle.encrypt(params, key, fromHex(v.p)));
      expect(toHex(out)).toBe(v.c + v.t);
      const back = new Uint8Array(await crypto.subtle.decrypt(params, key, out));
      expect(toHex(back)).toBe(v.p);
    });
  }
});

describe('sealBytes / openBytes envelope', () => {
  const aad = utf8('watchword/test\0slot');

  it('round-trips, with a fresh nonce each time', async () => {
    const key = await importAesKey(randomBytes(32));
    const message = utf8('correct horse battery staple');
    const a = await sealBytes(key, message, aad);
    const b = await sealBytes(key, message, aad);
    expect(a).not.toBe(b);
    expect(await openBytes(key, a, aad)).toEqual(message);
    expect(await openBytes(key, b, aad)).toEqual(message);
    expect(await openBytes(key, await sealBytes(key, new Uint8Array(0), aad), aad)).toEqual(new Uint8Array(0));
  });

  it('has the documented layout: version ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag, AAD = version ‖ aad', async () => {
    const raw = randomBytes(32);
    const key = await importAesKey(raw);
    const message = utf8('layout');
    const bytes = fromBase64Url(await sealBytes(key, message, aad));
    expect(bytes[0]).toBe(ENVELOPE_VERSION);
    expect(bytes.length).toBe(1 + 12 + message.length + 16);
    // Rebuild an envelope independently with WebCrypto and check openBytes accepts it.
    const iv = randomBytes(12);
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: concatBytes(Uint8Array.of(0x01), aad) },
      key,
      message,
    );
    const envelope = toBase64Url(concatBytes(Uint8Array.of(0x01), iv, new Uint8Array(ct)));
    expect(await openBytes(key, envelope, aad)).toEqual(message);
  });

  it('fails when any single byte of the envelope is altered', async () => {
    const key = await importAesKey(randomBytes(32));
    const bytes = fromBase64Url(await sealBytes(key, utf8('tamper me'), aad));
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i]! ^= 0x01;
      await expect(openBytes(key, toBase64Url(tampered), aad), `byte ${i}`).rejects.toThrow(DecryptionError);
    }
  });

  it('fails with another AAD or another key', async () => {
    const key = await importAesKey(randomBytes(32));
    const envelope = await sealBytes(key, utf8('bound'), aad);
    await expect(openBytes(key, envelope, utf8('watchword/test\0other'))).rejects.toThrow(DecryptionError);
    await expect(openBytes(key, envelope, new Uint8Array(0))).rejects.toThrow(DecryptionError);
    await expect(openBytes(await importAesKey(randomBytes(32)), envelope, aad)).rejects.toThrow(DecryptionError);
  });

  it('rejects truncated, empty, non-base64url and unknown-version envelopes with the same error', async () => {
    const key = await importAesKey(randomBytes(32));
    const bytes = fromBase64Url(await sealBytes(key, utf8('x'), aad));
    const cases = [
      toBase64Url(bytes.subarray(0, bytes.length - 1)),
      toBase64Url(bytes.subarray(0, 1 + 12 + 15)),
      '',
      'not base64url!',
      toBase64Url(concatBytes(Uint8Array.of(0x02), bytes.subarray(1))),
    ];
    for (const envelope of cases) {
      const error = await openBytes(key, envelope, aad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DecryptionError);
      expect((error as DecryptionError).message).toBe('decryption failed');
      expect((error as DecryptionError).cause).toBeUndefined();
    }
  });

  it('imports keys non-extractable by default and refuses non-256-bit keys', async () => {
    expect((await importAesKey(randomBytes(32))).extractable).toBe(false);
    expect((await importAesKey(randomBytes(32), true)).extractable).toBe(true);
    await expect(importAesKey(randomBytes(16))).rejects.toThrow(RangeError);
  });
});
