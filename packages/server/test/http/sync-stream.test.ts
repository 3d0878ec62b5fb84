import { randomBytes, randomUUID } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Value from 'typebox/value';
import { WatchwordClient, type Vault } from '@watchword/client';
import { ListItemsResponse } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { SYNC_PAGE } from '../../src/modules/items/routes.ts';
import type { ItemRecord } from '../../src/storage/items.ts';

/** The same JSON text the route's serializer writes for a one-page answer (schema key order). */
function expected(revision: number, full: boolean, items: ItemRecord[]): string {
  return JSON.stringify({
    revision,
    full,
    items: items.map((r) => ({ id: r.id, vaultId: r.vaultId, revision: r.revision, seq: r.seq, data: r.data, deletedAt: r.deletedAt, purged: r.purged, createdAt: r.createdAt, updatedAt: r.updatedAt })),
  });
}

/** A sync of more than one page is streamed page by page: the same JSON, the same delta semantics. */
describe.each(backendsUnderTest())('streamed sync on $name', ({ dialect, state }) => {
  let t: TestApp;
  let vault: Vault;
  const count = SYNC_PAGE * 2 + 345;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state });
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: (u, i) => t.fetch(u, i), kdfVersion: 0, dpop: false });
    await client().register({ email: 'stream@example.com', password: 'stream passphrase' });
    vault = await client().login({ email: 'stream@example.com', password: 'stream passphrase' });
    // The server never opens `data`: opaque base64url stands in for ciphertext, stored in bulk-import batches.
    for (let done = 0; done < count; done += 500) {
      const items = Array.from({ length: Math.min(500, count - done) }, () => ({ id: randomUUID(), vaultId: vault.personalVaultId, data: randomBytes(120).toString('base64url') }));
      expect(await t.storage.items.createMany({ userId: vault.userId, items, now: t.clock.now })).not.toBe('exists');
    }
  });
  afterAll(async () => t.close());

  const get = (url: string, acceptEncoding = 'identity') =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, 'accept-encoding': acceptEncoding } });

  it('a full sync of several pages is the whole vault as valid JSON, byte for byte what the one-statement list gives', async () => {
    const res = await get('/api/v1/items');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-length']).toBeUndefined(); // written as it is read
    const body = JSON.parse(res.rawPayload.toString('utf8'));
    expect(Value.Check(ListItemsResponse, body)).toBe(true);
    expect(body.items).toHaveLength(count);
    const seqs = body.items.map((i: { seq: number }) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const list = await t.storage.items.list(vault.userId);
    expect(res.rawPayload.toString('utf8')).toBe(expected(list.revision, true, list.items));
  });

  it('compressed as it streams: br and gzip decode to the identity bytes', async () => {
    const plain = (await get('/api/v1/items')).rawPayload;
    const br = await get('/api/v1/items', 'br');
    const gz = await get('/api/v1/items', 'gzip');
    expect([br.headers['content-encoding'], gz.headers['content-encoding']]).toEqual(['br', 'gzip']);
    expect(brotliDecompressSync(br.rawPayload).equals(plain)).toBe(true);
    expect(gunzipSync(gz.rawPayload).equals(plain)).toBe(true);
  });

  it('delta semantics unchanged: trash, update and purge show up after the cursor, tombstones included, across pages', async () => {
    const before = (await t.storage.items.list(vault.userId)).items;
    const cursor = (await t.storage.items.list(vault.userId)).revision;
    const [a, b, c] = [before[10]!, before[SYNC_PAGE + 5]!, before[count - 1]!];
    await t.storage.items.trash(vault.userId, a.id, t.clock.now);
    expect(await t.storage.items.update({ id: b.id, userId: vault.userId, expectedRevision: b.revision, data: 'AAAA', now: t.clock.now })).toBeTruthy();
    await t.storage.items.purge(vault.userId, c.id, t.clock.now);

    const delta = await get(`/api/v1/items?since=${cursor}`);
    const changes = JSON.parse(delta.rawPayload.toString('utf8'));
    expect(changes.full).toBe(false);
    expect(changes.revision).toBe(cursor + 3);
    expect(changes.items.map((i: { id: string }) => i.id)).toEqual([a.id, b.id, c.id]);
    expect(changes.items[2]).toMatchObject({ purged: true, data: null });

    // A delta from 0 spans pages (streamed) and still carries the purged tombstone; a full sync does not.
    const fromZero = await get('/api/v1/items?since=0');
    const zeroList = await t.storage.items.list(vault.userId, 0);
    expect(fromZero.rawPayload.toString('utf8')).toBe(expected(zeroList.revision, false, zeroList.items));
    expect(zeroList.items.some((i) => i.id === c.id && i.purged)).toBe(true);
    const full = JSON.parse((await get('/api/v1/items')).rawPayload.toString('utf8'));
    expect(full.items).toHaveLength(count - 1);
    expect(full.items.some((i: { id: string }) => i.id === c.id)).toBe(false);

    // A cursor from the future answers a full sync.
    const future = JSON.parse((await get(`/api/v1/items?since=${cursor + 1000}`)).rawPayload.toString('utf8'));
    expect([future.full, future.revision, future.items.length]).toEqual([true, cursor + 3, count - 1]);
  });

  it('a change made while a sync streams waits for the next delta: pages after the first stop at its revision', async () => {
    const first = await t.storage.items.page(vault.userId, { limit: SYNC_PAGE });
    const notYetRead = (await t.storage.items.list(vault.userId)).items.at(-1)!;
    expect(await t.storage.items.update({ id: notYetRead.id, userId: vault.userId, expectedRevision: notYetRead.revision, data: 'BBBB', now: t.clock.now })).toBeTruthy();
    const pages: ItemRecord[] = [...first.items];
    for (let last = first.items.at(-1)!.seq; ; ) {
      const next = await t.storage.items.page(vault.userId, { after: last, upTo: first.revision, limit: SYNC_PAGE });
      pages.push(...next.items);
      if (next.items.length < SYNC_PAGE) break;
      last = next.items.at(-1)!.seq;
    }
    expect(pages.every((i) => i.seq <= first.revision)).toBe(true);
    expect(pages.some((i) => i.id === notYetRead.id)).toBe(false);
    const delta = JSON.parse((await get(`/api/v1/items?since=${first.revision}`)).rawPayload.toString('utf8'));
    expect(delta.items.map((i: { id: string; data: string }) => [i.id, i.data])).toEqual([[notYetRead.id, 'BBBB']]);
  });
});
