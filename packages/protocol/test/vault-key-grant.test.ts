import { beforeAll, describe, expect, it } from 'vitest';
import { DecryptionError } from '../src/crypto/decryption-error.ts';
import { fromBase64Url, randomBytes, toBase64Url } from '../src/encoding.ts';
import { openVaultKeyGrant, sealVaultKeyGrant, vaultKeyGrantGranter } from '../src/sharing/vault-key-grant.ts';

const ADMIN = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';
const MEMBER = '0b7e1c9d-9c1a-4f0e-8f7d-5a2b3c4d5e6f';
const OTHER = 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f';
const VAULT = '5f2c8a1e-1b3d-4e6f-8a9b-0c1d2e3f4a5b';
const OTHER_VAULT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

interface Keys {
  x25519PrivateKey: CryptoKey;
  x25519PublicKey: string;
  ed25519PrivateKey: CryptoKey;
  ed25519PublicKey: string;
}

async function keys(): Promise<Keys> {
  const x = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = async (key: CryptoKey) => toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', key)));
  return { x25519PrivateKey: x.privateKey, x25519PublicKey: await raw(x.publicKey), ed25519PrivateKey: ed.privateKey, ed25519PublicKey: await raw(ed.publicKey) };
}

describe('vault key grants (HPKE to the member, signed by the granter)', () => {
  let admin: Keys;
  let member: Keys;
  let other: Keys;
  const vaultKey = randomBytes(32);
  const olderKey = randomBytes(32);
  let sealed: string;
  const slot = { vaultId: VAULT, keyVersion: 2, recipientUserId: MEMBER };

  beforeAll(async () => {
    [admin, member, other] = await Promise.all([keys(), keys(), keys()]);
    sealed = await sealVaultKeyGrant({ ...slot, vaultKeys: [vaultKey, olderKey], recipientX25519PublicKey: member.x25519PublicKey, granter: { userId: ADMIN, ed25519PrivateKey: admin.ed25519PrivateKey } });
  });

  const open = (over: Record<string, unknown> = {}) =>
    openVaultKeyGrant({
      ...slot,
      sealed,
      recipient: { x25519PrivateKey: member.x25519PrivateKey, x25519PublicKey: member.x25519PublicKey },
      granterEd25519PublicKey: admin.ed25519PublicKey,
      ...over,
    });

  it('opens for the member, vault and key version it was made for, and names its granter', async () => {
    expect(fromBase64Url(sealed).length).toBe(1 + 16 + 32 + 64 + 2 * 32 + 16);
    expect(vaultKeyGrantGranter(sealed)).toBe(ADMIN);
    expect(await open()).toEqual([vaultKey, olderKey]);
  });

  it('cannot be replayed for another vault, key version or member', async () => {
    await expect(open({ vaultId: OTHER_VAULT })).rejects.toBeInstanceOf(DecryptionError);
    await expect(open({ keyVersion: 3 })).rejects.toBeInstanceOf(DecryptionError);
    // Another member holding the same blob: neither the slot nor the key fits.
    await expect(open({ recipientUserId: OTHER, recipient: { x25519PrivateKey: other.x25519PrivateKey, x25519PublicKey: other.x25519PublicKey } })).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses a grant not signed by the named granter: a server-made grant, a swapped granter id, a flipped bit', async () => {
    // The server seals a key it knows to the member and signs with a key of its own.
    const forged = await sealVaultKeyGrant({ ...slot, vaultKeys: [randomBytes(32)], recipientX25519PublicKey: member.x25519PublicKey, granter: { userId: ADMIN, ed25519PrivateKey: other.ed25519PrivateKey } });
    await expect(open({ sealed: forged })).rejects.toBeInstanceOf(DecryptionError);
    // The admin's genuine grant relabelled as another granter's: the signature covers the granter id.
    const relabelled = fromBase64Url(sealed);
    relabelled[1]! ^= 0x01;
    await expect(open({ sealed: toBase64Url(relabelled), granterEd25519PublicKey: other.ed25519PublicKey })).rejects.toBeInstanceOf(DecryptionError);
    const flipped = fromBase64Url(sealed);
    flipped[flipped.length - 1]! ^= 0x80;
    await expect(open({ sealed: toBase64Url(flipped) })).rejects.toBeInstanceOf(DecryptionError);
    await expect(open({ sealed: sealed.slice(0, -4) })).rejects.toBeInstanceOf(DecryptionError);
    expect(() => vaultKeyGrantGranter('!!')).toThrow(DecryptionError);
  });

  it('refuses bad input when sealing', async () => {
    const granter = { userId: ADMIN, ed25519PrivateKey: admin.ed25519PrivateKey };
    await expect(sealVaultKeyGrant({ ...slot, vaultKeys: [randomBytes(16)], recipientX25519PublicKey: member.x25519PublicKey, granter })).rejects.toThrow(RangeError);
    await expect(sealVaultKeyGrant({ ...slot, vaultKeys: [], recipientX25519PublicKey: member.x25519PublicKey, granter })).rejects.toThrow(RangeError);
    await expect(sealVaultKeyGrant({ ...slot, keyVersion: 0, vaultKeys: [vaultKey], recipientX25519PublicKey: member.x25519PublicKey, granter })).rejects.toThrow(RangeError);
    await expect(sealVaultKeyGrant({ ...slot, vaultKeys: [vaultKey], recipientX25519PublicKey: member.x25519PublicKey, granter: { ...granter, userId: 'not-a-uuid' } })).rejects.toThrow(TypeError);
  });

  it('carries at most keyVersion keys, and at most 64: the chain fits the 4,096 characters of the contract', async () => {
    const granter = { userId: ADMIN, ed25519PrivateKey: admin.ed25519PrivateKey };
    const chain = Array.from({ length: 70 }, () => randomBytes(32));
    const long = await sealVaultKeyGrant({ ...slot, keyVersion: 100, vaultKeys: chain, recipientX25519PublicKey: member.x25519PublicKey, granter });
    expect(long.length).toBeLessThanOrEqual(4096);
    const opened = await open({ sealed: long, keyVersion: 100 });
    expect(opened.length).toBe(64);
    expect(opened[63]).toEqual(chain[63]);
    // Version 1 has no older keys: a chain longer than the version is cut to one key.
    const first = await sealVaultKeyGrant({ ...slot, keyVersion: 1, vaultKeys: chain, recipientX25519PublicKey: member.x25519PublicKey, granter });
    expect(await open({ sealed: first, keyVersion: 1 })).toEqual([chain[0]]);
  });
});
