import { describe, expect, it } from 'vitest';
import { argon2id } from 'hash-wasm';
import { fromBase64Url, importAesKey, openBytes, randomBytes, toBase64Url, utf8 } from '@watchword/protocol';
import { LocalUnlockError, openLocalUnlock, sealForLocalUnlock } from '../src/local-unlock.ts';
import { VaultCacheError, openVaultSnapshot, sealVaultSnapshot, type VaultSnapshot } from '../src/vault-cache.ts';

const USER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c6';
const OTHER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c7';
const PASSWORD = 'correct horse battery staple';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('unlocking on the device: the account key sealed under an Argon2id-stretched master password', () => {
  it('opens with the password; refuses another password, another account, a changed record; one error for all', async () => {
    const accountKey = randomBytes(32);
    const record = await sealForLocalUnlock(accountKey, USER, PASSWORD, 0);
    expect(record).toMatchObject({ version: 1, kdfVersion: 0 });
    expect(fromBase64Url(record.salt)).toHaveLength(16);
    expect(JSON.stringify(record)).not.toContain(toBase64Url(accountKey));
    expect(await openLocalUnlock(record, USER, PASSWORD)).toEqual(accountKey);
    // NFKC: the same password typed with a composed or decomposed accent opens it.
    const accented = await sealForLocalUnlock(accountKey, USER, 'caf\u00e9 au lait in the morning', 0);
    expect(await openLocalUnlock(accented, USER, 'cafe\u0301 au lait in the morning')).toEqual(accountKey);

    const sealedBytes = fromBase64Url(record.sealed);
    sealedBytes[20] = (sealedBytes[20] ?? 0) ^ 1;
    const cases: Promise<unknown>[] = [
      openLocalUnlock(record, USER, `${PASSWORD}!`),
      openLocalUnlock(record, OTHER, PASSWORD),
      openLocalUnlock({ ...record, sealed: toBase64Url(sealedBytes) }, USER, PASSWORD),
      openLocalUnlock({ ...record, salt: toBase64Url(randomBytes(16)) }, USER, PASSWORD),
      openLocalUnlock({ ...record, kdfVersion: 99 }, USER, PASSWORD),
      openLocalUnlock({ ...record, salt: 'not base64!' }, USER, PASSWORD),
      openLocalUnlock({ ...record, sealed: 'A'.repeat(10_000) }, USER, PASSWORD),
      openLocalUnlock(record, USER, ''),
    ];
    for (const error of await Promise.all(cases.map(rejection))) {
      expect(error).toBeInstanceOf(LocalUnlockError);
      expect((error as LocalUnlockError).message).toBe('the master password does not open the key kept on this device');
    }
  });

  it('stretches with Argon2id at the record\'s profile: the key is Argon2id(NFKC(password), salt) and nothing cheaper', async () => {
    const accountKey = randomBytes(32);
    const record = await sealForLocalUnlock(accountKey, USER, PASSWORD, 0);
    // Profile 0 (tests only): 1024 KiB, t = 1, p = 1 — recomputed here independently of the module.
    const key = await argon2id({ password: utf8(PASSWORD), salt: fromBase64Url(record.salt), parallelism: 1, iterations: 1, memorySize: 1024, hashLength: 32, outputType: 'binary' });
    const opened = await openBytes(await importAesKey(key), record.sealed, utf8(`watchword/v1/local-unlock\0${USER}`));
    expect(opened).toEqual(accountKey);
  });
});

describe('the offline copy of the vault', () => {
  const snapshot = (userId: string): VaultSnapshot => ({
    account: { userId } as VaultSnapshot['account'],
    revision: 7,
    items: [],
    savedAt: 1_700_000_000_000,
  });

  it('opens under its account key and account only; a changed copy is refused', async () => {
    const accountKey = randomBytes(32);
    const sealed = await sealVaultSnapshot(accountKey, snapshot(USER));
    expect(await openVaultSnapshot(accountKey, USER, sealed)).toEqual(snapshot(USER));
    const bytes = fromBase64Url(sealed);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    const cases = [
      openVaultSnapshot(randomBytes(32), USER, sealed),
      openVaultSnapshot(accountKey, OTHER, sealed),
      openVaultSnapshot(accountKey, USER, toBase64Url(bytes)),
      openVaultSnapshot(accountKey, USER, sealed.slice(0, -10)),
      openVaultSnapshot(accountKey, USER, '{}'),
    ];
    for (const error of await Promise.all(cases.map(rejection))) expect(error).toBeInstanceOf(VaultCacheError);
  });
});
