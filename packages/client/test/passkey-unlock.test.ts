/**
 * The passkey PRF wrap of the account key (passkey-unlock.ts, docs/crypto.md "Passkey unlock"), checked against an
 * independent implementation (node:crypto HKDF and AES-256-GCM, written from the documented construction) with fixed
 * inputs: a known answer both ways, and every binding (user id, credential id, PRF output) refusing. And the unlock from
 * a given list of envelopes (the server's, or the one a device keeps for offline): no server, a local ceremony.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PASSKEY_PRF_SALT, type PasskeyRequestOptions, PasskeyUnlockError, unlockWithPasskeyEntries, unwrapAccountKeyWithPasskey, wrapAccountKeyForPasskey } from '../src/passkey-unlock.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const PRF = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const ACCOUNT_KEY = hex('a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf');
const USER = '0b7c7f1e-3d2a-4c1b-9e8f-7a6b5c4d3e2f';
const CREDENTIAL = 'q83vEjRWeJCrze8SNFZ4kA';
const NONCE = hex('1112131415161718191a1b1c');

/** The documented construction, independently: HKDF-SHA-256 → AES-256-GCM, envelope 0x01 ‖ nonce ‖ ct ‖ tag. */
function referenceKey(prf: Uint8Array, userId: string, credentialId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', prf, Buffer.alloc(32), Buffer.from(`watchword/v1/passkey-unlock/key\0${userId}\0${credentialId}`), 32));
}
function referenceAad(userId: string): Buffer {
  return Buffer.concat([Buffer.of(1), Buffer.from(`watchword/v1/passkey-unlock\0${userId}`)]);
}
function referenceWrap(nonce: Uint8Array): string {
  const cipher = createCipheriv('aes-256-gcm', referenceKey(PRF, USER, CREDENTIAL), nonce);
  cipher.setAAD(referenceAad(USER));
  const ct = Buffer.concat([cipher.update(ACCOUNT_KEY), cipher.final()]);
  return Buffer.concat([Buffer.of(1), nonce, ct, cipher.getAuthTag()]).toString('base64url');
}

describe('passkey PRF wrap', () => {
  it('derives the documented key (known answer)', () => {
    // Pinned so a change of label, salt or order shows up here and in docs/crypto.md together.
    expect(referenceKey(PRF, USER, CREDENTIAL).toString('hex')).toBe('bf2b56011805abca7ea723f5022013e01e7008f7d5ebda796e5bfcf0b2af3c15');
    expect(Buffer.from(PASSKEY_PRF_SALT).toString()).toBe('watchword/v1/passkey-unlock/prf-salt');
  });

  it('opens an envelope made by the independent implementation (known answer)', async () => {
    const envelope = referenceWrap(NONCE);
    expect(envelope).toBe(KNOWN_ENVELOPE);
    expect(Buffer.from(await unwrapAccountKeyWithPasskey({ prfOutput: PRF, userId: USER, credentialId: CREDENTIAL, wrapped: envelope })).toString('hex')).toBe(Buffer.from(ACCOUNT_KEY).toString('hex'));
  });

  it('wraps so that the independent implementation opens it', async () => {
    const wrapped = await wrapAccountKeyForPasskey({ prfOutput: PRF, userId: USER, credentialId: CREDENTIAL, accountKey: ACCOUNT_KEY });
    const bytes = Buffer.from(wrapped, 'base64url');
    expect(bytes.length).toBe(1 + 12 + 32 + 16);
    expect(bytes[0]).toBe(1);
    const decipher = createDecipheriv('aes-256-gcm', referenceKey(PRF, USER, CREDENTIAL), bytes.subarray(1, 13));
    decipher.setAAD(referenceAad(USER));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    expect(Buffer.concat([decipher.update(bytes.subarray(13, bytes.length - 16)), decipher.final()]).toString('hex')).toBe(Buffer.from(ACCOUNT_KEY).toString('hex'));
    // A fresh nonce each time.
    expect(await wrapAccountKeyForPasskey({ prfOutput: PRF, userId: USER, credentialId: CREDENTIAL, accountKey: ACCOUNT_KEY })).not.toBe(wrapped);
  });

  it('refuses another account, another credential, another PRF output, a damaged envelope', async () => {
    const wrapped = referenceWrap(NONCE);
    const otherPrf = PRF.slice();
    otherPrf[0]! ^= 1;
    const damaged = Buffer.from(wrapped, 'base64url');
    damaged[20]! ^= 1;
    for (const input of [
      { prfOutput: PRF, userId: '1b7c7f1e-3d2a-4c1b-9e8f-7a6b5c4d3e2f', credentialId: CREDENTIAL, wrapped },
      { prfOutput: PRF, userId: USER, credentialId: 'another-credential', wrapped },
      { prfOutput: otherPrf, userId: USER, credentialId: CREDENTIAL, wrapped },
      { prfOutput: PRF.subarray(0, 16), userId: USER, credentialId: CREDENTIAL, wrapped },
      { prfOutput: PRF, userId: USER, credentialId: CREDENTIAL, wrapped: damaged.toString('base64url') },
      { prfOutput: PRF, userId: USER, credentialId: CREDENTIAL, wrapped: 'not base64!' },
    ]) {
      await expect(unwrapAccountKeyWithPasskey(input)).rejects.toBeInstanceOf(PasskeyUnlockError);
    }
  });
});

describe('unlock from a list of envelopes (offline: the ones a device kept)', () => {
  const kept = [
    { id: 'other-credential', transports: ['usb' as const], wrappedAccountKey: 'AQ' },
    { id: CREDENTIAL, transports: ['internal' as const], wrappedAccountKey: referenceWrap(NONCE) },
  ];
  /** An authenticator that holds CREDENTIAL and answers the PRF for the documented salt only. */
  const authenticator = (asked: PasskeyRequestOptions[], prf: Uint8Array = PRF, id = CREDENTIAL) => async (options: PasskeyRequestOptions) => {
    asked.push(options);
    const first = Buffer.from(options.extensions.prf.eval.first, 'base64url');
    return {
      response: { id, rawId: id, type: 'public-key' as const, response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' }, clientExtensionResults: {} },
      ...(first.equals(Buffer.from(PASSKEY_PRF_SALT)) ? { prfOutput: prf.slice() } : {}),
    };
  };

  it('asks for the kept credentials with the same PRF salt and a fresh random challenge, and opens the used one', async () => {
    const asked: PasskeyRequestOptions[] = [];
    const first = await unlockWithPasskeyEntries({ userId: USER, get: authenticator(asked), passkeys: kept });
    expect(first.credentialId).toBe(CREDENTIAL);
    expect(Buffer.from(first.accountKey).toString('hex')).toBe(Buffer.from(ACCOUNT_KEY).toString('hex'));
    await unlockWithPasskeyEntries({ userId: USER, get: authenticator(asked), passkeys: kept });
    expect(asked[0]?.allowCredentials).toEqual([
      { id: 'other-credential', type: 'public-key', transports: ['usb'] },
      { id: CREDENTIAL, type: 'public-key', transports: ['internal'] },
    ]);
    expect(asked[0]?.userVerification).toBe('required');
    expect(Buffer.from(asked[0]?.challenge ?? '', 'base64url').length).toBe(32);
    expect(asked[0]?.challenge).not.toBe(asked[1]?.challenge);
  });

  it('refuses with nothing kept, a credential not in the list, another PRF output', async () => {
    const otherPrf = PRF.slice();
    otherPrf[1]! ^= 1;
    await expect(unlockWithPasskeyEntries({ userId: USER, get: authenticator([]), passkeys: [] })).rejects.toBeInstanceOf(PasskeyUnlockError);
    await expect(unlockWithPasskeyEntries({ userId: USER, get: authenticator([], PRF, 'unknown'), passkeys: kept })).rejects.toBeInstanceOf(PasskeyUnlockError);
    await expect(unlockWithPasskeyEntries({ userId: USER, get: authenticator([], otherPrf), passkeys: kept })).rejects.toBeInstanceOf(PasskeyUnlockError);
  });
});

/** referenceWrap(NONCE): the account key wrapped for (PRF, USER, CREDENTIAL) with a fixed nonce. */
const KNOWN_ENVELOPE = 'ARESExQVFhcYGRobHMB_K5IciABfKndQr9M0Gg8OIwOyx2ywWpWi-ooJBc2xYQ-4ehJmDT8bm9UR4lnOww';
