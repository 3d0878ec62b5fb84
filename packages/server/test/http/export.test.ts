/**
 * Exports through the SDK against the real app (SQLite, and PostgreSQL + Redis when available): the master password
 * is proven again first, the export is recorded in the audit log (format and item count, never content), and the
 * Watchword JSON export of a real vault parses back to exactly that vault, trash and folders included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient, reauthenticate } from '@watchword/client';
import { exportVault, openEncryptedExport, parseWatchwordExport } from '@watchword/client/export';
import { type TestApp, backendsUnderTest, createTestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';

const BASE = 'http://watchword.test';
const PASSWORD = 'exporter master passphrase';
const CHEAP = { memoryKiB: 64, iterations: 1, parallelism: 1 };

describe.each(backendsUnderTest())('vault export ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let vault: Vault;
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: BASE, fetch: t.fetch, kdfVersion: 0, dpop: false });
  const exports = async () => (await t.storage.audit.query({ action: 'account.exported' }, undefined, 100)).filter((e) => e.actorId === vault.userId);

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state });
    await client().register({ email: 'exporter@example.com', password: PASSWORD });
    vault = await client().login({ email: 'exporter@example.com', password: PASSWORD });
    await vault.add({ type: 'login', name: 'mail', folder: 'Personal/Mail', favorite: true, fields: [{ name: 'pin', value: '0000', hidden: true }], login: { username: 'me', password: 'mail-s3cret', urls: ['https://mail.example.com'], totp: 'JBSWY3DPEHPK3PXP' } });
    await vault.add({ type: 'note', name: 'safe combination', fields: [], notes: '12-34-56' });
    await vault.add({ type: 'card', name: 'card', fields: [], card: { number: '4111111111111111', code: '999' } });
    const gone = await vault.add({ type: 'identity', name: 'old me', fields: [], identity: { firstName: 'Old' } });
    await vault.trash(gone.id);
  });
  afterAll(async () => t?.close());

  it('Watchword JSON: after the master password again, the file parses back to exactly the vault; the audit log says so without content', async () => {
    const result = await exportVault(vault, { format: 'json', masterPassword: PASSWORD });
    expect(result).toMatchObject({ format: 'json', items: 4, plaintext: true });
    const parsed = parseWatchwordExport(result.text);
    const live = await vault.list({ trash: 'include' });
    expect(parsed.items).toEqual(live.map((i) => ({ id: i.id, createdAt: i.createdAt, updatedAt: i.updatedAt, trashedAt: i.deletedAt, content: i.content })));
    expect(parsed.items.filter((i) => i.trashedAt !== null).map((i) => i.content.name)).toEqual(['old me']);
    const [event] = await exports();
    expect(event).toMatchObject({ outcome: 'success', targetId: vault.userId, context: { format: 'json', items: 4 } });
    expect(JSON.stringify(await t.storage.audit.query({}, undefined, 1000))).not.toMatch(/mail-s3cret|4111111111111111|12-34-56/);
  });

  it('a wrong master password exports nothing and records nothing as done', async () => {
    const before = (await exports()).length;
    expect(await code(exportVault(vault, { format: 'csv', masterPassword: 'not my password' }))).toBe('INVALID_CREDENTIALS');
    expect((await exports()).length).toBe(before);
  });

  it('the route refuses without a fresh authentication (and audits the refusal); a reauth token works once', async () => {
    const post = (reauthToken: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/account/export-events',
        headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, 'content-type': 'application/json' },
        payload: { reauthToken, format: 'csv', items: 3 },
      });
    const forged = await post('A'.repeat(43));
    expect(forged.statusCode).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe('REAUTH_REQUIRED');
    expect((await exports()).find((e) => e.outcome === 'denied')).toMatchObject({ context: { format: 'csv', reason: 'reauth' } });
    const token = reauthenticate(vault.session, PASSWORD);
    expect((await post(await token)).statusCode).toBe(200);
    expect((await post(await token)).statusCode).toBe(401);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/export-events',
      headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, 'content-type': 'application/json' },
      payload: { reauthToken: 'A'.repeat(43), format: 'xml', items: 1 },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('encrypted JSON with the account key opens for this account and holds the whole vault; Bitwarden leaves the trash out', async () => {
    const sealed = await exportVault(vault, { format: 'encrypted-json', key: 'account', masterPassword: PASSWORD });
    expect(sealed.text).not.toContain('mail-s3cret');
    const inner = parseWatchwordExport(await openEncryptedExport(sealed.text, { accountKey: vault.exportAccountKey(), userId: vault.userId }));
    expect(inner.items).toHaveLength(4);
    const withPassword = await exportVault(vault, { format: 'encrypted-json', masterPassword: PASSWORD, exportPassword: 'the export one', passwordPolicy: false, argon2: CHEAP });
    expect(parseWatchwordExport(await openEncryptedExport(withPassword.text, { password: 'the export one' })).items).toHaveLength(4);
    const bitwarden = await exportVault(vault, { format: 'bitwarden-json', masterPassword: PASSWORD });
    expect(bitwarden).toMatchObject({ items: 3, skippedTrashed: 1 });
    expect((await exports()).filter((e) => e.outcome === 'success').map((e) => e.context.format)).toEqual(expect.arrayContaining(['encrypted-json', 'bitwarden-json']));
  });
});
