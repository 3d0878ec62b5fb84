import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AccountData,
  MAX_KEY_PINS,
  PASSWORD_HISTORY_LENGTH,
  withKeyPins,
  emptyAccountData,
  isPasswordInHistory,
  openAccountData,
  passwordFingerprint,
  recordPassword,
  sealAccountData,
} from '../src/account-data.ts';
import { buildAad } from '../src/aad.ts';
import { MAX_SEALED_ACCOUNT_DATA } from '../src/api/auth.ts';
import { sealBytes } from '../src/crypto/aead.ts';
import { DecryptionError } from '../src/crypto/decryption-error.ts';
import { hkdfSha256AesKey } from '../src/crypto/hkdf.ts';
import { fromBase64Url, randomBytes, toBase64Url, utf8 } from '../src/encoding.ts';

const USER_A = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';
const USER_B = '0b7e1c9d-9c1a-4f0e-8f7d-5a2b3c4d5e6f';

/** HMAC-SHA-256 under HKDF(0x00..0x1f, "", "watchword/v1/pw-history", 32) of utf8("financial Café 1"), via node:crypto. */
const FROZEN_VECTOR = '2D6zYRL5lhW8WNA9zwq_foF3RcC4agTzF12JIkfEsIo';

const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Seals arbitrary bytes exactly as sealAccountData would, to test what openAccountData accepts. */
async function sealRaw(accountKey: Uint8Array, userId: string, plaintext: Uint8Array): Promise<string> {
  const key = await hkdfSha256AesKey(accountKey, new Uint8Array(0), utf8('watchword/v1/account-data'));
  return sealBytes(key, plaintext, buildAad('watchword/v1/account-data', userId));
}

async function fingerprints(accountKey: Uint8Array, passwords: string[]): Promise<string[]> {
  return Promise.all(passwords.map((p) => passwordFingerprint(accountKey, p)));
}

function flipBit(envelope: string, index: number): string {
  const bytes = fromBase64Url(envelope);
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return toBase64Url(bytes);
}

describe('account data envelope', () => {
  it('round-trips', async () => {
    const accountKey = randomBytes(32);
    const fps = await fingerprints(accountKey, ['one password here', 'two password here']);
    const data: AccountData = { v: 1, passwordHistory: fps };
    const sealed = await sealAccountData({ accountKey, userId: USER_A, data });
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(fps[0]);
    await expect(openAccountData({ accountKey, userId: USER_A, sealed })).resolves.toEqual(data);

    const empty = await sealAccountData({ accountKey, userId: USER_A, data: emptyAccountData() });
    await expect(openAccountData({ accountKey, userId: USER_A, sealed: empty })).resolves.toEqual({
      v: 1,
      passwordHistory: [],
    });
  });

  it('uses a fresh nonce per seal', async () => {
    const accountKey = randomBytes(32);
    const data = emptyAccountData();
    const a = await sealAccountData({ accountKey, userId: USER_A, data });
    const b = await sealAccountData({ accountKey, userId: USER_A, data });
    expect(a).not.toBe(b);
  });

  it('pins the construction: HKDF(accountKey, "", "watchword/v1/account-data") and AAD (label, userId)', async () => {
    const accountKey = randomBytes(32);
    const sealed = await sealRaw(accountKey, USER_A, utf8('{"v":1,"passwordHistory":[]}'));
    await expect(openAccountData({ accountKey, userId: USER_A, sealed })).resolves.toEqual(emptyAccountData());
  });

  it('refuses another user id, another key and a tampered blob with DecryptionError', async () => {
    const accountKey = randomBytes(32);
    const data = recordPassword(emptyAccountData(), await passwordFingerprint(accountKey, 'hunter2 hunter2'));
    const sealed = await sealAccountData({ accountKey, userId: USER_A, data });

    await expect(openAccountData({ accountKey, userId: USER_B, sealed })).rejects.toBeInstanceOf(DecryptionError);
    await expect(openAccountData({ accountKey: randomBytes(32), userId: USER_A, sealed })).rejects.toBeInstanceOf(
      DecryptionError,
    );
    const length = fromBase64Url(sealed).length;
    for (const index of [0, 1, 13, length - 17, length - 1]) {
      await expect(openAccountData({ accountKey, userId: USER_A, sealed: flipBit(sealed, index) })).rejects.toBeInstanceOf(
        DecryptionError,
      );
    }
    await expect(openAccountData({ accountKey, userId: USER_A, sealed: sealed.slice(0, -4) })).rejects.toBeInstanceOf(
      DecryptionError,
    );
    await expect(openAccountData({ accountKey, userId: USER_A, sealed: 'not base64url!' })).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  it('is not openable with the key-wrapping key of the same account key (key separation)', async () => {
    const accountKey = randomBytes(32);
    const wrapKey = await hkdfSha256AesKey(accountKey, new Uint8Array(0), utf8('watchword/v1/account-key/wrap'));
    const sealed = await sealBytes(wrapKey, utf8('{"v":1,"passwordHistory":[]}'), buildAad('watchword/v1/account-data', USER_A));
    await expect(openAccountData({ accountKey, userId: USER_A, sealed })).rejects.toBeInstanceOf(DecryptionError);
  });

  it('rejects authentic plaintexts that are not exactly version-1 account data', async () => {
    const accountKey = randomBytes(32);
    const fps = await fingerprints(accountKey, ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    const fp = fps[0] ?? '';
    const bad: unknown[] = [
      null,
      [],
      'text',
      42,
      {},
      { v: 1 },
      { passwordHistory: [] },
      { v: 2, passwordHistory: [] },
      { v: '1', passwordHistory: [] },
      { v: 1, passwordHistory: {} },
      { v: 1, passwordHistory: [], extra: true },
      { v: 1, passwordHistory: fps }, // six entries
      { v: 1, passwordHistory: [fp, fp] }, // duplicates
      { v: 1, passwordHistory: [42] },
      { v: 1, passwordHistory: ['short'] },
      { v: 1, passwordHistory: [`${fp.slice(0, -1)}B`] }, // non-canonical last character
      { v: 1, passwordHistory: [`${fp}AAAA`] },
    ];
    for (const value of bad) {
      const sealed = await sealRaw(accountKey, USER_A, utf8(JSON.stringify(value)));
      await expect(openAccountData({ accountKey, userId: USER_A, sealed }), JSON.stringify(value)).rejects.toBeInstanceOf(
        DecryptionError,
      );
    }
    for (const raw of [utf8('{"v":1,'), Uint8Array.of(0xff, 0xfe, 0x7b, 0x7d), new Uint8Array(0)]) {
      const sealed = await sealRaw(accountKey, USER_A, raw);
      await expect(openAccountData({ accountKey, userId: USER_A, sealed })).rejects.toBeInstanceOf(DecryptionError);
    }
  });

  it('refuses to seal malformed data and checks its inputs', async () => {
    const accountKey = randomBytes(32);
    const malformed = { v: 1, passwordHistory: ['nope'] } as AccountData;
    await expect(sealAccountData({ accountKey, userId: USER_A, data: malformed })).rejects.toBeInstanceOf(TypeError);
    const extra = { ...emptyAccountData(), secret: 'x' } as AccountData;
    await expect(sealAccountData({ accountKey, userId: USER_A, data: extra })).rejects.toBeInstanceOf(TypeError);
    await expect(
      sealAccountData({ accountKey: randomBytes(16), userId: USER_A, data: emptyAccountData() }),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(sealAccountData({ accountKey, userId: '', data: emptyAccountData() })).rejects.toBeInstanceOf(TypeError);
    await expect(passwordFingerprint(randomBytes(31), 'x')).rejects.toBeInstanceOf(RangeError);
  });
});

describe('passwordFingerprint', () => {
  it('matches an independent node:crypto computation (known answer)', async () => {
    const accountKey = range(0x00, 0x1f);
    for (const password of ['correct horse battery staple', 'ﬁnancial Café ①', '']) {
      const okm = Buffer.from(hkdfSync('sha256', accountKey, Buffer.alloc(0), 'watchword/v1/pw-history', 32));
      const expected = createHmac('sha256', okm).update(password.normalize('NFKC'), 'utf8').digest('base64url');
      expect(await passwordFingerprint(accountKey, password)).toBe(expected);
    }
    // Frozen vector, so the construction cannot drift together with the reference above.
    expect(await passwordFingerprint(accountKey, 'ﬁnancial Café ①')).toBe(FROZEN_VECTOR);
  });

  it('is 32 bytes, base64url', async () => {
    const fp = await passwordFingerprint(randomBytes(32), 'some password');
    expect(fp).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fromBase64Url(fp).length).toBe(32);
  });

  it('is NFKC-insensitive: ligatures, composed vs decomposed, full-width', async () => {
    const accountKey = randomBytes(32);
    const same = async (a: string, b: string) =>
      expect(await passwordFingerprint(accountKey, a)).toBe(await passwordFingerprint(accountKey, b));
    await same('\uFB01nancial planning', 'financial planning'); // "ﬁ" ligature
    await same('caf\u00e9 au lait', 'cafe\u0301 au lait'); // é composed vs e + combining acute
    await same('\uFF30\uFF41\uFF53\uFF53', 'Pass'); // full-width Latin
    // NFKC does not fold case or spaces.
    expect(await passwordFingerprint(accountKey, 'Password')).not.toBe(await passwordFingerprint(accountKey, 'password'));
    expect(await passwordFingerprint(accountKey, 'pass word')).not.toBe(await passwordFingerprint(accountKey, 'password'));
  });

  it('depends on the account key', async () => {
    const a = await passwordFingerprint(randomBytes(32), 'the same password');
    const b = await passwordFingerprint(randomBytes(32), 'the same password');
    expect(a).not.toBe(b);
  });
});

describe('password history', () => {
  it('records newest first, deduplicates and caps the history', async () => {
    const accountKey = randomBytes(32);
    const fps = await fingerprints(accountKey, ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    let data = emptyAccountData();
    for (const fp of fps) data = recordPassword(data, fp);
    expect(PASSWORD_HISTORY_LENGTH).toBe(5);
    expect(data.passwordHistory).toEqual(fps.slice(1).reverse());

    // p1 fell off the end: reusable; p2..p6 are refused.
    expect(isPasswordInHistory(data, fps[0] ?? '')).toBe(false);
    for (const fp of fps.slice(1)) expect(isPasswordInHistory(data, fp)).toBe(true);

    // Re-recording an entry moves it to the front instead of duplicating it.
    const again = recordPassword(data, fps[2] ?? '');
    expect(again.passwordHistory).toHaveLength(5);
    expect(again.passwordHistory[0]).toBe(fps[2]);
    expect(new Set(again.passwordHistory).size).toBe(5);
    expect(again.passwordHistory).toContain(fps[1]);
  });

  it('does not mutate its input and survives a seal/open cycle', async () => {
    const accountKey = randomBytes(32);
    const before = emptyAccountData();
    const fp = await passwordFingerprint(accountKey, 'first master password');
    const after = recordPassword(before, fp);
    expect(before.passwordHistory).toEqual([]);
    const sealed = await sealAccountData({ accountKey, userId: USER_A, data: after });
    const opened = await openAccountData({ accountKey, userId: USER_A, sealed });
    expect(isPasswordInHistory(opened, await passwordFingerprint(accountKey, 'first master password'))).toBe(true);
    expect(isPasswordInHistory(opened, await passwordFingerprint(accountKey, 'second master password'))).toBe(false);
  });

  it('refuses to record something that is not a fingerprint', () => {
    expect(() => recordPassword(emptyAccountData(), 'plain password')).toThrow(TypeError);
    expect(isPasswordInHistory(emptyAccountData(), 'anything')).toBe(false);
  });
});

describe('key pins in the account data', () => {
  const key = () => toBase64Url(randomBytes(32));
  const pin = () => ({ userId: crypto.randomUUID(), x25519PublicKey: key(), ed25519PublicKey: key() });

  it('round-trip beside the history, stored compactly; a password recorded keeps them', async () => {
    const accountKey = randomBytes(32);
    const pins = [pin(), pin()];
    const data = withKeyPins({ v: 1, passwordHistory: await fingerprints(accountKey, ['first password']) }, pins);
    const sealed = await sealAccountData({ accountKey, userId: USER_A, data });
    const opened = await openAccountData({ accountKey, userId: USER_A, sealed });
    expect(opened).toEqual(data);
    const next = recordPassword(opened, await passwordFingerprint(accountKey, 'second password'));
    expect(next.keyPins).toEqual(pins);
    expect(next.passwordHistory).toHaveLength(2);
    // A document written before pins existed opens with none.
    const old = await sealRaw(accountKey, USER_A, utf8('{"v":1,"passwordHistory":[]}'));
    expect((await openAccountData({ accountKey, userId: USER_A, sealed: old })).keyPins).toBeUndefined();
  });

  it('holds MAX_KEY_PINS, within the route’s bound once sealed; one more, duplicates, or malformed pins are refused', async () => {
    const accountKey = randomBytes(32);
    const full = Array.from({ length: MAX_KEY_PINS }, pin);
    const sealed = await sealAccountData({ accountKey, userId: USER_A, data: withKeyPins(emptyAccountData(), full) });
    expect(sealed.length).toBeLessThanOrEqual(MAX_SEALED_ACCOUNT_DATA);
    const one = pin();
    const bad: unknown[][] = [
      [...full, pin()],
      [one, one],
      [{ ...one, userId: 'not-a-uuid' }],
      [{ ...one, x25519PublicKey: 'short' }],
      [{ ...one, ed25519PublicKey: `${one.ed25519PublicKey}AAAA` }],
      [{ ...one, extra: true }],
    ];
    for (const keyPins of bad) {
      await expect(sealAccountData({ accountKey, userId: USER_A, data: { v: 1, passwordHistory: [], keyPins } as AccountData })).rejects.toBeInstanceOf(TypeError);
    }
    // Stored forms that only a buggy or malicious client could seal do not open.
    const stored: unknown[] = [
      { v: 1, passwordHistory: [], keyPins: {} },
      { v: 1, passwordHistory: [], keyPins: [[one.userId, one.x25519PublicKey]] },
      { v: 1, passwordHistory: [], keyPins: [[one.userId, one.x25519PublicKey, one.ed25519PublicKey, 'x']] },
      { v: 1, passwordHistory: [], keyPins: [one] },
      { v: 1, passwordHistory: [], keyPins: [], extra: 1 },
    ];
    for (const value of stored) {
      const raw = await sealRaw(accountKey, USER_A, utf8(JSON.stringify(value)));
      await expect(openAccountData({ accountKey, userId: USER_A, sealed: raw }), JSON.stringify(value)).rejects.toBeInstanceOf(DecryptionError);
    }
  });
});
