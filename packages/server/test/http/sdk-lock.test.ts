import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, WatchwordError } from '@watchword/client';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

/**
 * The SDK's lock and unlock (used by the web vault): Vault.lock() forgets the keys, WatchwordClient.unlock() opens
 * the vault again on the same session with the master password (a fresh authentication), and a text response.
 */
describe('SDK: lock, unlock on the same session, text responses', () => {
  let t: TestApp;
  let client: WatchwordClient;
  const email = 'locky@example.com';
  const password = 'a long enough test passphrase';

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    client = new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0 });
    await client.register({ email, password });
  });
  afterAll(async () => t.close());

  it('lock() zeroes the keys and drops the items; unlock() brings them back without a new session', async () => {
    const vault = await client.login({ email, password, deviceName: 'web' });
    const item = await vault.add({ type: 'note', name: 'kept', notes: 'secret note', fields: [] });
    const accountKey = vault.exportAccountKey();

    vault.lock();
    expect(vault.locked).toBe(true);
    expect(() => vault.exportAccountKey()).toThrow(/locked/);
    await expect(vault.list()).rejects.toThrow(/locked/);
    await expect(vault.add({ type: 'note', name: 'x', fields: [] })).rejects.toThrow(/locked/);

    const wrong = await client.unlock(vault.session, 'not the password').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(WatchwordError);
    expect((wrong as WatchwordError).code).toBe('INVALID_CREDENTIALS');

    const again = await client.unlock(vault.session, password);
    expect(again.session).toBe(vault.session);
    expect(again.exportAccountKey()).toEqual(accountKey);
    const items = await again.list();
    expect(items.map((i) => [i.id, i.content.notes])).toEqual([[item.id, 'secret note']]);
    expect(await again.session.listSessions()).toHaveLength(1);
  });
});
