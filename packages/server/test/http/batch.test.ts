import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADD_MANY_IN_FLIGHT, WatchwordClient, type Vault, type VaultItem } from '@watchword/client';
import { DecryptionError, MAX_BATCH_BYTES, importAesKey, sealBytes, utf8 } from '@watchword/protocol';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

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
    // One call per batch, the count so far (batches may answer out of order: up to ADD_MANY_IN_FLIGHT are sent at once).
    expect(progress).toHaveLength(3);
    expect(progress.at(-1)).toBe(1234);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    const listed = await vault.list();
    expect(listed).toHaveLength(1234);
    expect((await vault.get(added[777]!.id)).content.login?.password).toBe('pw-777');
  });

  it('keeps at most ADD_MANY_IN_FLIGHT batches on the wire at once, and returns the items in the order given', async () => {
    let open = 0;
    let most = 0;
    const counting = new WatchwordClient({
      passwordPolicy: false, serverUrl: 'http://watchword.test', kdfVersion: 0, dpop: false,
      fetch: async (u, i) => {
        const batch = String(u).endsWith('/api/v1/items/batch');
        if (batch) most = Math.max(most, ++open);
        try {
          return await t.fetch(u, i);
        } finally {
          if (batch) open--;
        }
      },
    });
    const v = await counting.login({ email: 'bulk@example.com', password: 'bulk passphrase' });
    const contents = Array.from({ length: 2600 }, (_, i) => ({ type: 'note' as const, name: `ordered ${i}`, fields: [] }));
    const added = await v.addMany(contents);
    expect(added.map((a) => a.content.name)).toEqual(contents.map((c) => c.name));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(ADD_MANY_IN_FLIGHT);
  });

  it('after a failed batch starts no other, and reports every stored batch (onStored) before it throws', async () => {
    let batches = 0;
    const failing = new WatchwordClient({
      passwordPolicy: false, serverUrl: 'http://watchword.test', kdfVersion: 0, dpop: false,
      fetch: async (u, i) => {
        if (String(u).endsWith('/api/v1/items/batch') && ++batches === 2) return new Response('{}', { status: 503 });
        return t.fetch(u, i);
      },
    });
    const v = await failing.login({ email: 'bulk@example.com', password: 'bulk passphrase' });
    const before = new Set((await v.list({ trash: 'include' })).map((i) => i.id));
    const stored: VaultItem[] = [];
    const contents = Array.from({ length: 5000 }, (_, i) => ({ type: 'note' as const, name: `failing ${i}`, fields: [] }));
    await expect(v.addMany(contents, { onStored: (items) => stored.push(...items) })).rejects.toThrow();
    const now = (await v.list({ trash: 'include' })).filter((i) => !before.has(i.id));
    expect(new Set(now.map((i) => i.id))).toEqual(new Set(stored.map((i) => i.id)));
    // The failure stopped the import: at most the batches already on the wire besides the failed one were stored.
    expect(stored.length).toBeLessThanOrEqual((ADD_MANY_IN_FLIGHT) * 500);
    expect(batches).toBeLessThan(10);
  });

  it('a sync whose answer holds an item that does not open throws and leaves the local copy and its revision as they were', async () => {
    await client().register({ email: 'tamper@example.com', password: 'tamper passphrase' });
    const v = await client().login({ email: 'tamper@example.com', password: 'tamper passphrase' });
    await v.addMany(Array.from({ length: 3 }, (_, i) => ({ type: 'note' as const, name: `kept ${i}`, fields: [] })));
    const revision = (await v.sync()).revision;
    // A blob this account's keys do not open, stored as the server would store anything it is sent.
    const foreignKey = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
    const bad = { id: crypto.randomUUID(), vaultId: v.personalVaultId, data: await sealBytes(foreignKey, utf8('{}'), utf8('x')) };
    const headers = { authorization: `Bearer ${v.session.tokens.accessToken}`, 'content-type': 'application/json' };
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/items', headers, payload: bad })).statusCode).toBe(201);
    await expect(v.sync()).rejects.toBeInstanceOf(DecryptionError);
    const auth = { authorization: headers.authorization };
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/items/${bad.id}?purge=true`, headers: auth })).statusCode).toBe(200);
    const sent = t.requests.length;
    // The next sync is still a delta from the revision before the failure, and the copy still holds the three items.
    const next = await v.sync();
    expect(t.requests.slice(sent).some((r) => r.url.endsWith(`/api/v1/items?since=${revision}`))).toBe(true);
    expect(next.full).toBe(false);
    expect((await v.list()).map((i) => i.content.name).sort()).toEqual(['kept 0', 'kept 1', 'kept 2']);
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

  it('splits an import by size too: every request within MAX_BATCH_BYTES, every item stored', async () => {
    // 60 items of ~160 KB of incompressible content each: ~13 MB of ciphertext, far fewer than MAX_BATCH_ITEMS items.
    const random = (n: number) => randomBytes(n).toString('base64').slice(0, n);
    const contents = Array.from({ length: 60 }, (_, i) => ({
      type: 'note' as const,
      name: `big ${i}`,
      notes: `${i}:${random(9_000)}`,
      fields: Array.from({ length: 50 }, (_, f) => ({ name: `f${f}`, value: random(3_000), hidden: false })),
    }));
    const sent = t.requests.length;
    const progress: number[] = [];
    const added = await vault.addMany(contents, { onProgress: (done) => progress.push(done) });
    expect(added).toHaveLength(60);
    const batches = t.requests.slice(sent).filter((r) => r.url.endsWith('/api/v1/items/batch'));
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(Buffer.byteLength(batch.body)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(progress.at(-1)).toBe(60);
    expect((await vault.get(added[59]!.id)).content.notes?.startsWith('59:')).toBe(true);
  });

  it('reads no body before the token verifies; an authenticated body over MAX_BATCH_BYTES is refused unread', async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/items/batch', headers: { 'content-type': 'application/json', ...headers }, payload });
    // Malformed JSON: without a token the answer is 401, not a parse error — the body was never parsed.
    const anonymous = await post({}, '{"items": [ not json');
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const forged = await post({ authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.AAAA' }, '{"items": [ not json');
    expect(forged.statusCode).toBe(401);
    const headers = { authorization: `Bearer ${vault.session.tokens.accessToken}` };
    const before = (await vault.sync()).revision;
    const tooLarge = await post(headers, `{"items":[${'"x",'.repeat(MAX_BATCH_BYTES / 4)}"x"]}`);
    expect([tooLarge.statusCode, tooLarge.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect((await vault.sync()).revision).toBe(before);
  });
});
