/**
 * Vault.syncBatched with the worker-safe batch decryptor (packages/client/src/item-batch.ts), end to end through the
 * SDK against the real app: the batches in order, deltas that report only what changed (and removed ids), the keys
 * handed out non-extractable, and an item moved to another slot refused (AAD).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SyncDelta, type Vault, WatchwordClient, decryptItems } from '@watchword/client';
import { DecryptionError, api } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';

describe.each(backendsUnderTest())('Vault.syncBatched ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let vault: Vault;
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    await client().register({ email: 'many@example.com', password: 'a long enough passphrase' });
    const writer = await client().login({ email: 'many@example.com', password: 'a long enough passphrase' });
    await writer.addMany(Array.from({ length: 250 }, (_, i) => ({ type: 'login' as const, name: `item ${i}`, fields: [], login: { username: `user${i}` } })));
    vault = await client().login({ email: 'many@example.com', password: 'a long enough passphrase' });
  });
  afterAll(async () => t.close());

  const run = async (v: Vault) => {
    const keys = await v.itemKeys();
    const deltas: SyncDelta[] = [];
    const result = await v.syncBatched({ decrypt: (items) => decryptItems(keys, items), onDelta: (d) => deltas.push(d), firstBatch: 10, batch: 100 });
    return { result, deltas };
  };

  it('decrypts a full sync in batches (a small first one), reported in order, and remembers them', async () => {
    const { result, deltas } = await run(vault);
    expect(result).toMatchObject({ full: true, changed: 250, removed: 0 });
    expect(deltas.map((d) => d.changed.length)).toEqual([10, 100, 100, 40]);
    expect(deltas.every((d) => d.removed.length === 0)).toBe(true);
    const names = deltas.flatMap((d) => d.changed.map((i) => i.content.name));
    expect(new Set(names).size).toBe(250);
    // The vault's own copy is in step: a list after it syncs a delta of nothing.
    expect(await vault.list()).toHaveLength(250);
  });

  it('hands out the vault keys as non-extractable CryptoKeys', async () => {
    const keys = await vault.itemKeys();
    expect(keys.userId).toBe(vault.userId);
    const key = keys.keys.get(vault.personalVaultId)!;
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
  });

  it('a delta reports only what changed, and purged items as removed', async () => {
    const all = await vault.list();
    const [changed, trashed, purged] = [all[0]!, all[1]!, all[2]!];
    await vault.update(changed.id, { ...changed.content, name: 'renamed' }, changed.revision);
    await vault.trash(trashed.id);
    await vault.purge(purged.id);
    const { result, deltas } = await run(vault);
    expect(result).toMatchObject({ full: false, changed: 2, removed: 1 });
    const reported = deltas.flatMap((d) => d.changed);
    expect(reported.map((i) => i.id).sort()).toEqual([changed.id, trashed.id].sort());
    expect(reported.find((i) => i.id === changed.id)?.content.name).toBe('renamed');
    expect(reported.find((i) => i.id === trashed.id)?.deletedAt).not.toBeNull();
    expect(deltas.flatMap((d) => d.removed)).toEqual([purged.id]);
    // Nothing changed since: nothing reported.
    const again = await run(vault);
    expect(again.deltas).toEqual([]);
  });

  it('refuses an item whose ciphertext was moved to another item (AAD), and stops on a lock', async () => {
    const keys = await vault.itemKeys();
    const { items } = await vault.session.call(api.items.list, { query: {} });
    const live = items.filter((i) => i.data !== null) as (typeof items[number] & { data: string })[];
    const [a, b] = [live[0]!, live[1]!];
    await expect(decryptItems(keys, [a, b])).resolves.toHaveLength(2);
    await expect(decryptItems(keys, [{ ...a, data: b.data }])).rejects.toBeInstanceOf(DecryptionError);
    const fresh = await client().login({ email: 'many@example.com', password: 'a long enough passphrase' });
    const freshKeys = await fresh.itemKeys();
    const seen: SyncDelta[] = [];
    const sync = fresh.syncBatched({
      decrypt: async (batch) => {
        fresh.lock();
        return decryptItems(freshKeys, batch);
      },
      onDelta: (d) => seen.push(d),
    });
    await expect(sync).rejects.toThrow('the vault is locked');
    expect(seen).toEqual([]);
  });
});
