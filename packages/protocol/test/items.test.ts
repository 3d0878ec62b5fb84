import { describe, expect, it } from 'vitest';
import {
  type ItemContent,
  MAX_ITEM_PLAINTEXT_BYTES,
  decryptItem,
  encryptItem,
  validateItemContent,
} from '../src/items.ts';
import { buildAad } from '../src/aad.ts';
import { importAesKey, sealBytes } from '../src/crypto/aead.ts';
import { DecryptionError } from '../src/crypto/decryption-error.ts';
import { WatchwordError } from '../src/errors.ts';
import { fromBase64Url, randomBytes, toBase64Url, utf8 } from '../src/encoding.ts';
import { MAX_ITEM_DATA } from '../src/api/items.ts';

const USER = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';
const VAULT = '5f2c8a1e-1b3d-4e6f-8a9b-0c1d2e3f4a5b';
const ITEM = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const OTHER = '00000000-0000-4000-8000-000000000001';

const content: ItemContent = {
  type: 'login',
  name: 'Example bank',
  notes: 'PIN is in the safe',
  favorite: true,
  folder: 'Finance',
  fields: [{ name: 'Security answer', value: 'Rosebud', hidden: true }],
  login: { username: 'alice@example.com', password: 'p4ssw0rd!', urls: ['https://bank.example'], totp: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP' },
};

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WatchwordError);
    expect((error as WatchwordError).code).toBe('VALIDATION_FAILED');
    return (error as WatchwordError).details?.['field'];
  }
  return 'valid';
}

describe('item content schema', () => {
  it('accepts every item type with its own section', () => {
    expect(validateItemContent(content)).toBe(content);
    expect(fieldOf(() => validateItemContent({ type: 'note', name: 'n', fields: [] }))).toBe('valid');
    const card = { type: 'card', name: 'Visa', fields: [], card: { cardholder: 'A B', brand: 'Visa', number: '4111111111111111', expMonth: '12', expYear: '2030', code: '123' } };
    expect(fieldOf(() => validateItemContent(card))).toBe('valid');
    const identity = { type: 'identity', name: 'Me', fields: [], identity: { firstName: 'A', lastName: 'B', email: 'a@b.example' } };
    expect(fieldOf(() => validateItemContent(identity))).toBe('valid');
  });

  it('reports the JSON Pointer of the first offending value', () => {
    expect(fieldOf(() => validateItemContent({ ...content, name: '' }))).toBe('/name');
    expect(fieldOf(() => validateItemContent({ ...content, name: 'x'.repeat(257) }))).toBe('/name');
    expect(fieldOf(() => validateItemContent({ ...content, type: 'ssh-key' }))).toBe('/type');
    expect(fieldOf(() => validateItemContent({ ...content, notes: 'x'.repeat(10_001) }))).toBe('/notes');
    expect(fieldOf(() => validateItemContent({ ...content, spy: 1 }))).toBe('/spy');
    expect(
      fieldOf(() => validateItemContent({ ...content, fields: [...content.fields, { name: 'a', value: 'x'.repeat(4097), hidden: false }] })),
    ).toBe('/fields/1/value');
    expect(fieldOf(() => validateItemContent({ ...content, login: { urls: Array(51).fill('https://a.example') } }))).toBe('/login/urls');
    expect(fieldOf(() => validateItemContent({ ...content, login: { urls: ['x'.repeat(2049)] } }))).toBe('/login/urls/0');
    expect(fieldOf(() => validateItemContent({ ...content, login: { extra: 'x' } }))).toBe('/login/extra');
    expect(fieldOf(() => validateItemContent({ ...content, fields: Array(201).fill({ name: 'a', value: 'b', hidden: false }) }))).toBe('/fields');
  });

  it('rejects non-objects and missing required properties', () => {
    expect(fieldOf(() => validateItemContent(null))).toBe('');
    expect(fieldOf(() => validateItemContent('login'))).toBe('');
    const { fields: _fields, ...withoutFields } = content;
    expect(fieldOf(() => validateItemContent(withoutFields))).not.toBe('valid');
  });

  it('keeps the largest plaintext envelope within the API’s MAX_ITEM_DATA', () => {
    const envelopeChars = Math.ceil(((1 + 12 + MAX_ITEM_PLAINTEXT_BYTES + 16) * 4) / 3);
    expect(envelopeChars).toBeLessThanOrEqual(MAX_ITEM_DATA);
  });
});

describe('encryptItem / decryptItem', () => {
  const vaultKey = randomBytes(32);
  const slot = { vaultKey, userId: USER, vaultId: VAULT, itemId: ITEM, revision: 3 };

  it('round-trips and hides everything about the item', async () => {
    const data = await encryptItem({ ...slot, content });
    expect(await decryptItem({ ...slot, data })).toEqual(content);
    const raw = new TextDecoder('latin1').decode(fromBase64Url(data));
    for (const secret of ['Example bank', 'login', 'bank.example', 'Rosebud']) expect(raw).not.toContain(secret);
  });

  it('fails when the blob is moved to another item, vault or user', async () => {
    const data = await encryptItem({ ...slot, content });
    await expect(decryptItem({ ...slot, itemId: OTHER, data })).rejects.toThrow(DecryptionError);
    await expect(decryptItem({ ...slot, vaultId: OTHER, data })).rejects.toThrow(DecryptionError);
    await expect(decryptItem({ ...slot, userId: OTHER, data })).rejects.toThrow(DecryptionError);
  });

  it('fails when the blob is replayed at another revision', async () => {
    const data = await encryptItem({ ...slot, content });
    await expect(decryptItem({ ...slot, revision: 4, data })).rejects.toThrow(DecryptionError);
    await expect(decryptItem({ ...slot, revision: 2, data })).rejects.toThrow(DecryptionError);
  });

  it('fails under another vault key or when a byte is tampered with', async () => {
    const data = await encryptItem({ ...slot, content });
    await expect(decryptItem({ ...slot, vaultKey: randomBytes(32), data })).rejects.toThrow(DecryptionError);
    const bytes = fromBase64Url(data);
    bytes[20]! ^= 0x80;
    await expect(decryptItem({ ...slot, data: toBase64Url(bytes) })).rejects.toThrow(DecryptionError);
  });

  it('validates before encrypting', async () => {
    const bad = { ...content, name: '' };
    await expect(encryptItem({ ...slot, content: bad })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: '/name' } });
  });

  it('refuses content whose UTF-8 JSON exceeds MAX_ITEM_PLAINTEXT_BYTES', async () => {
    // 50 × 4096 four-byte characters ≈ 1.6 MB of UTF-8, though every string is within its bound.
    const big = '😀'.repeat(2048); // 4096 UTF-16 code units
    const fields = Array.from({ length: 50 }, () => ({ name: 'f', value: big, hidden: false }));
    const error = await encryptItem({ ...slot, content: { ...content, fields } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('validates what it decrypts (an authentic blob with invalid content is refused)', async () => {
    const aad = buildAad('watchword/v1/item', USER, VAULT, ITEM, '3');
    const key = await importAesKey(vaultKey);
    const notJson = await sealBytes(key, utf8('{not json'), aad);
    await expect(decryptItem({ ...slot, data: notJson })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const extra = await sealBytes(key, utf8(JSON.stringify({ ...content, injected: true })), aad);
    await expect(decryptItem({ ...slot, data: extra })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: '/injected' } });
  });

  it('uses the documented AAD "watchword/v1/item\\0user\\0vault\\0item\\0revision"', async () => {
    const aad = utf8(`watchword/v1/item\0${USER}\0${VAULT}\0${ITEM}\x003`);
    const data = await sealBytes(await importAesKey(vaultKey), utf8(JSON.stringify(content)), aad);
    expect(await decryptItem({ ...slot, data })).toEqual(content);
  });

  it('refuses ids containing NUL and non-integer revisions', async () => {
    await expect(encryptItem({ ...slot, itemId: `${ITEM}\0x`, content })).rejects.toThrow(TypeError);
    await expect(encryptItem({ ...slot, revision: 1.5, content })).rejects.toThrow(RangeError);
    await expect(encryptItem({ ...slot, revision: -1, content })).rejects.toThrow(RangeError);
  });

  it('decryptItem answers every failure as a rejection, never a synchronous throw (it returns a promise chain)', async () => {
    const data = await encryptItem({ ...slot, content });
    const calls = [
      () => decryptItem({ ...slot, revision: 1.5, data }),
      () => decryptItem({ ...slot, itemId: `${ITEM}\0x`, data }),
      () => decryptItem({ ...slot, data: 'not base64url!' }),
      () => decryptItem({ ...slot, data: '' }),
      () => decryptItem({ ...slot, vaultKey: randomBytes(16), data }),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call())).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(Error);
    }
    await expect(decryptItem({ ...slot, revision: 1.5, data })).rejects.toThrow(RangeError);
    await expect(decryptItem({ ...slot, data: 'not base64url!' })).rejects.toThrow(DecryptionError);
    await expect(decryptItem({ ...slot, vaultKey: await importAesKey(vaultKey), data })).resolves.toEqual(content);
  });
});

describe('shared-vault items: the AAD binds vault id and key version, not the author', () => {
  const key = randomBytes(32);
  const slot = { vaultKey: key, userId: USER, vaultId: VAULT, itemId: ITEM, revision: 3, keyVersion: 2 };

  it('is sealed with the shared-item AAD, which another member (another user id) opens', async () => {
    const data = await encryptItem({ ...slot, content });
    const aesKey = await importAesKey(key);
    // The documented format, built by hand: "watchword/v1/shared-item" vaultId keyVersion itemId revision.
    const byHand = await sealBytes(aesKey, utf8(JSON.stringify(content)), buildAad('watchword/v1/shared-item', VAULT, '2', ITEM, '3'));
    expect(await decryptItem({ ...slot, data: byHand })).toEqual(content);
    expect(await decryptItem({ ...slot, userId: OTHER, data })).toEqual(content);
  });

  it('refuses the blob under another key version, in another vault, or read as a personal item', async () => {
    const data = await encryptItem({ ...slot, content });
    await expect(decryptItem({ ...slot, keyVersion: 1, data })).rejects.toBeInstanceOf(DecryptionError);
    await expect(decryptItem({ ...slot, vaultId: OTHER, data })).rejects.toBeInstanceOf(DecryptionError);
    await expect(decryptItem({ ...slot, keyVersion: undefined, data })).rejects.toBeInstanceOf(DecryptionError);
    // …and a personal item's blob moved into a shared vault slot (same key, same ids) does not open either.
    const personal = await encryptItem({ ...slot, keyVersion: undefined, content });
    await expect(decryptItem({ ...slot, data: personal })).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses a key version that is not a positive integer', async () => {
    await expect(encryptItem({ ...slot, keyVersion: 0, content })).rejects.toThrow(RangeError);
  });
});
