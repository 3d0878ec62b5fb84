import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, type Vault } from '@watchword/client';
import { type TestApp, createTestApp } from '../support/app.ts';

describe('bulk import: POST /api/v1/items/batch', () => {
  let t: TestApp;
  let vault: Vault;
  let other: Vault;
  const client = () => new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: (u, i) => t.fetch(u, i), kdfVersion: 0, dpop: false });

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await client().register({ email: 'bulk@example.com', password: 'bulk passphrase' });
    await client().register({ email: 'other@example.com', password: 'other passphrase' });
    vault = await client().login({ email: 'bulk@example.com', password: 'bulk passphrase' });
    other = await client().login({ email: 'other@example.com', password: 'other passphrase' });
  });
  afterAll(async () => t.close());

  it('imports 1,234 items in batches with progress, all readable afterwards', async () => {
    const progress: number[] = [];
    const contents = Array.from({ length: 1234 }, (_, i) => ({ type: 'login' as const, name: `site ${i}`, fields: [], login: { password: `pw-${i}` } }));
    const added = await vault.addMany(contents, { onProgress: (done) => progress.push(done) });
    expect(added).toHaveLength(1234);
    expect(progress).toEqual([500, 1000, 1234]);
    const listed = await vault.list();
    expect(listed).toHaveLength(1234);
    expect((await vault.get(added[777]!.id)).content.login?.password).toBe('pw-777');
  });

  it('refuses duplicates, foreign vaults, taken ids and oversized batches, changing nothing', async () => {
    const headers = { authorization: `Bearer ${vault.session.tokens.accessToken}`, 'content-type': 'application/json' };
    const post = (items: unknown[]) => t.app.inject({ method: 'POST', url: '/api/v1/items/batch', headers, payload: { items } });
    const id = crypto.randomUUID();
    const one = (overrides: Record<string, string> = {}) => ({ id: crypto.randomUUID(), vaultId: vault.personalVaultId, data: 'AAAA', ...overrides });
    const before = (await vault.sync()).revision;
    const dup = await post([one({ id }), one({ id })]);
    expect([dup.statusCode, JSON.parse(dup.body).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const foreign = await post([one(), one({ vaultId: other.personalVaultId })]);
    expect([foreign.statusCode, JSON.parse(foreign.body).error.code]).toEqual([404, 'VAULT_NOT_FOUND']);
    const taken = (await vault.list())[0]!.id;
    const clash = await post([one(), one({ id: taken })]);
    expect([clash.statusCode, JSON.parse(clash.body).error.code]).toEqual([409, 'ITEM_EXISTS']);
    const tooMany = await post(Array.from({ length: 501 }, () => one()));
    expect(tooMany.statusCode).toBe(400);
    expect((await post([])).statusCode).toBe(400);
    expect((await vault.sync()).revision).toBe(before);
  });
});
