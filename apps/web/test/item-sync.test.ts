/**
 * The web vault's sync into the item store (apps/web/src/lib/item-sync.ts) with a vault locked meanwhile — the idle
 * lock landing while the outbox is sent: nothing is started, and nothing fails unhandled in the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient } from '@watchword/client';
import { createTestApp, type TestApp } from '@watchword/testkit/app';
import { syncItems } from '../src/lib/item-sync.ts';
import { itemsView } from '../src/lib/item-store.ts';

describe('syncItems with a locked vault', () => {
  let t: TestApp;
  let vault: Vault;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
    await client().register({ email: 'locked@example.com', password: 'locked vault passphrase' });
    vault = await client().login({ email: 'locked@example.com', password: 'locked vault passphrase' });
    await vault.add({ type: 'note', name: 'kept', fields: [] });
  });
  afterAll(async () => t.close());

  it('resolves without starting the decrypt worker, shows nothing, and leaves no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      vault.lock();
      await expect(syncItems(vault)).resolves.toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      expect(itemsView.get()).toBeNull();
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
