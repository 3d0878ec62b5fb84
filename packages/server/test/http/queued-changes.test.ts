/**
 * Changes made offline through the SDK (Vault.queueChange / readQueued / sendQueued; the web vault's outbox), against
 * the real API: sealed on a vault opened from its offline copy, sent later by an online one with the revision they
 * were based on, and refused with ITEM_CONFLICT — nothing overwritten — when the item moved meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Vault, WatchwordClient } from '@watchword/client';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';

const PASSWORD = 'offline edits passphrase 42';

describe.each(backendsUnderTest())('queued offline changes through the SDK ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let online: Vault;
  let other: Vault;
  let offline: Vault;

  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    await client().register({ email: 'ada@example.com', password: PASSWORD });
    online = await client().login({ email: 'ada@example.com', password: PASSWORD });
    other = await client().login({ email: 'ada@example.com', password: PASSWORD });
    await online.add({ type: 'login', name: 'Mail', fields: [], login: { username: 'ada', password: 'mail-pw-1' } });
    await online.sync();
    const sealed = await online.sealSnapshot();
    if (sealed === undefined) throw new Error('no snapshot');
    offline = await Vault.openOfflineSealed(online.session, online.exportAccountKey(), online.userId, sealed);
  });
  afterAll(async () => t.close());

  it('seals changes on a vault opened from its copy: ciphertext only, readable back with the key, never sent by it', async () => {
    expect(offline.offlineSince).not.toBeNull();
    const created = await offline.queueChange({ op: 'create', content: { type: 'note', name: 'Offline note', notes: 'queued-secret-1', fields: [] } });
    expect(created).toMatchObject({ op: 'create', baseRevision: 0, vaultId: offline.personalVaultId });
    expect(created.data).not.toContain('queued-secret-1');
    expect((await offline.readQueued(created))?.notes).toBe('queued-secret-1');
    expect(await code(offline.sendQueued(created))).toBe('SERVICE_UNAVAILABLE');
    const trash = await offline.queueChange({ op: 'trash', id: created.id, baseRevision: 3 });
    expect(trash).toMatchObject({ op: 'trash', data: null, baseRevision: 3 });
    expect(await offline.readQueued(trash)).toBeNull();
  });

  it('sends a queued creation and a queued update with their base revision', async () => {
    const created = await offline.queueChange({ op: 'create', content: { type: 'note', name: 'Made offline', notes: 'n1', fields: [] } });
    const sent = await online.sendQueued(created);
    expect(sent.revision).toBe(1);
    expect((await other.get(created.id)).content.notes).toBe('n1');

    const mail = (await offline.list()).find((i) => i.content.name === 'Mail');
    if (!mail) throw new Error('no Mail in the copy');
    const update = await offline.queueChange({ op: 'update', id: mail.id, content: { ...mail.content, notes: 'edited offline' }, baseRevision: mail.revision });
    expect((await online.sendQueued(update)).revision).toBe(mail.revision + 1);
    expect((await other.get(mail.id)).content.notes).toBe('edited offline');
  });

  it('refuses a queued update or trash whose item moved meanwhile (ITEM_CONFLICT), and overwrites nothing', async () => {
    const item = await online.add({ type: 'note', name: 'Contested', notes: 'v1', fields: [] });
    const update = await offline.queueChange({ op: 'update', id: item.id, content: { ...item.content, notes: 'mine' }, baseRevision: item.revision });
    const trash = await offline.queueChange({ op: 'trash', id: item.id, baseRevision: item.revision });
    await other.update(item.id, { ...item.content, notes: 'theirs' }, item.revision);

    for (const change of [update, trash]) {
      const error = await online.sendQueued(change).then(() => undefined, (e: unknown) => e);
      expect((error as { code?: string }).code).toBe('ITEM_CONFLICT');
      expect((error as { details?: unknown }).details).toEqual({ currentRevision: item.revision + 1 });
    }
    const now = await other.get(item.id);
    expect(now.content.notes).toBe('theirs');
    expect(now.deletedAt).toBeNull();

    // Sealed again on top of their revision ("keep mine"), it goes through.
    const mine = await offline.queueChange({ op: 'update', id: item.id, content: { ...item.content, notes: 'mine' }, baseRevision: now.revision });
    await online.sendQueued(mine);
    expect((await other.get(item.id)).content.notes).toBe('mine');
  });
});
