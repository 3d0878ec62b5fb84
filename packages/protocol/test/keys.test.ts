import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CreatedAccountKeys,
  createAccountKeys,
  recoverAccountKey,
  unlockAccountKey,
  unwrapPrivateKeys,
  unwrapVaultKey,
  wrapVaultKey,
} from '../src/keys.ts';
import { DecryptionError } from '../src/crypto/decryption-error.ts';
import { WatchwordError } from '../src/errors.ts';
import { fromBase64Url, randomBytes, toBase64Url, utf8 } from '../src/encoding.ts';
import { formatRecoveryKey } from '../src/recovery-key.ts';

const USER_A = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';
const USER_B = '0b7e1c9d-9c1a-4f0e-8f7d-5a2b3c4d5e6f';
const VAULT = '5f2c8a1e-1b3d-4e6f-8a9b-0c1d2e3f4a5b';
const OTHER_VAULT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

/** Stand-in for an OPAQUE export key (64 bytes for the SHA-512 configuration). */
const newExportKey = () => toBase64Url(randomBytes(64));

describe('account key hierarchy', () => {
  let exportKey: string;
  let created: CreatedAccountKeys;

  beforeAll(async () => {
    exportKey = newExportKey();
    created = await createAccountKeys({ exportKey, userId: USER_A, personalVaultId: VAULT });
  });

  it('produces the documented material: 32-byte keys, ≥16-byte salts, raw 32-byte public keys', () => {
    const { material, accountKey, vaultKey } = created;
    expect(accountKey.length).toBe(32);
    expect(vaultKey.length).toBe(32);
    expect(accountKey).not.toEqual(vaultKey);
    expect(fromBase64Url(material.kekSalt).length).toBeGreaterThanOrEqual(16);
    expect(fromBase64Url(material.recoverySalt).length).toBeGreaterThanOrEqual(16);
    expect(material.kekSalt).not.toBe(material.recoverySalt);
    expect(fromBase64Url(material.x25519PublicKey).length).toBe(32);
    expect(fromBase64Url(material.ed25519PublicKey).length).toBe(32);
    expect(material.personalVault.id).toBe(VAULT);
    // Nothing secret travels in the clear.
    const serialised = JSON.stringify(material);
    expect(serialised).not.toContain(toBase64Url(accountKey));
    expect(serialised).not.toContain(toBase64Url(vaultKey));
  });

  it('round-trips: export key → account key → vault key and private keys', async () => {
    const { material } = created;
    const accountKey = await unlockAccountKey({ exportKey, userId: USER_A, ...pick(material, 'kekSalt', 'wrappedAccountKey') });
    expect(accountKey).toEqual(created.accountKey);
    const vaultKey = await unwrapVaultKey({ accountKey, userId: USER_A, vaultId: VAULT, wrappedKey: material.personalVault.wrappedKey });
    expect(vaultKey).toEqual(created.vaultKey);

    const keys = await unwrapPrivateKeys({
      accountKey,
      userId: USER_A,
      wrappedX25519PrivateKey: material.wrappedX25519PrivateKey,
      wrappedEd25519PrivateKey: material.wrappedEd25519PrivateKey,
    });
    expect(keys.x25519PrivateKey.extractable).toBe(false);
    expect(keys.ed25519PrivateKey.extractable).toBe(false);

    // The Ed25519 private key matches the published public key.
    const message = utf8('sharing invitation');
    const signature = await crypto.subtle.sign('Ed25519', keys.ed25519PrivateKey, message);
    const edPublic = await crypto.subtle.importKey('raw', fromBase64Url(material.ed25519PublicKey), 'Ed25519', true, ['verify']);
    expect(await crypto.subtle.verify('Ed25519', edPublic, signature, message)).toBe(true);

    // The X25519 private key matches the published public key: both sides agree.
    const peer = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
    const xPublic = await crypto.subtle.importKey('raw', fromBase64Url(material.x25519PublicKey), 'X25519', true, []);
    const ours = await crypto.subtle.deriveBits({ name: 'X25519', public: peer.publicKey }, keys.x25519PrivateKey, 256);
    const theirs = await crypto.subtle.deriveBits({ name: 'X25519', public: xPublic }, peer.privateKey, 256);
    expect(new Uint8Array(ours)).toEqual(new Uint8Array(theirs));
  });

  it('fails with a wrong export key', async () => {
    await expect(
      unlockAccountKey({ exportKey: newExportKey(), userId: USER_A, ...pick(created.material, 'kekSalt', 'wrappedAccountKey') }),
    ).rejects.toThrow(DecryptionError);
  });

  it('fails with a wrong KEK salt', async () => {
    await expect(
      unlockAccountKey({
        exportKey,
        userId: USER_A,
        kekSalt: toBase64Url(randomBytes(32)),
        wrappedAccountKey: created.material.wrappedAccountKey,
      }),
    ).rejects.toThrow(DecryptionError);
  });

  it('binds the wrapped account key to its user: user A’s wrap does not open as user B', async () => {
    await expect(
      unlockAccountKey({ exportKey, userId: USER_B, ...pick(created.material, 'kekSalt', 'wrappedAccountKey') }),
    ).rejects.toThrow(DecryptionError);
  });

  it('binds a wrapped vault key to its vault id and user', async () => {
    const wrappedKey = created.material.personalVault.wrappedKey;
    const accountKey = created.accountKey;
    await expect(unwrapVaultKey({ accountKey, userId: USER_A, vaultId: OTHER_VAULT, wrappedKey })).rejects.toThrow(DecryptionError);
    await expect(unwrapVaultKey({ accountKey, userId: USER_B, vaultId: VAULT, wrappedKey })).rejects.toThrow(DecryptionError);
    await expect(
      unwrapVaultKey({ accountKey: randomBytes(32), userId: USER_A, vaultId: VAULT, wrappedKey }),
    ).rejects.toThrow(DecryptionError);
  });

  it('wraps further vault keys that unwrap only for their vault', async () => {
    const vaultKey = randomBytes(32);
    const wrappedKey = await wrapVaultKey({ accountKey: created.accountKey, userId: USER_A, vaultId: OTHER_VAULT, vaultKey });
    expect(await unwrapVaultKey({ accountKey: created.accountKey, userId: USER_A, vaultId: OTHER_VAULT, wrappedKey })).toEqual(vaultKey);
    await expect(unwrapVaultKey({ accountKey: created.accountKey, userId: USER_A, vaultId: VAULT, wrappedKey })).rejects.toThrow(DecryptionError);
  });

  it('does not let one wrap stand in for another role (AAD names the purpose)', async () => {
    const { material, accountKey } = created;
    // X25519 wrap offered as the Ed25519 one.
    await expect(
      unwrapPrivateKeys({
        accountKey,
        userId: USER_A,
        wrappedX25519PrivateKey: material.wrappedX25519PrivateKey,
        wrappedEd25519PrivateKey: material.wrappedX25519PrivateKey,
      }),
    ).rejects.toThrow(DecryptionError);
    // A private-key wrap offered as a vault key.
    await expect(
      unwrapVaultKey({ accountKey, userId: USER_A, vaultId: VAULT, wrappedKey: material.wrappedEd25519PrivateKey }),
    ).rejects.toThrow(DecryptionError);
    // Another user's private keys.
    await expect(
      unwrapPrivateKeys({
        accountKey,
        userId: USER_B,
        wrappedX25519PrivateKey: material.wrappedX25519PrivateKey,
        wrappedEd25519PrivateKey: material.wrappedEd25519PrivateKey,
      }),
    ).rejects.toThrow(DecryptionError);
  });

  it('recovers the account key with the recovery key, as shown or as retyped', async () => {
    const { material, recoveryKey } = created;
    const input = { userId: USER_A, ...pick(material, 'recoverySalt', 'recoveryWrappedKey') };
    expect(await recoverAccountKey({ recoveryKey, ...input })).toEqual(created.accountKey);
    const retyped = recoveryKey.toLowerCase().replace(/-/g, ' ');
    expect(await recoverAccountKey({ recoveryKey: retyped, ...input })).toEqual(created.accountKey);
  });

  it('reports a mistyped recovery key as a validation error, before any decryption', async () => {
    const { material, recoveryKey } = created;
    const last = recoveryKey.at(-1) === '0' ? '1' : '0';
    const typo = recoveryKey.slice(0, -1) + last;
    const error = await recoverAccountKey({ recoveryKey: typo, userId: USER_A, ...pick(material, 'recoverySalt', 'recoveryWrappedKey') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WatchwordError);
    expect((error as WatchwordError).code).toBe('VALIDATION_FAILED');
  });

  it('fails to recover with a well-formed but different recovery key, or as another user', async () => {
    const { material, recoveryKey } = created;
    const input = pick(material, 'recoverySalt', 'recoveryWrappedKey');
    await expect(
      recoverAccountKey({ recoveryKey: formatRecoveryKey(randomBytes(32)), userId: USER_A, ...input }),
    ).rejects.toThrow(DecryptionError);
    await expect(recoverAccountKey({ recoveryKey, userId: USER_B, ...input })).rejects.toThrow(DecryptionError);
  });

  it('gives every account fresh keys and salts', async () => {
    const other = await createAccountKeys({ exportKey, userId: USER_A, personalVaultId: VAULT });
    expect(other.accountKey).not.toEqual(created.accountKey);
    expect(other.material.kekSalt).not.toBe(created.material.kekSalt);
    expect(other.recoveryKey).not.toBe(created.recoveryKey);
    expect(other.material.x25519PublicKey).not.toBe(created.material.x25519PublicKey);
  });

  it('refuses an export key that is not 64 bytes of base64url', async () => {
    await expect(
      createAccountKeys({ exportKey: toBase64Url(randomBytes(32)), userId: USER_A, personalVaultId: VAULT }),
    ).rejects.toThrow(TypeError);
    await expect(createAccountKeys({ exportKey: '***', userId: USER_A, personalVaultId: VAULT })).rejects.toThrow(TypeError);
  });
});

function pick<T extends object, K extends keyof T>(object: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, object[k]])) as Pick<T, K>;
}
