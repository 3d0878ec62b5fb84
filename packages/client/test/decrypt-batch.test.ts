import { describe, expect, it } from 'vitest';
import { DecryptionError, type Item, type ItemContent, WatchwordError, encryptItem, importAesKey, sealBytes, utf8 } from '@watchword/protocol';
import { DECRYPT_CHUNK, decryptBatch } from '../src/decrypt-batch.ts';

const userId = 'user-1';
const keys = new Map([['vault-a', crypto.getRandomValues(new Uint8Array(32))], ['vault-b', crypto.getRandomValues(new Uint8Array(32))]]);
const content = (n: number): ItemContent => ({ type: 'login', name: `site ${n}`, fields: [], login: { username: `u${n}`, password: `p${n}` } });

async function stored(n: number, vaultId: string, revision = 1): Promise<Item> {
  const id = `item-${n}`;
  const data = await encryptItem({ vaultKey: keys.get(vaultId) as Uint8Array, userId, vaultId, itemId: id, revision, content: content(n) });
  return { id, vaultId, revision, data, purged: false, deletedAt: null, createdAt: 1, updatedAt: 1 } as unknown as Item;
}

function keyLookup() {
  const asked: string[] = [];
  const lookup = (vaultId: string) => {
    asked.push(vaultId);
    const key = keys.get(vaultId);
    if (!key) throw new WatchwordError('VAULT_NOT_FOUND');
    return key;
  };
  return { asked, lookup };
}

describe('decryptBatch', () => {
  it('decrypts more than one chunk across two vaults, in order, asking for each vault key once', async () => {
    const items = await Promise.all(Array.from({ length: DECRYPT_CHUNK + 10 }, (_, n) => stored(n, n % 2 ? 'vault-b' : 'vault-a')));
    const { asked, lookup } = keyLookup();
    const out = await decryptBatch(items, userId, lookup);
    expect(out.map((d) => d.content?.name)).toEqual(items.map((_, n) => `site ${n}`));
    expect(out.map((d) => d.item)).toEqual(items);
    expect(asked.sort()).toEqual(['vault-a', 'vault-b']);
  });

  it('gives a purged item (no data) no content', async () => {
    const purged = { ...(await stored(1, 'vault-a')), purged: true, data: null } as unknown as Item;
    const [d] = await decryptBatch([purged], userId, keyLookup().lookup);
    expect(d?.content).toBeUndefined();
  });

  it('rejects the batch when one blob was altered or moved to another slot', async () => {
    const good = await stored(1, 'vault-a');
    const flipped = good.data as string;
    const altered = { ...good, id: 'item-2', data: `${flipped.slice(0, -2)}${flipped.at(-2) === 'A' ? 'B' : 'A'}${flipped.at(-1)}` } as Item;
    await expect(decryptBatch([good, altered], userId, keyLookup().lookup)).rejects.toBeInstanceOf(DecryptionError);
    // The same ciphertext replayed as a later revision does not open (the AAD binds the revision).
    const replayed = { ...good, revision: 2 } as Item;
    await expect(decryptBatch([replayed], userId, keyLookup().lookup)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('rejects with VALIDATION_FAILED an authentic blob whose content is not an item', async () => {
    const key = await importAesKey(keys.get('vault-a') as Uint8Array);
    const aad = utf8(['watchword/v1/item', userId, 'vault-a', 'bad', '1'].join('\0'));
    const data = await sealBytes(key, utf8(JSON.stringify({ type: 'login', name: 'x', fields: [], extra: true })), aad);
    const bad = { id: 'bad', vaultId: 'vault-a', revision: 1, data, purged: false, deletedAt: null, createdAt: 1, updatedAt: 1 } as unknown as Item;
    await expect(decryptBatch([bad], userId, keyLookup().lookup)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('rejects an item of a vault it has no key for', async () => {
    const item = { ...(await stored(1, 'vault-a')), vaultId: 'vault-c' } as Item;
    await expect(decryptBatch([item], userId, keyLookup().lookup)).rejects.toMatchObject({ code: 'VAULT_NOT_FOUND' });
  });
});
