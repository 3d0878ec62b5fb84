/**
 * A removal made anywhere gets the vault key rotated by the next client that manages the vault, through the SDK
 * against the real server, on each backend under test. Three roles in every team — alice (organisation owner, manages
 * the vault), bob (admin, manages it), carol (member, edits it) — and a victim removed by one path at a time: unshare,
 * removal by the owner, removal by an admin, leaving, account deletion. The removal is made with plain API calls (the
 * remover's client does not rotate), then bob's next sync rotates; the victim, keeping every key it ever held, cannot
 * decrypt what is added afterwards. Two managers syncing at once rotate once; carol (no manage) never rotates and her
 * writes wait. Then the key pins in the account data: two devices merging, the password history kept, device pins
 * migrated, a password change keeping the pins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { DecryptionError, type ItemContent, api, decryptItem, openAccountData, sharingKeyMessage, toBase64Url } from '@watchword/protocol';
import { KeyPins, type KeyRotation, Organisations, type Vault, WatchwordClient, WatchwordError } from '../src/index.ts';

interface Member {
  email: string;
  password: string;
  client: WatchwordClient;
  vault: Vault;
  orgs: Organisations;
}

const login = (name: string): ItemContent => ({ type: 'login', name, fields: [], login: { username: `${name}-user`, password: `${name}-secret` } });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof WatchwordError ? error.code : error instanceof Error ? error.name : undefined;
}

describe.each(backendsUnderTest())('key rotation after a removal, by the next managing client ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let carol: Member;
  let n = 0;
  /** Rewrites the JSON answers of GET requests whose path matches, to play a server that substitutes a key. */
  let tamper: { path: RegExp; edit: (body: any) => any } | undefined;
  const fetch = async (input: string, init: RequestInit) => {
    const res = await t.fetch(input, init);
    const rule = tamper;
    if (!rule || (init.method ?? 'GET') !== 'GET' || !rule.path.test(new URL(input).pathname) || res.status !== 200) return res;
    return new Response(JSON.stringify(rule.edit(await res.json())), { status: 200, headers: { 'content-type': 'application/json' } });
  };

  const newClient = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch, kdfVersion: 0, dpop: false });
  async function member(name: string): Promise<Member> {
    const client = newClient();
    const email = `${name}@rotation.example.com`;
    const password = `${email} long passphrase`;
    await client.register({ email, password });
    const vault = await client.login({ email, password, deviceName: 'test' });
    await t.storage.account.markEmailVerified(vault.userId, t.clock.now);
    return { email, password, client, vault, orgs: new Organisations(vault) };
  }
  const relogin = (who: Member) => newClient().login({ email: who.email, password: who.password });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    alice = await member('alice');
    bob = await member('bob');
    carol = await member('carol');
  });
  afterAll(async () => t?.close());

  /** A new organisation of alice's with one vault: bob (admin, manage), carol (member, edit), the victim (member, read). */
  async function team() {
    const victim = await member(`victim-${++n}`);
    const orgId = (await alice.orgs.create(`Team ${n}`)).id;
    const vaultId = (await alice.orgs.createVault(orgId, `Vault ${n}`)).id;
    for (const [who, role] of [[bob, 'admin'], [carol, 'member'], [victim, 'member']] as const) {
      await alice.orgs.invite(orgId, who.email, role);
      await who.orgs.accept(orgId);
    }
    await alice.orgs.confirm(orgId, bob.email, () => true, [{ vaultId, access: 'manage' }]);
    await alice.orgs.confirm(orgId, carol.email, () => true, [{ vaultId, access: 'edit' }]);
    await alice.orgs.confirm(orgId, victim.email, () => true, [{ vaultId, access: 'read' }]);
    await Promise.all([bob, carol, victim].map((m) => m.vault.sync()));
    const kept = () => [...victim.vault.sharedVault(vaultId).keys.entries()].map(([version, key]) => [version, key.slice()] as const);
    const memberId = async (who: Member) => (await alice.orgs.member(orgId, who.email)).id;
    return { orgId, vaultId, victim, kept, memberId };
  }

  /** Every key the victim held fails on an item added now; the members still read it. */
  async function expectUnreadableByVictim(vaultId: string, victim: Member, kept: (readonly [number, Uint8Array])[], label: string) {
    const after = await alice.vault.add(login(`after-${label}`), { vaultId });
    const { item } = await alice.vault.session.call(api.vaults.getItem, { params: { vaultId, id: after.id } });
    expect(item.keyVersion, label).toBeGreaterThan(Math.max(...kept.map(([v]) => v)));
    for (const [version, key] of kept) {
      for (const keyVersion of new Set([item.keyVersion, version])) {
        await expect(
          decryptItem({ vaultKey: key, userId: victim.vault.userId, vaultId, itemId: item.id, revision: item.revision, keyVersion, data: item.data as string }),
          label,
        ).rejects.toBeInstanceOf(DecryptionError);
      }
    }
    expect((await carol.vault.list()).find((i) => i.id === after.id)?.content.name, label).toBe(`after-${label}`);
    // Refused by the server too (a deleted account's session is gone altogether).
    expect(await codeOf(victim.vault.session.call(api.vaults.getItem, { params: { vaultId, id: after.id } })), label).toBe(label === 'account deletion' ? 'INVALID_REFRESH_TOKEN' : 'VAULT_NOT_FOUND');
  }

  it('each removal path: the vault owes a rotation, bob’s next sync rotates it once, the victim reads nothing new', async () => {
    const paths: [string, (s: Awaited<ReturnType<typeof team>>) => Promise<void>][] = [
      ['unshare', async (s) => void (await alice.vault.session.call(api.vaults.unshare, { params: { vaultId: s.vaultId, userId: s.victim.vault.userId } }))],
      ['removal by the owner', async (s) => void (await alice.vault.session.call(api.orgs.remove, { params: { orgId: s.orgId, memberId: await s.memberId(s.victim) } }))],
      ['removal by an admin', async (s) => void (await bob.vault.session.call(api.orgs.remove, { params: { orgId: s.orgId, memberId: await s.memberId(s.victim) } }))],
      ['leaving', (s) => s.victim.orgs.leave(s.orgId)],
      ['account deletion', (s) => s.victim.client.security(s.victim.vault.session).deleteAccount(s.victim.password, s.victim.email)],
    ];
    for (const [label, remove] of paths) {
      const s = await team();
      const kept = s.kept();
      await remove(s);

      // carol edits but does not manage: her sync sees the debt and cannot pay it; her write waits, nothing sent.
      await carol.vault.sync();
      expect(carol.vault.pendingRotations().map((p) => [p.vaultId, p.canRotate]), label).toEqual([[s.vaultId, false]]);
      expect(await codeOf(carol.vault.add(login('too-early'), { vaultId: s.vaultId })), label).toBe('VAULT_ROTATION_PENDING');
      expect(carol.vault.sharedVault(s.vaultId).keyVersion, label).toBe(1);

      const rotations: KeyRotation[] = [];
      const stop = bob.vault.onKeyRotated((r) => rotations.push(r));
      await bob.vault.sync();
      stop();
      expect(rotations, label).toEqual([{ vaultId: s.vaultId, name: `Vault ${n}`, keyVersion: 2 }]);
      expect(bob.vault.pendingRotations(), label).toEqual([]);
      expect(bob.vault.sharedVault(s.vaultId).keyVersion, label).toBe(2);
      // A second sync finds nothing owed.
      await bob.vault.sync();
      expect(bob.vault.sharedVault(s.vaultId).keyVersion, label).toBe(2);
      // carol's write goes through now, under the new key (her SDK syncs when the state it holds says "owed").
      const written = await carol.vault.add(login(`carol-${label}`), { vaultId: s.vaultId });
      expect((await carol.vault.session.call(api.vaults.getItem, { params: { vaultId: s.vaultId, id: written.id } })).item.keyVersion, label).toBe(2);
      await expectUnreadableByVictim(s.vaultId, s.victim, kept, label);
    }
  });

  it('a role change takes no key away: nothing owed, nothing rotated', async () => {
    const s = await team();
    await alice.orgs.setRole(s.orgId, s.victim.email, 'admin');
    await alice.orgs.setRole(s.orgId, bob.email, 'member');
    await bob.vault.sync();
    expect(bob.vault.pendingRotations()).toEqual([]);
    expect(bob.vault.sharedVault(s.vaultId).keyVersion).toBe(1);
    await alice.orgs.setRole(s.orgId, bob.email, 'admin');
  });

  it('two managing clients syncing at once rotate exactly once; the loser loads the winner’s key', async () => {
    const s = await team();
    const kept = s.kept();
    await alice.vault.session.call(api.orgs.remove, { params: { orgId: s.orgId, memberId: await s.memberId(s.victim) } });
    const rotations: KeyRotation[] = [];
    const stops = [alice, bob].map((m) => m.vault.onKeyRotated((r) => rotations.push(r)));
    await Promise.all([alice.vault.sync(), bob.vault.sync()]);
    for (const stop of stops) stop();
    expect(rotations).toHaveLength(1);
    await Promise.all([alice.vault.sync(), bob.vault.sync()]);
    expect([alice.vault.sharedVault(s.vaultId).keyVersion, bob.vault.sharedVault(s.vaultId).keyVersion]).toEqual([2, 2]);
    const events = await alice.orgs.audit(s.orgId);
    expect(events.filter((e) => e.action === 'vault.key_rotated')).toHaveLength(1);
    await expectUnreadableByVictim(s.vaultId, s.victim, kept, 'race');
  });

  it('a member’s key substituted at rotation time stops that rotation: nothing sealed to it, the vault still owes one', async () => {
    const s = await team();
    await bob.orgs.members(s.orgId); // bob's account pins carol's genuine keys
    await alice.vault.session.call(api.vaults.unshare, { params: { vaultId: s.vaultId, userId: s.victim.vault.userId } });
    // The server's substitute for carol: her X25519 key under an identity key it made, correctly self-signed.
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const ed25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)));
    const carolX = (await bob.orgs.vaultMembers(s.vaultId)).find((m) => m.userId === carol.vault.userId)?.keys?.x25519PublicKey as string;
    const keySignature = toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', ed.privateKey, sharingKeyMessage(carol.vault.userId, carolX))));
    const swap = (m: any) => (m.userId === carol.vault.userId ? { ...m, keys: { ...m.keys, ed25519PublicKey, keySignature } } : m);
    tamper = { path: new RegExp(`/vaults/${s.vaultId}/members$`), edit: (body) => ({ members: body.members.map(swap) }) };
    const rotations: KeyRotation[] = [];
    const stop = bob.vault.onKeyRotated((r) => rotations.push(r));
    try {
      await bob.vault.sync();
      expect(rotations).toEqual([]);
      expect(bob.vault.pendingRotations().map((p) => [p.vaultId, p.canRotate, (p.error as { code?: string } | null)?.code])).toEqual([[s.vaultId, true, 'KEY_CHANGED']]);
      expect((await bob.vault.session.call(api.vaults.get, { params: { vaultId: s.vaultId } })).vault).toMatchObject({ keyVersion: 1, rotationPendingSince: expect.any(Number) });
      expect(await codeOf(bob.vault.add(login('blocked'), { vaultId: s.vaultId }))).toBe('KeyChangedError');
    } finally {
      tamper = undefined;
    }
    await bob.vault.sync();
    stop();
    expect(rotations.map((r) => r.keyVersion)).toEqual([2]);
    expect(bob.vault.pendingRotations()).toEqual([]);
  });

  it('a manager writing to a vault that owes a rotation rotates first, then writes under the new key', async () => {
    const s = await team();
    await alice.vault.session.call(api.vaults.unshare, { params: { vaultId: s.vaultId, userId: s.victim.vault.userId } });
    // bob has not synced since: the server refuses his write, his SDK syncs (rotating) and writes again.
    const written = await bob.vault.add(login('bob-writes'), { vaultId: s.vaultId });
    expect((await bob.vault.session.call(api.vaults.getItem, { params: { vaultId: s.vaultId, id: written.id } })).item.keyVersion).toBe(2);
    expect(bob.vault.sharedVault(s.vaultId).keyVersion).toBe(2);
  });
});

describe.each(backendsUnderTest())('key pins in the account data ($name)', ({ dialect, state }) => {
  let t: TestApp;
  const newClient = () => new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
  const email = 'pins@rotation.example.com';
  let password = `${email} long passphrase`;
  const device = () => newClient().login({ email, password, deviceName: 'device' });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state, clock: 'running' });
    await newClient().register({ email, password });
  });
  afterAll(async () => t?.close());

  /** A member's key set, signed by its own identity key (as a real member's would be). */
  async function memberKeys() {
    const userId = crypto.randomUUID();
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const x = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
    const x25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey)));
    const ed25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)));
    const keySignature = toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', ed.privateKey, sharingKeyMessage(userId, x25519PublicKey))));
    return { userId, x25519PublicKey, ed25519PublicKey, keySignature };
  }
  /** The account data as stored now, opened with the account key of `vault`. */
  async function stored(vault: Vault) {
    const { accountData } = await vault.session.call(api.account.get, {});
    return openAccountData({ accountKey: vault.exportAccountKey(), userId: vault.userId, sealed: accountData as string });
  }

  it('two devices pinning at once: the loser merges; neither device’s pins nor the password history is lost', async () => {
    const [a, b] = [await device(), await device()];
    const history = (await stored(a)).passwordHistory;
    expect(history).toHaveLength(1);
    const [ka, kb] = [await memberKeys(), await memberKeys()];
    // Both load the account's pins (same revision) before either writes.
    await a.keyring.pins.check(ka);
    await b.keyring.pins.check(kb);
    await a.keyring.pins.flush();
    await b.keyring.pins.flush(); // revision moved: ACCOUNT_DATA_CONFLICT, read again, merged, written
    const data = await stored(a);
    expect(data.passwordHistory).toEqual(history);
    expect(data.keyPins?.map((p) => p.userId).sort()).toEqual([ka.userId, kb.userId].sort());
    // And concurrently, many times over: every pin arrives.
    const more = await Promise.all(Array.from({ length: 6 }, () => memberKeys()));
    await Promise.all(more.map(async (k, i) => {
      const d = i % 2 === 0 ? a : b;
      await d.keyring.pins.check(k);
      await d.keyring.pins.flush();
    }));
    const after = await stored(a);
    expect(after.keyPins?.map((p) => p.userId).sort()).toEqual([ka, kb, ...more].map((k) => k.userId).sort());
    expect(after.passwordHistory).toEqual(history);
  });

  it('a device that never saw a member detects a key substituted for one its account pinned', async () => {
    const known = await memberKeys();
    const first = await device();
    await first.keyring.pins.check(known);
    await first.keyring.pins.flush();
    const fresh = await device();
    const substitute = await memberKeys();
    const error = await fresh.keyring.pins.check({ ...substitute, userId: known.userId, keySignature: (await resign(known.userId, substitute)).keySignature }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('KEY_CHANGED');
    await fresh.keyring.pins.check(known);
  });

  /** `keys` re-signed for `userId` by a fresh identity key (what a lying server could hand out). */
  async function resign(userId: string, keys: { x25519PublicKey: string }) {
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const ed25519PublicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)));
    return { ed25519PublicKey, keySignature: toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', ed.privateKey, sharingKeyMessage(userId, keys.x25519PublicKey)))) };
  }

  it('pins kept on a device before are written into the account at its next sync; a forgotten pin leaves it', async () => {
    const onDevice = await memberKeys();
    const a = await device();
    const local = new KeyPins();
    await local.check(onDevice);
    const sealed = await local.seal(a.exportAccountKey(), a.userId);
    const b = await device();
    await b.restoreKeyPins(sealed);
    await b.sync();
    expect((await stored(b)).keyPins?.some((p) => p.userId === onDevice.userId)).toBe(true);
    b.keyring.pins.forget(onDevice.userId);
    await b.keyring.pins.flush();
    expect((await stored(b)).keyPins?.some((p) => p.userId === onDevice.userId)).toBe(false);
  });

  it('a password change keeps the pins, also those another device wrote after this one opened; the history grows', async () => {
    const client = newClient();
    const vault = await client.login({ email, password });
    const mine = await memberKeys();
    await vault.keyring.pins.check(mine);
    await vault.keyring.pins.flush();
    const other = await device();
    const theirs = await memberKeys();
    await other.keyring.pins.check(theirs);
    await other.keyring.pins.flush();
    const before = await stored(other);
    expect(before.keyPins?.map((p) => p.userId)).toEqual(expect.arrayContaining([mine.userId, theirs.userId]));
    const next = `${password} changed`;
    await client.changePassword(vault, { currentPassword: password, newPassword: next });
    password = next;
    const after = await stored(await device());
    expect(after.keyPins).toEqual(before.keyPins);
    expect(after.passwordHistory).toHaveLength(before.passwordHistory.length + 1);
  });
});
