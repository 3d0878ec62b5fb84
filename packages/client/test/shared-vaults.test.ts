/**
 * Shared vaults end to end through the SDK against the real server (issue 25), on each backend under test: three
 * members — alice (owner), bob (edit), carol (read) — with every key operation done by the SDK (sharing keys
 * registered on first need, fingerprints, signed key-chain grants, rotation). A tampering layer in front of the server
 * plays a server that substitutes a member's public key or relabels an item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { DecryptionError, type ItemContent, type SharedItem, api, decryptItem, sharingKeyMessage, toBase64Url } from '@watchword/protocol';
import { KeyChangedError, Organisations, type Vault, WatchwordClient, WatchwordError } from '../src/index.ts';

interface Member {
  email: string;
  vault: Vault;
  orgs: Organisations;
}

/** Rewrites JSON answers of GET requests whose path matches, to play a lying server. */
type Tamper = { path: RegExp; edit: (body: any) => any } | undefined;

const login = (name: string): ItemContent => ({ type: 'login', name, fields: [], login: { username: `${name}-user`, password: `${name}-secret` } });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof WatchwordError ? error.code : error instanceof Error ? `${error.name}` : undefined;
}

describe.each(backendsUnderTest())('shared vaults through the SDK ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let tamper: Tamper;
  let alice: Member;
  let bob: Member;
  let carol: Member;
  let orgId: string;
  let familyId: string;

  /** The server, seen through the tampering rule in force. */
  const fetch = async (input: string, init: RequestInit) => {
    const res = await t.fetch(input, init);
    const rule = tamper;
    if (!rule || (init.method ?? 'GET') !== 'GET' || !rule.path.test(new URL(input).pathname) || res.status !== 200) return res;
    return new Response(JSON.stringify(rule.edit(await res.json())), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const newClient = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch, kdfVersion: 0, dpop: false });

  async function member(email: string): Promise<Member> {
    const client = newClient();
    const password = `${email} long passphrase`;
    await client.register({ email, password });
    const vault = await client.login({ email, password, deviceName: 'test' });
    await t.storage.account.markEmailVerified(vault.userId, t.clock.now);
    return { email, vault, orgs: new Organisations(vault) };
  }

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    alice = await member('alice@family.example.com');
    bob = await member('bob@family.example.com');
    carol = await member('carol@family.example.com');
  });
  afterAll(async () => t?.close());

  it('invite → accept → confirm with the fingerprint phrase, the vault key sealed to each member', async () => {
    orgId = (await alice.orgs.create('Family')).id;
    familyId = (await alice.orgs.createVault(orgId, 'Family logins')).id;
    expect(alice.vault.vaultName(familyId)).toBe('Family logins');
    await alice.orgs.invite(orgId, bob.email, 'member');
    await alice.orgs.invite(orgId, carol.email, 'member');
    expect((await bob.orgs.invitations()).map((i) => i.orgName)).toEqual(['Family']);
    await bob.orgs.accept(orgId);
    await carol.orgs.accept(orgId);

    // The phrase alice is shown is the one bob sees for himself; a phrase not confirmed sends nothing.
    const bobPhrase = await bob.orgs.myFingerprint();
    expect(bobPhrase).toHaveLength(5);
    expect(await codeOf(alice.orgs.confirm(orgId, bob.email, () => false, [{ vaultId: familyId, access: 'edit' }]))).toBe('VALIDATION_FAILED');
    expect((await alice.orgs.member(orgId, bob.email)).state).toBe('accepted');
    let shown: string[] = [];
    await alice.orgs.confirm(orgId, bob.email, ({ fingerprint }) => ((shown = fingerprint), true), [{ vaultId: familyId, access: 'edit' }]);
    expect(shown).toEqual(bobPhrase);
    await alice.orgs.confirm(orgId, carol.email, () => true, [{ vaultId: familyId, access: 'read' }]);
    expect((await alice.orgs.members(orgId)).map((m) => [m.email, m.state])).toEqual(
      expect.arrayContaining([
        [bob.email, 'confirmed'],
        [carol.email, 'confirmed'],
      ]),
    );

    await bob.vault.sync();
    expect(bob.vault.sharedVaults().map((v) => [v.name, v.access])).toEqual([['Family logins', 'edit']]);
    await carol.vault.sync();
    expect(carol.vault.sharedVault(familyId).access).toBe('read');
  });

  it('an item added by alice is edited by bob and read by carol, labelled by its vault; carol (read) cannot write', async () => {
    const added = await alice.vault.add(login('bank'), { vaultId: familyId });
    const bobsView = (await bob.vault.list()).find((i) => i.id === added.id);
    expect(bobsView?.content.login?.password).toBe('bank-secret');
    expect(bob.vault.vaultName(bobsView?.vaultId ?? '')).toBe('Family logins');
    await bob.vault.update(added.id, { ...login('bank'), notes: 'edited by bob' }, added.revision);
    const carols = (await carol.vault.list()).find((i) => i.id === added.id);
    expect(carols?.content.notes).toBe('edited by bob');
    expect(await codeOf(carol.vault.add(login('carol-was-here'), { vaultId: familyId }))).toBe('VAULT_ACCESS_DENIED');
    expect(await codeOf(carol.vault.update(added.id, login('overwritten'), carols?.revision ?? 0))).toBe('VAULT_ACCESS_DENIED');
  });

  it('concurrent edits of one item by two members: the second gets a conflict, nothing is lost', async () => {
    const item = await alice.vault.add(login('wifi'), { vaultId: familyId });
    await bob.vault.sync();
    await alice.vault.update(item.id, { ...login('wifi'), notes: 'alice' }, item.revision);
    expect(await codeOf(bob.vault.update(item.id, { ...login('wifi'), notes: 'bob' }, item.revision))).toBe('ITEM_CONFLICT');
    expect((await carol.vault.list()).find((i) => i.id === item.id)?.content.notes).toBe('alice');
  });

  it('a substituted public key is refused with KEY_CHANGED naming the member, even when it is correctly self-signed', async () => {
    // The server answers with a key set it made for bob's user id (valid signature by its own Ed25519 key).
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const x = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
    const x25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey)));
    const ed25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)));
    const keySignature = toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', ed.privateKey, sharingKeyMessage(bob.vault.userId, x25519PublicKey))));
    const swap = (keys: any) => (keys?.userId === bob.vault.userId ? { ...keys, x25519PublicKey, ed25519PublicKey, keySignature } : keys);
    tamper = {
      path: /\/members$|\/keys$/,
      edit: (body) => ({ ...body, ...(body.members ? { members: body.members.map((m: any) => ({ ...m, keys: swap(m.keys) })) } : {}), ...(body.keys ? { keys: swap(body.keys) } : {}) }),
    };
    try {
      const error = await alice.orgs.members(orgId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyChangedError);
      expect((error as KeyChangedError).code).toBe('KEY_CHANGED');
      expect((error as KeyChangedError).message).toContain(bob.email);
      // Nothing is sealed to the substituted key either.
      expect(await alice.orgs.share(familyId, bob.vault.userId, 'edit').catch((e: unknown) => e)).toBeInstanceOf(KeyChangedError);
      // A key set not signed by its own identity key is refused too, for a member never seen before.
      tamper = undefined;
      const fresh = new Organisations(await relogin(carol));
      tamper = { path: /\/members$/, edit: (body) => ({ ...body, members: body.members.map((m: any) => (m.keys ? { ...m, keys: { ...m.keys, keySignature: keySignature } } : m)) }) };
      expect(await fresh.members(orgId).catch((e: unknown) => e)).toBeInstanceOf(KeyChangedError);
    } finally {
      tamper = undefined;
    }
  });

  async function relogin(who: Member): Promise<Vault> {
    return newClient().login({ email: who.email, password: `${who.email} long passphrase` });
  }

  it('an item moved into the shared vault is re-encrypted there; relabelled back to the personal vault it does not decrypt', async () => {
    const own = await bob.vault.add(login('moved'));
    const moved = await bob.vault.move(own.id, familyId);
    expect(moved.vaultId).toBe(familyId);
    expect(moved.id).not.toBe(own.id);
    expect((await alice.vault.list()).find((i) => i.id === moved.id)?.content.name).toBe('moved');
    expect((await bob.vault.list()).some((i) => i.id === own.id)).toBe(false);

    // The server swaps it back: the stored row's blob served as bob's personal item (same id, same revision).
    const { item } = await bob.vault.session.call(api.vaults.getItem, { params: { vaultId: familyId, id: moved.id } });
    const familyKey = bob.vault.sharedVault(familyId).keys.get(item.keyVersion) as Uint8Array;
    const asPersonal = { userId: bob.vault.userId, vaultId: bob.vault.personalVaultId, itemId: item.id, revision: item.revision, data: item.data as string };
    // Under the vault's own key (the only key the blob was sealed with) but labelled as the personal vault: refused.
    await expect(decryptItem({ ...asPersonal, vaultKey: familyKey })).rejects.toBeInstanceOf(DecryptionError);
    await expect(decryptItem({ ...asPersonal, vaultKey: familyKey, keyVersion: item.keyVersion })).rejects.toBeInstanceOf(DecryptionError);
    // And the sync refuses such a relabelled item rather than showing it.
    try {
      const fresh = await relogin(bob);
      tamper = { path: /^\/api\/v1\/items$/, edit: (body) => ({ ...body, full: true, items: [...body.items, (({ keyVersion: _k, ...rest }) => ({ ...rest, vaultId: fresh.personalVaultId }))(item as SharedItem)] }) };
      await expect(fresh.sync()).rejects.toBeInstanceOf(DecryptionError);
    } finally {
      tamper = undefined;
    }
  });

  /** A key set the server could make for alice: her X25519 key, a new Ed25519 identity key that signs it. */
  async function aliceSubstitute(viewer: Member) {
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const ed25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)));
    // The substitute must carry a valid self-signature, or the signature check (not the pins) would refuse it.
    const x25519PublicKey = (await viewer.orgs.members(orgId)).find((m) => m.userId === alice.vault.userId)?.keys?.x25519PublicKey as string;
    const keySignature = toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', ed.privateKey, sharingKeyMessage(alice.vault.userId, x25519PublicKey))));
    return { path: new RegExp(`/users/${alice.vault.userId}/keys$`), edit: (body: any) => ({ keys: { ...body.keys, ed25519PublicKey, keySignature } }) };
  }

  it('a device that never met a member detects a substituted key from the account’s pins; the others still listed', async () => {
    const substitute = await aliceSubstitute(bob); // bob's first device pinned alice's keys into his account data
    const fresh = await relogin(bob);
    const personal = await fresh.add(login('still-listed'));
    tamper = substitute;
    try {
      await fresh.sync();
      expect(fresh.sharedVaults()).toEqual([]);
      expect(fresh.sharedVaultProblems().map((p) => [p.vaultId, (p.error as KeyChangedError).code])).toEqual([[familyId, 'KEY_CHANGED']]);
      const listed = await fresh.list();
      expect(listed.some((i) => i.id === personal.id)).toBe(true);
      expect(listed.some((i) => i.vaultId === familyId)).toBe(false);
    } finally {
      tamper = undefined;
    }
    await fresh.sync();
    expect(fresh.sharedVaultProblems()).toEqual([]);
    expect(fresh.sharedVaults().map((v) => v.id)).toEqual([familyId]);
  });

  it('a grant not signed by the granter the server names is not opened, even for a key the device chose to trust anew', async () => {
    const substitute = await aliceSubstitute(bob);
    const fresh = await relogin(bob);
    // The user told this device to forget alice's pin (as after comparing a new phrase): the next key seen is pinned.
    fresh.keyring.pins.forget(alice.vault.userId);
    tamper = substitute;
    try {
      await fresh.sync();
      expect(fresh.sharedVaults()).toEqual([]);
      expect(fresh.sharedVaultProblems().map((p) => [p.vaultId, p.error.constructor.name])).toEqual([[familyId, 'DecryptionError']]);
    } finally {
      tamper = undefined;
    }
    // The key pinned then (and written into the account's pins) makes the genuine one read as changed, until forgotten.
    await fresh.sync();
    expect(fresh.sharedVaultProblems().map((p) => (p.error as KeyChangedError).code)).toEqual(['KEY_CHANGED']);
    fresh.keyring.pins.forget(alice.vault.userId);
    await fresh.sync();
    expect(fresh.sharedVaultProblems()).toEqual([]);
    expect(fresh.sharedVaults().map((v) => v.id)).toEqual([familyId]);
  });

  it('two devices of one account making their sharing keys at once end with the same keys', async () => {
    const dave = await member('dave@family.example.com');
    const other = await relogin(dave);
    const [a, b] = await Promise.all([dave.orgs.myFingerprint(), new Organisations(other).myFingerprint()]);
    expect(a).toEqual(b);
  });

  it('a removed member is refused at once and cannot decrypt what is added after, with every key it ever held', async () => {
    await carol.vault.sync();
    const kept = [...carol.vault.sharedVault(familyId).keys.entries()].map(([version, key]) => [version, key.slice()] as const);
    expect(kept.length).toBeGreaterThan(0);
    const before = await alice.vault.add(login('before-removal'), { vaultId: familyId });

    const rotated = await alice.orgs.remove(orgId, carol.email);
    expect(rotated).toEqual([familyId]);
    expect(alice.vault.sharedVault(familyId).keyVersion).toBe(2);

    // Refused at once by the server, and the vault is reported gone in the next sync.
    expect(await codeOf(carol.vault.session.call(api.vaults.getItem, { params: { vaultId: familyId, id: before.id } }))).toBe('VAULT_NOT_FOUND');
    await carol.vault.sync();
    expect(carol.vault.sharedVaults()).toEqual([]);
    expect((await carol.vault.list()).some((i) => i.vaultId === familyId)).toBe(false);

    const after = await alice.vault.add(login('after-removal'), { vaultId: familyId });
    const { item } = await alice.vault.session.call(api.vaults.getItem, { params: { vaultId: familyId, id: after.id } });
    expect(item.keyVersion).toBe(2);
    for (const [version, key] of kept) {
      for (const keyVersion of [item.keyVersion, version]) {
        await expect(
          decryptItem({ vaultKey: key, userId: carol.vault.userId, vaultId: familyId, itemId: item.id, revision: item.revision, keyVersion, data: item.data as string }),
        ).rejects.toBeInstanceOf(DecryptionError);
      }
    }
    // Bob, still a member, got the new key (and keeps reading the older items).
    const bobs = await bob.vault.list();
    expect(bobs.find((i) => i.id === after.id)?.content.name).toBe('after-removal');
    expect(bobs.find((i) => i.id === before.id)?.content.name).toBe('before-removal');
  });
});
