import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toBase64Url } from '../src/encoding.ts';
import { effLongWordlist } from '../src/sharing/eff-long-wordlist.ts';
import { ed25519Verify, fingerprintPhrase, type PublicIdentity, sameIdentity, signIdentity, verifyIdentity } from '../src/sharing/identity.ts';

/** RFC 8032 §7.1, TEST 1–3 (Ed25519). */
const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];
/** PKCS#8 for an Ed25519 private key: the fixed RFC 8410 prefix, then the 32-byte seed. */
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

const USER = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';

async function newIdentity(userId = USER): Promise<{ identity: PublicIdentity; ed25519PrivateKey: CryptoKey }> {
  const x = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = async (key: CryptoKey) => toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', key)));
  return { identity: { userId, x25519PublicKey: await raw(x.publicKey), ed25519PublicKey: await raw(ed.publicKey) }, ed25519PrivateKey: ed.privateKey };
}

describe('Ed25519 through WebCrypto: RFC 8032 §7.1', () => {
  for (const v of RFC8032) {
    it(`${v.name}: signs to the published signature and verifies it`, async () => {
      const key = await crypto.subtle.importKey('pkcs8', concatBytes(ED25519_PKCS8_PREFIX, fromHex(v.secret)), { name: 'Ed25519' }, false, ['sign']);
      const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', key, fromHex(v.message)));
      expect(Buffer.from(signature).toString('hex')).toBe(v.signature);
      const pub = toBase64Url(fromHex(v.public));
      expect(await ed25519Verify(pub, fromHex(v.signature), fromHex(v.message))).toBe(true);
      expect(await ed25519Verify(pub, fromHex(v.signature), concatBytes(fromHex(v.message), Uint8Array.of(0)))).toBe(false);
    });
  }
});

describe('identity signature', () => {
  it('verifies for the identity it was made for, and for nothing else', async () => {
    const { identity, ed25519PrivateKey } = await newIdentity();
    const signature = await signIdentity(identity, ed25519PrivateKey);
    expect(await verifyIdentity(identity, signature)).toBe(true);
    const other = await newIdentity();
    // Another user id, a substituted X25519 key, a substituted Ed25519 key (with its own key's signature): all refused.
    expect(await verifyIdentity({ ...identity, userId: '0b7e1c9d-9c1a-4f0e-8f7d-5a2b3c4d5e6f' }, signature)).toBe(false);
    expect(await verifyIdentity({ ...identity, x25519PublicKey: other.identity.x25519PublicKey }, signature)).toBe(false);
    expect(await verifyIdentity({ ...identity, ed25519PublicKey: other.identity.ed25519PublicKey }, signature)).toBe(false);
    expect(await verifyIdentity(identity, 'AAAA')).toBe(false);
    expect(await verifyIdentity({ ...identity, x25519PublicKey: 'short' }, signature)).toBe(false);
    expect(sameIdentity(identity, { ...identity })).toBe(true);
    expect(sameIdentity(identity, { ...identity, x25519PublicKey: other.identity.x25519PublicKey })).toBe(false);
  });
});

describe('fingerprint phrase', () => {
  it('the EFF long wordlist is intact: 7,776 distinct words, abacus … zoom, pinned by its SHA-256', () => {
    const words = effLongWordlist();
    expect(words.length).toBe(7776);
    expect(new Set(words).size).toBe(7776);
    expect([words[0], words[7775]]).toEqual(['abacus', 'zoom']);
    expect(createHash('sha256').update(`${words.join('\n')}\n`).digest('hex')).toBe('6d557f0693958fb5e650b68b5bee585eb82cf4da32965505c789e924743bc522');
  });

  it('is five words, computed as documented (SHA-256 of the labelled identity, base-7776 digits, least significant first)', async () => {
    const identity: PublicIdentity = { userId: USER, x25519PublicKey: toBase64Url(new Uint8Array(32).fill(1)), ed25519PublicKey: toBase64Url(new Uint8Array(32).fill(2)) };
    const digest = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`watchword/v1/fingerprint\0${USER}\0`), Buffer.alloc(32, 1), Buffer.alloc(32, 2)]))
      .digest('hex');
    let n = BigInt(`0x${digest}`);
    const expected: string[] = [];
    for (let i = 0; i < 5; i++) {
      expected.push(effLongWordlist()[Number(n % 7776n)]!);
      n /= 7776n;
    }
    const phrase = await fingerprintPhrase(identity);
    expect(phrase).toEqual(expected);
    // Deterministic, and different for another user id or another key.
    expect(await fingerprintPhrase({ ...identity })).toEqual(phrase);
    expect(await fingerprintPhrase({ ...identity, userId: '0b7e1c9d-9c1a-4f0e-8f7d-5a2b3c4d5e6f' })).not.toEqual(phrase);
    expect(await fingerprintPhrase({ ...identity, x25519PublicKey: toBase64Url(new Uint8Array(32).fill(3)) })).not.toEqual(phrase);
  });
});
