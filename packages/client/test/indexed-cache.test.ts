import { describe, expect, it } from 'vitest';
import { type AccountResponse, encryptItem, type Item, type ItemContent, randomBytes, type SharedItem, toBase64Url } from '@watchword/protocol';
import {
  type CachedSharedVault,
  type CacheKeyFor,
  type CacheSync,
  type IndexedCacheData,
  IndexedCacheError,
  applySync,
  openIndexedCache,
  sealIndexedCache,
} from '../src/indexed-cache.ts';
import { sealVaultSnapshot } from '../src/vault-cache.ts';

const USER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c6';
const OTHER = '0195f1a2-3b4c-7d5e-8f60-718293a4b5c7';
const PERSONAL = '0195f1a2-3b4c-7d5e-8f60-000000000001';
const SHARED = '0195f1a2-3b4c-7d5e-8f60-000000000002';

// Only the fields the cache reads; the rest of the account is carried through as the server sent it.
const account = (userId = USER) =>
  ({ userId, email: 'ann@example.test', vaults: [{ id: PERSONAL, kind: 'personal', wrappedKey: 'wrapped-by-the-server' }] }) as unknown as AccountResponse;

const login = (name: string, password: string, url: string): ItemContent => ({
  type: 'login',
  name,
  fields: [],
  login: { username: `${name.toLowerCase().replace(/\W/g, '')}-user`, password, urls: [url] },
});

interface Keys {
  accountKey: Uint8Array;
  personal: Uint8Array;
  shared: Uint8Array;
  keyFor: CacheKeyFor;
}

function keys(): Keys {
  const k = { accountKey: randomBytes(32), personal: randomBytes(32), shared: randomBytes(32) };
  return {
    ...k,
    keyFor: (vaultId, keyVersion) => {
      if (vaultId === PERSONAL && keyVersion === null) return k.personal;
      if (vaultId === SHARED && keyVersion === 1) return k.shared;
      throw new Error('no key');
    },
  };
}

let seq = 0;
async function personalItem(k: Keys, content: ItemContent, options: { id?: string; revision?: number; deletedAt?: number | null } = {}): Promise<Item> {
  const id = options.id ?? crypto.randomUUID();
  const revision = options.revision ?? 1;
  const data = await encryptItem({ vaultKey: k.personal, userId: USER, vaultId: PERSONAL, itemId: id, revision, content });
  return { id, vaultId: PERSONAL, revision, seq: ++seq, data, deletedAt: options.deletedAt ?? null, purged: false, createdAt: 1, updatedAt: 2 };
}

async function sharedItem(k: Keys, content: ItemContent): Promise<SharedItem> {
  const id = crypto.randomUUID();
  const data = await encryptItem({ vaultKey: k.shared, userId: USER, vaultId: SHARED, itemId: id, revision: 1, keyVersion: 1, content });
  return { id, vaultId: SHARED, revision: 1, seq: ++seq, data, deletedAt: null, purged: false, createdAt: 1, updatedAt: 2, keyVersion: 1 };
}

const purged = (item: Item): Item => ({ ...item, revision: item.revision, data: null, purged: true, seq: ++seq });

const sharedVault = (id: string): CachedSharedVault => ({ id, orgId: OTHER, name: 'Family', keyVersion: 1, access: 'edit', revision: 1, keys: [[1, toBase64Url(randomBytes(32))]] });

function sync(items: CacheSync['items'], revision: number, options: { full?: boolean; shared?: string[] } = {}): CacheSync {
  return { account: account(), revision, full: options.full ?? false, items, shared: (options.shared ?? []).map(sharedVault), now: 1000 };
}

const withContent = (item: Item | SharedItem, content: ItemContent | undefined) => ({ item, content });

async function reopen(k: Keys, data: IndexedCacheData) {
  return openIndexedCache(k.accountKey, USER, await sealIndexedCache(k.accountKey, data));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('the CLI indexed cache (issue 23): item blobs as synced and a sealed index', () => {
  it('lists and searches from the index alone, and decrypts only the items asked for', async () => {
    const k = keys();
    const github = login('GitHub', 'gh-secret-password-1', 'https://github.com');
    const gitlab = login('GitLab', 'gl-secret-password-2', 'https://gitlab.com');
    const bank = login('Bank', 'bank-secret-password-3', 'https://bank.example');
    const items = [await personalItem(k, github), await personalItem(k, gitlab), await personalItem(k, bank)];
    const cache = await reopen(k, applySync(undefined, sync(items.map((item, i) => withContent(item, [github, gitlab, bank][i])), 7, { full: true })));
    expect(cache.revision).toBe(7);
    expect(cache.list().map((e) => e.name)).toEqual(['Bank', 'GitHub', 'GitLab']);
    expect(cache.search('git').map((e) => e.name)).toEqual(['GitHub', 'GitLab']);
    expect(cache.search('BANK.EXAMPLE').map((e) => e.name)).toEqual(['Bank']);
    expect(cache.search('github-user').map((e) => e.name)).toEqual(['GitHub']);
    const [decrypted] = await cache.decrypt(cache.search('github'), k.keyFor);
    expect(decrypted?.content.login?.password).toBe('gh-secret-password-1');
    expect(decrypted).toMatchObject({ id: items[0]?.id, vaultId: PERSONAL, revision: 1, deletedAt: null });
  });

  it('never serves a trashed, purged or revoked item after a delta sync', async () => {
    const k = keys();
    const a = login('Alpha', 'alpha-password-xyz', 'https://alpha.example');
    const b = login('Bravo', 'bravo-password-xyz', 'https://bravo.example');
    const s = login('Shared thing', 'shared-password-xyz', 'https://shared.example');
    const alpha = await personalItem(k, a);
    const bravo = await personalItem(k, b);
    const shared = await sharedItem(k, s);
    let data = applySync(undefined, sync([withContent(alpha, a), withContent(bravo, b), withContent(shared, s)], 3, { full: true, shared: [SHARED] }));
    expect((await reopen(k, data)).list().map((e) => e.name)).toEqual(['Alpha', 'Bravo', 'Shared thing']);

    // Trash: stays only as trash, never listed or found by default.
    const trashed = await personalItem(k, a, { id: alpha.id, revision: 2, deletedAt: 5 });
    data = applySync((await reopen(k, data)).toData(), sync([withContent(trashed, a)], 4, { shared: [SHARED] }));
    let cache = await reopen(k, data);
    expect(cache.search('alpha')).toEqual([]);
    expect(cache.list().map((e) => e.name)).toEqual(['Bravo', 'Shared thing']);
    expect(cache.list({ trash: 'only' }).map((e) => e.id)).toEqual([alpha.id]);

    // Purge: gone from the index and the blobs.
    data = applySync(cache.toData(), sync([withContent(purged(trashed), undefined)], 5, { shared: [SHARED] }));
    cache = await reopen(k, data);
    expect(cache.list({ trash: 'include' }).map((e) => e.name)).toEqual(['Bravo', 'Shared thing']);
    expect(data.blobs).not.toContain(trashed.data);
    expect(data.blobs).not.toContain(alpha.data);

    // The shared vault is no longer reached (access revoked): its items go, with nothing in the answer naming them.
    data = applySync(cache.toData(), sync([], 6, { shared: [] }));
    cache = await reopen(k, data);
    expect(cache.list({ trash: 'include' }).map((e) => e.name)).toEqual(['Bravo']);
    expect(data.blobs).toEqual([bravo.data]);

    // A full answer that no longer holds a personal item drops it.
    data = applySync(cache.toData(), sync([], 7, { full: true }));
    expect((await reopen(k, data)).list({ trash: 'include' })).toEqual([]);
  });

  it('a changed item replaces its entry and blob: the old revision is not served', async () => {
    const k = keys();
    const v1 = login('Mail', 'old-password-111', 'https://mail.example');
    const v2 = login('Mail renamed', 'new-password-222', 'https://mail.example');
    const first = await personalItem(k, v1);
    const second = await personalItem(k, v2, { id: first.id, revision: 2 });
    let data = applySync(undefined, sync([withContent(first, v1)], 1, { full: true }));
    data = applySync((await reopen(k, data)).toData(), sync([withContent(second, v2)], 2));
    const cache = await reopen(k, data);
    expect(cache.list().map((e) => [e.name, e.revision])).toEqual([['Mail renamed', 2]]);
    expect((await cache.decrypt(cache.list(), k.keyFor))[0]?.content.login?.password).toBe('new-password-222');
  });

  it('detects a tampered index, a tampered, swapped, rolled-back or missing blob, another account, and an old-format file', async () => {
    const k = keys();
    const a = login('Alpha', 'alpha-password-xyz', 'https://alpha.example');
    const b = login('Bravo', 'bravo-password-xyz', 'https://bravo.example');
    const alpha = await personalItem(k, a);
    const bravo = await personalItem(k, b);
    const alphaV2 = await personalItem(k, a, { id: alpha.id, revision: 2 });
    const data = applySync(undefined, sync([withContent(alphaV2, a), withContent(bravo, b)], 9, { full: true }));
    const text = await sealIndexedCache(k.accountKey, data);
    const [headerLine, indexLine, blobA, blobB] = text.split('\n') as [string, string, string, string];
    const header = { ...(JSON.parse(headerLine) as { format: string; revision: number; count: number }), index: indexLine };
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const file = ({ index, ...h }: typeof header, ...blobs: string[]) => `${JSON.stringify(h)}\n${index}\n${blobs.map((x) => `${x}\n`).join('')}`;

    // Index problems: detected when the index is opened.
    const refusedAtOpen = [
      file({ ...header, index: flip(header.index, 40) }, blobA, blobB),
      file({ ...header, revision: 10 }, blobA, blobB), // a newer revision claimed for an older index
      file({ ...header, count: 1 }, blobA), // a dropped item
      file(header, blobA), // a missing blob line
      file(header, blobA, blobB, blobB), // an extra line
      text.slice(0, -10),
      'not a cache',
      await sealVaultSnapshot(k.accountKey, { account: account(), revision: 9, items: [], savedAt: 1 }), // the older CLI cache
    ];
    for (const bad of refusedAtOpen) expect(await rejection(openIndexedCache(k.accountKey, USER, bad))).toBeInstanceOf(IndexedCacheError);
    expect(await rejection(openIndexedCache(k.accountKey, OTHER, text))).toBeInstanceOf(IndexedCacheError);
    expect(await rejection(openIndexedCache(randomBytes(32), USER, text))).toBeInstanceOf(IndexedCacheError);

    // Blob problems: the index opens, and the blob's own AAD refuses it when it is decrypted.
    const refusedAtDecrypt = [
      file(header, flip(blobA, 30), blobB),
      file(header, blobB, blobA), // swapped between items
      file(header, alpha.data as string, blobB), // revision 1 put back for revision 2
    ];
    for (const bad of refusedAtDecrypt) {
      const cache = await openIndexedCache(k.accountKey, USER, bad);
      const alphaEntry = cache.list().filter((e) => e.name === 'Alpha');
      expect(await rejection(cache.decrypt(alphaEntry, k.keyFor))).toBeInstanceOf(IndexedCacheError);
    }
    const error = await rejection(openIndexedCache(k.accountKey, USER, refusedAtOpen[0] as string));
    expect((error as Error).message).toMatch(/integrity check.*synced again in full/);
  });

  it('holds no item plaintext, no password and no key (secret scan of the file)', async () => {
    const k = keys();
    const contents = [
      login('Secret Bank Name', 'hunter2-correct-horse-battery', 'https://very-private-bank.example'),
      { type: 'note', name: 'Diary entry', notes: 'my most private note text', fields: [{ name: 'pin', value: '987654321', hidden: true }] } as ItemContent,
    ];
    const items = [await personalItem(k, contents[0] as ItemContent), await personalItem(k, contents[1] as ItemContent)];
    const text = await sealIndexedCache(k.accountKey, applySync(undefined, sync(items.map((item, i) => withContent(item, contents[i])), 2, { full: true })));
    const secrets = [
      'hunter2-correct-horse-battery',
      'Secret Bank Name',
      'very-private-bank',
      'secretbankname-user',
      'Diary entry',
      'my most private note text',
      '987654321',
      'ann@example.test',
      'wrapped-by-the-server',
      ...items.map((i) => i.id),
      ...[k.accountKey, k.personal, k.shared].flatMap((key) => [toBase64Url(key), Buffer.from(key).toString('hex'), Buffer.from(key).toString('base64')]),
    ];
    for (const secret of secrets) expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
  });
});
