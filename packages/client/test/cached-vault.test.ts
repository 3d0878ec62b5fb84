/**
 * CachedVault (the CLI's local copy, issue 23) against the real server on each backend under test: a full sync makes
 * the copy, delta syncs keep it, and it never serves what another device trashed, purged or took away (a shared vault
 * this member was removed from); a key rotation is followed (older items still open); a changed blob is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { type ItemContent, sharingKeyMessage, toBase64Url } from '@watchword/protocol';
import { CachedVault, IndexedCacheError, KeyChangedError, Organisations, type Vault, WatchwordClient } from '../src/index.ts';

const login = (name: string, password: string): ItemContent => ({ type: 'login', name, fields: [], login: { username: `${name}-user`, password } });

describe.each(backendsUnderTest())('CachedVault, the CLI local copy ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Vault;
  let bob: Vault;
  let carol: Vault;
  let orgId: string;
  let sharedId: string;
  /** bob's copy as the CLI would keep it between commands. */
  let text: string;

  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
  async function member(email: string): Promise<Vault> {
    const password = `${email} long passphrase`;
    await client().register({ email, password });
    const vault = await client().login({ email, password, deviceName: 'test' });
    await t.storage.account.markEmailVerified(vault.userId, t.clock.now);
    return vault;
  }
  /** A new process: bob's copy opened with his account key (from a fresh unlock), then synced. */
  async function reopen(copy: string | null): Promise<CachedVault> {
    const cached = await CachedVault.open({ session: bob.session, userId: bob.userId, key: { vault: bob }, copy });
    await cached.sync();
    return cached;
  }
  const names = (cached: CachedVault, trash: 'exclude' | 'only' = 'exclude') => cached.list({ trash }).map((e) => e.name);

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    [alice, bob, carol] = [await member('alice@copy.example.com'), await member('bob@copy.example.com'), await member('carol@copy.example.com')];
    const orgs = new Organisations(alice);
    orgId = (await orgs.create('Copy')).id;
    sharedId = (await orgs.createVault(orgId, 'Shared')).id;
    for (const who of [bob, carol]) {
      await orgs.invite(orgId, who.account.email);
      await new Organisations(who).accept(orgId);
      await orgs.confirm(orgId, who.account.email, () => true, [{ vaultId: sharedId, access: 'edit' }]);
    }
    await alice.sync();
    await alice.add(login('shared-v1', 'shared-secret-v1'), { vaultId: sharedId });
    await bob.addMany([login('keep', 'keep-secret'), login('trash-me', 'trash-secret'), login('purge-me', 'purge-secret')]);
  });
  afterAll(async () => t?.close());

  it('a full sync makes the copy; reopened, a delta changes nothing and decrypts only what is asked for', async () => {
    const first = await reopen(null);
    expect(names(first)).toEqual(['keep', 'purge-me', 'shared-v1', 'trash-me']);
    expect(first.vaultName(sharedId)).toBe('Shared');
    text = await first.seal();
    const second = await reopen(text);
    expect(second.changed).toBe(false);
    const [shared] = await second.decrypt(second.search('shared'));
    expect(shared?.content.login?.password).toBe('shared-secret-v1');
  });

  it('after a rotation the key chain is followed: items under the old and the new key both open', async () => {
    // carol leaves the vault: alice rotates its key and adds an item under the new version.
    await new Organisations(alice).unshare(sharedId, carol.userId);
    await alice.sync();
    await alice.add(login('shared-v2', 'shared-secret-v2'), { vaultId: sharedId });
    const cached = await reopen(text);
    expect(cached.changed).toBe(true);
    const items = await cached.decrypt(cached.search('shared'));
    expect(items.map((i) => i.content.login?.password).sort()).toEqual(['shared-secret-v1', 'shared-secret-v2']);
    text = await cached.seal();
  });

  it('never serves a trashed (unless asked), purged or revoked item after a delta sync', async () => {
    const held = await bob.list();
    const id = (name: string) => held.find((i) => i.content.name === name)?.id as string;
    await bob.trash(id('trash-me'));
    await bob.trash(id('purge-me'));
    await bob.purge(id('purge-me'));
    await new Organisations(alice).unshare(sharedId, bob.userId);
    const cached = await reopen(text);
    expect(names(cached)).toEqual(['keep']);
    expect(names(cached, 'only')).toEqual(['trash-me']);
    expect(cached.search('shared', { trash: 'include' })).toEqual([]);
    expect(cached.byId(id('purge-me'))).toBeUndefined();
    // What the copy keeps on disk has the same view: no blob, entry or key of what went.
    text = await cached.seal();
    const again = await CachedVault.open({ session: bob.session, userId: bob.userId, key: { vault: bob }, copy: text });
    expect(again.list({ trash: 'include' }).map((e) => e.name).sort()).toEqual(['keep', 'trash-me']);
    expect(text.split('\n').filter((line) => line !== '')).toHaveLength(4); // header, index, two blobs
  });

  it('a changed blob does not decrypt (IndexedCacheError); a changed index is refused at open', async () => {
    const [header, index, ...blobs] = text.split('\n');
    const flip = (s: string, at: number) => `${s.slice(0, at)}${s[at] === 'A' ? 'B' : 'A'}${s.slice(at + 1)}`;
    const changedBlobs = await CachedVault.open({ session: bob.session, userId: bob.userId, key: { vault: bob }, copy: [header, index, ...blobs.map((b) => (b ? flip(b, 30) : b))].join('\n') });
    expect(changedBlobs.copyRefused).toBe(false);
    await expect(changedBlobs.decrypt(changedBlobs.list())).rejects.toBeInstanceOf(IndexedCacheError);
    const changedIndex = await CachedVault.open({ session: bob.session, userId: bob.userId, key: { vault: bob }, copy: flip(text, text.indexOf('\n') + 40) });
    expect(changedIndex.copyRefused).toBe(true);
    expect(changedIndex.hasCopy).toBe(false);
  });

  it('toVault: a Vault seeded at the copy\'s revision changes an item, and the next delta brings the change into the copy', async () => {
    const cached = await reopen(text);
    const [keep] = await cached.decrypt(cached.search('keep'));
    if (!keep) throw new Error('keep missing');
    const vault = await cached.toVault([keep]);
    await vault.update(keep.id, { ...keep.content, login: { ...keep.content.login, password: 'keep-secret-2' } }, keep.revision);
    const next = await reopen(await cached.seal().catch(() => text));
    expect((await next.decrypt(next.search('keep')))[0]?.content.login?.password).toBe('keep-secret-2');
  });
  it('a new device’s copy checks a granter’s key against the account’s pins: a substituted key is KEY_CHANGED, not trusted', async () => {
    // dave's first device has met alice (the granter of his shared vault): her keys are pinned in his account data.
    const dave = await member('dave@copy.example.com');
    const orgs = new Organisations(alice);
    await orgs.invite(orgId, dave.account.email);
    await new Organisations(dave).accept(orgId);
    await orgs.confirm(orgId, dave.account.email, () => true, [{ vaultId: sharedId, access: 'read' }]);
    await dave.sync();
    expect(dave.sharedVaultProblems()).toEqual([]);
    // A second device of dave's, no pins of its own, behind a server that hands out another identity key for alice,
    // properly self-signed (what a lying server could do).
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const lying = async (input: string, init: RequestInit) => {
      const res = await t.fetch(input, init);
      if (new URL(input).pathname !== `/api/v1/users/${alice.userId}/keys` || res.status !== 200) return res;
      const body = (await res.json()) as { keys: { userId: string; x25519PublicKey: string; ed25519PublicKey: string; keySignature: string } };
      const ed25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)));
      const keySignature = toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', ed.privateKey, sharingKeyMessage(alice.userId, body.keys.x25519PublicKey))));
      return new Response(JSON.stringify({ keys: { ...body.keys, ed25519PublicKey, keySignature } }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const email = dave.account.email;
    const second = await new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: lying, kdfVersion: 0, dpop: false }).login({ email, password: `${email} long passphrase`, deviceName: 'second' });
    const cached = await CachedVault.open({ session: second.session, userId: second.userId, key: { vault: second }, copy: null });
    await cached.sync();
    const problem = cached.sharedVaultProblems().find((p) => p.vaultId === sharedId);
    expect(problem?.error).toBeInstanceOf(KeyChangedError);
    expect(cached.list().map((e) => e.vaultId)).not.toContain(sharedId);
  });
  it('a manager’s copy rotates the key of a vault owing a rotation at its sync, once, and says so', async () => {
    const erin = await member('erin@copy.example.com');
    const orgs = new Organisations(alice);
    await orgs.invite(orgId, erin.account.email);
    await new Organisations(erin).accept(orgId);
    await orgs.confirm(orgId, erin.account.email, () => true, [{ vaultId: sharedId, access: 'read' }]);
    await new Organisations(erin).leave(orgId); // no client of a manager was there to rotate
    const cached = await CachedVault.open({ session: alice.session, userId: alice.userId, key: { vault: alice }, copy: null });
    const rotated: { vaultId: string; keyVersion: number }[] = [];
    cached.onKeyRotated((r) => rotated.push(r));
    await cached.sync();
    expect(rotated.map((r) => r.vaultId)).toEqual([sharedId]);
    expect(cached.rotationsOwed).toEqual([]);
    await cached.sync();
    expect(rotated).toHaveLength(1);
    // Items under the old and the new key both open from the copy.
    expect(names(cached)).toContain('shared-v1');
  });
});
