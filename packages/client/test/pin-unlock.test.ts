import { describe, expect, it } from 'vitest';
import { fromBase64Url, randomBytes, toBase64Url } from '@watchword/protocol';
import { PinUnlockError, openPinUnlock, pinAcceptable, sealForPin } from '../src/pin-unlock.ts';

const USER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c6';
const OTHER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c7';
const PIN = '482913';

const deviceKey = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

describe('PIN unlock: the account key sealed under an Argon2id-stretched PIN and a non-extractable device key', () => {
  it('opens with the PIN and the device key; refuses a wrong PIN, another device, another account, a changed record', async () => {
    const accountKey = randomBytes(32);
    const key = await deviceKey();
    const record = await sealForPin({ accountKey, userId: USER, pin: PIN, deviceKey: key, kdfVersion: 0 });
    expect(record).toMatchObject({ version: 1, kdfVersion: 0 });
    expect(fromBase64Url(record.salt)).toHaveLength(16);
    expect(JSON.stringify(record)).not.toContain(toBase64Url(accountKey));
    expect(await openPinUnlock(record, { userId: USER, pin: PIN, deviceKey: key })).toEqual(accountKey);

    const tampered = fromBase64Url(record.sealed);
    tampered[30] = (tampered[30] ?? 0) ^ 1;
    const cases = [
      openPinUnlock(record, { userId: USER, pin: '482914', deviceKey: key }),
      openPinUnlock(record, { userId: USER, pin: PIN, deviceKey: await deviceKey() }),
      openPinUnlock(record, { userId: OTHER, pin: PIN, deviceKey: key }),
      openPinUnlock({ ...record, sealed: toBase64Url(tampered) }, { userId: USER, pin: PIN, deviceKey: key }),
      openPinUnlock({ ...record, salt: toBase64Url(randomBytes(16)) }, { userId: USER, pin: PIN, deviceKey: key }),
      openPinUnlock({ ...record, salt: 'not base64!' }, { userId: USER, pin: PIN, deviceKey: key }),
      openPinUnlock({ ...record, kdfVersion: 99 }, { userId: USER, pin: PIN, deviceKey: key }),
      openPinUnlock({ ...record, sealed: 'A'.repeat(10_000) }, { userId: USER, pin: PIN, deviceKey: key }),
      openPinUnlock(record, { userId: USER, pin: '12', deviceKey: key }),
    ];
    for (const error of await Promise.all(cases.map(rejection))) {
      expect(error).toBeInstanceOf(PinUnlockError);
      expect((error as Error).message).toBe('the PIN does not open the key kept on this device');
    }
  });

  it('accepts 6 to 64 characters only', async () => {
    expect(pinAcceptable('12345')).toBe(false);
    expect(pinAcceptable('123456')).toBe(true);
    expect(pinAcceptable('1'.repeat(65))).toBe(false);
    await expect(sealForPin({ accountKey: randomBytes(32), userId: USER, pin: '1234', deviceKey: await deviceKey(), kdfVersion: 0 })).rejects.toBeInstanceOf(PinUnlockError);
  });
});
