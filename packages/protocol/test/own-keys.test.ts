import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../src/crypto/decryption-error.ts';
import { randomBytes } from '../src/encoding.ts';
import { createSharingKeys, openSharingKeys } from '../src/sharing/own-keys.ts';
import { verifyIdentity } from '../src/sharing/identity.ts';
import { verifySharingKeySignature } from '../src/sharing-keys.ts';
import { openVaultName, sealVaultName, vaultNameKeyVersion } from '../src/sharing/vault-name.ts';
import { WatchwordError } from '../src/errors.ts';

const USER = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';
const OTHER = '0b7e1c9d-9c1a-4f0e-8f7d-5a2b3c4d5e6f';
const VAULT = '5f2c8a1e-1b3d-4e6f-8a9b-0c1d2e3f4a5b';

describe('own sharing keys', () => {
  it('registers a signature the contract (and so the server) verifies, and opens again with the account key', async () => {
    const accountKey = randomBytes(32);
    const { keys, registration } = await createSharingKeys({ accountKey, userId: USER });
    expect(await verifySharingKeySignature({ userId: USER, ...registration })).toBe(true);
    expect(await verifyIdentity({ userId: USER, x25519PublicKey: registration.x25519PublicKey, ed25519PublicKey: registration.ed25519PublicKey }, registration.keySignature)).toBe(true);
    const opened = await openSharingKeys({ accountKey, userId: USER, own: registration });
    expect([opened.x25519PublicKey, opened.ed25519PublicKey]).toEqual([keys.x25519PublicKey, keys.ed25519PublicKey]);
    expect(opened.x25519PrivateKey.extractable).toBe(false);
  });

  it('refuses another account key, another user id, or public keys other than the sealed ones', async () => {
    const accountKey = randomBytes(32);
    const { registration } = await createSharingKeys({ accountKey, userId: USER });
    const other = await createSharingKeys({ accountKey, userId: USER });
    await expect(openSharingKeys({ accountKey: randomBytes(32), userId: USER, own: registration })).rejects.toBeInstanceOf(DecryptionError);
    await expect(openSharingKeys({ accountKey, userId: OTHER, own: registration })).rejects.toBeInstanceOf(DecryptionError);
    await expect(openSharingKeys({ accountKey, userId: USER, own: { ...registration, x25519PublicKey: other.registration.x25519PublicKey } })).rejects.toBeInstanceOf(DecryptionError);
  });
});

describe('vault names', () => {
  it('round-trips under the key of its version and binds the vault id and version', async () => {
    const vaultKey = randomBytes(32);
    const sealed = await sealVaultName({ vaultKey, vaultId: VAULT, keyVersion: 3, name: '  Family  ' });
    expect(vaultNameKeyVersion(sealed)).toBe(3);
    expect(await openVaultName({ vaultKey, vaultId: VAULT, sealed })).toBe('Family');
    await expect(openVaultName({ vaultKey, vaultId: OTHER, sealed })).rejects.toBeInstanceOf(DecryptionError);
    await expect(openVaultName({ vaultKey: randomBytes(32), vaultId: VAULT, sealed })).rejects.toBeInstanceOf(DecryptionError);
    await expect(sealVaultName({ vaultKey, vaultId: VAULT, keyVersion: 1, name: ' ' })).rejects.toBeInstanceOf(WatchwordError);
    await expect(sealVaultName({ vaultKey, vaultId: VAULT, keyVersion: 1, name: 'x'.repeat(129) })).rejects.toBeInstanceOf(WatchwordError);
  });
});
