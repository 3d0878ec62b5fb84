import { readFileSync } from 'node:fs';
import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../src/crypto/decryption-error.ts';
import { fromHex, randomBytes, toHex, utf8 } from '../src/encoding.ts';
import { hpkeOpen, hpkeSeal } from '../src/sharing/hpke.ts';

interface Vector {
  info: string;
  ikmE: string;
  pkEm: string;
  skEm: string;
  ikmR: string;
  pkRm: string;
  skRm: string;
  enc: string;
  encryptions: { seq: number; pt: string; aad: string; ct: string }[];
  exports: { context: string; length: number; value: string }[];
}

const A11 = JSON.parse(readFileSync(new URL('./vectors/rfc9180-a1-1.json', import.meta.url), 'utf8')) as Vector;
const buf = (hex: string) => fromHex(hex).buffer;

async function x25519Pair(): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array }> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) };
}

describe('RFC 9180 Appendix A.1.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode) through @hpke/core', () => {
  // The suite Watchword uses differs from A.1.1 only in the AEAD (AES-256-GCM): the KEM, the KDF and the key schedule
  // checked here are the very classes `src/sharing/hpke.ts` builds its suite from.
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });

  it('DeriveKeyPair gives the published recipient and ephemeral keys', async () => {
    const recipient = await suite.kem.deriveKeyPair(buf(A11.ikmR));
    expect(toHex(new Uint8Array(await suite.kem.serializePublicKey(recipient.publicKey)))).toBe(A11.pkRm);
    expect(toHex(new Uint8Array(await suite.kem.serializePrivateKey(recipient.privateKey)))).toBe(A11.skRm);
    const ephemeral = await suite.kem.deriveKeyPair(buf(A11.ikmE));
    expect(toHex(new Uint8Array(await suite.kem.serializePublicKey(ephemeral.publicKey)))).toBe(A11.pkEm);
    expect(toHex(new Uint8Array(await suite.kem.serializePrivateKey(ephemeral.privateKey)))).toBe(A11.skEm);
  });

  it('the sender context gives the published enc, every ciphertext (sequence 0…256) and every exported value', async () => {
    const recipient = await suite.kem.deriveKeyPair(buf(A11.ikmR));
    const sender = await suite.createSenderContext({ recipientPublicKey: recipient.publicKey, info: buf(A11.info), ekm: await suite.kem.deriveKeyPair(buf(A11.ikmE)) });
    expect(toHex(new Uint8Array(sender.enc))).toBe(A11.enc);
    const bySeq = new Map(A11.encryptions.map((e) => [e.seq, e]));
    const last = Math.max(...bySeq.keys());
    for (let seq = 0; seq <= last; seq++) {
      const vector = bySeq.get(seq);
      // Sealing advances the sequence number; the sequences the RFC does not list are sealed and discarded.
      const ct = await sender.seal(buf(vector?.pt ?? '00'), buf(vector?.aad ?? '00'));
      if (vector) expect(toHex(new Uint8Array(ct)), `sequence ${seq}`).toBe(vector.ct);
    }
    for (const e of A11.exports) expect(toHex(new Uint8Array(await sender.export(buf(e.context), e.length)))).toBe(e.value);
  });

  it('the recipient context opens the published ciphertexts in order', async () => {
    const recipient = await suite.kem.deriveKeyPair(buf(A11.ikmR));
    const context = await suite.createRecipientContext({ recipientKey: recipient, enc: buf(A11.enc), info: buf(A11.info) });
    const first = A11.encryptions[0]!;
    expect(toHex(new Uint8Array(await context.open(buf(first.ct), buf(first.aad))))).toBe(first.pt);
    const second = A11.encryptions[1]!;
    expect(toHex(new Uint8Array(await context.open(buf(second.ct), buf(second.aad))))).toBe(second.pt);
  });
});

describe('hpkeSeal / hpkeOpen (X25519, HKDF-SHA256, AES-256-GCM)', () => {
  const info = utf8('watchword/test/info');
  const aad = utf8('aad');

  it('round-trips with a non-extractable recipient key, and interoperates with the library configured for the same suite', async () => {
    const recipient = await x25519Pair();
    const plaintext = randomBytes(32);
    const sealed = await hpkeSeal({ recipientPublicKey: recipient.publicKey, info, aad, plaintext });
    expect(sealed.enc.length).toBe(32);
    expect(sealed.ciphertext.length).toBe(48);
    expect(await hpkeOpen({ recipientKeyPair: recipient, enc: sealed.enc, info, aad, ciphertext: sealed.ciphertext })).toEqual(plaintext);

    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const pk = await suite.kem.deserializePublicKey(recipient.publicKey.slice().buffer);
    const { ct, enc } = await suite.seal({ recipientPublicKey: pk, info: info.buffer }, plaintext.buffer, aad.buffer);
    expect(await hpkeOpen({ recipientKeyPair: recipient, enc: new Uint8Array(enc), info, aad, ciphertext: new Uint8Array(ct) })).toEqual(plaintext);
  });

  it('refuses another info, another aad, a flipped bit, another recipient and a malformed enc with one DecryptionError', async () => {
    const recipient = await x25519Pair();
    const sealed = await hpkeSeal({ recipientPublicKey: recipient.publicKey, info, aad, plaintext: randomBytes(32) });
    const open = (over: Partial<Parameters<typeof hpkeOpen>[0]>) => hpkeOpen({ recipientKeyPair: recipient, enc: sealed.enc, info, aad, ciphertext: sealed.ciphertext, ...over });
    await expect(open({ info: utf8('watchword/test/other') })).rejects.toBeInstanceOf(DecryptionError);
    await expect(open({ aad: utf8('other') })).rejects.toBeInstanceOf(DecryptionError);
    const flipped = sealed.ciphertext.slice();
    flipped[0]! ^= 1;
    await expect(open({ ciphertext: flipped })).rejects.toBeInstanceOf(DecryptionError);
    await expect(open({ recipientKeyPair: await x25519Pair() })).rejects.toBeInstanceOf(DecryptionError);
    await expect(open({ enc: sealed.enc.subarray(1) })).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses to seal to a public key of the wrong length or of low order (RFC 9180 §7.1.4: an all-zero shared secret)', async () => {
    await expect(hpkeSeal({ recipientPublicKey: randomBytes(31), info, aad, plaintext: randomBytes(32) })).rejects.toThrow(TypeError);
    // The point u = 0 has order 1: its X25519 product with any scalar is zero.
    await expect(hpkeSeal({ recipientPublicKey: new Uint8Array(32), info, aad, plaintext: randomBytes(32) })).rejects.toThrow(TypeError);
  });
});
