/**
 * The shared storage suite for organisations and shared vaults (issue 25): every dialect must pass it. Access is
 * decided by the statements themselves, so these cases call the repositories directly, without any route in front.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/types.ts';
import type { Dialect } from '@watchword/testkit';
import { type OpenedStorage, openMigratedStorage, sampleUser, sampleVault } from '@watchword/testkit/app';

const T0 = 1_763_900_000_000;

export function sharedVaultsSuite(dialect: Dialect): void {
  describe(`shared vaults storage (${dialect})`, () => {
    let opened: OpenedStorage;
    let storage: Storage;
    beforeAll(async () => {
      opened = await openMigratedStorage(dialect);
      storage = opened.storage;
    });
    afterAll(async () => opened?.dispose());

    const user = async () => {
      const u = sampleUser();
      const v = sampleVault();
      expect(await storage.users.create(u, v, T0)).toBe('created');
      return { id: u.id, email: u.email, vaultId: v.id };
    };
    /** An organisation owned by `owner`, with a vault it manages and `members` (user, access) confirmed in it. */
    const setup = async (members: { id: string; email: string; access: 'read' | 'edit' | 'manage' }[] = []) => {
      const owner = await user();
      const orgId = randomUUID();
      const vaultId = randomUUID();
      expect(await storage.orgs.create({ id: orgId, name: 'Org', ownerId: owner.id, ownerEmail: owner.email, now: T0 })).toMatchObject({ id: orgId, role: 'owner' });
      expect(await storage.sharedVaults.create({ id: vaultId, orgId, encryptedName: 'bmFtZQ', wrappedKey: 'a2V5', userId: owner.id, now: T0, maxVaults: 10 })).toMatchObject({ id: vaultId, access: 'manage' });
      for (const m of members) {
        const memberId = randomUUID();
        expect(await storage.orgs.invite({ id: memberId, orgId, email: m.email, role: 'member', invitedBy: owner.id, now: T0, maxMembers: 100 })).toBe('invited');
        expect(await storage.orgs.accept(orgId, m.id, m.email, T0)).toMatchObject({ state: 'accepted' });
        expect(await storage.orgs.confirm({ orgId, memberId, actorId: owner.id, grants: [{ vaultId, access: m.access, keyVersion: 1, wrappedKey: 'a2V5' }], now: T0 })).toMatchObject({ state: 'confirmed' });
      }
      return { owner, orgId, vaultId };
    };
    const item = async (userId: string, vaultId: string) => {
      const created = await storage.sharedItems.create({ userId, vaultId, id: randomUUID(), keyVersion: 1, data: 'ZGF0YQ', now: T0 });
      if (typeof created === 'string') throw new Error(`create refused: ${created}`);
      return created;
    };

    it('each item change takes the vault’s next revision as its seq; deltas return exactly what changed since', async () => {
      const { owner, vaultId } = await setup();
      const a = await item(owner.id, vaultId);
      const b = await item(owner.id, vaultId);
      expect([a.seq, b.seq]).toEqual([1, 2]);
      const updated = await storage.sharedItems.update({ userId: owner.id, vaultId, id: a.id, expectedRevision: 1, keyVersion: 1, data: 'bmV3', now: T0 + 1 });
      expect(updated).toMatchObject({ revision: 2, seq: 3, data: 'bmV3' });
      const sync = await storage.sharedItems.sync(owner.id, [{ vaultId, revision: 2 }]);
      expect(sync.vaults[0]?.revision).toBe(3);
      expect(sync.items.map((i) => i.id)).toEqual([a.id]);
    });

    it('of 20 concurrent updates with the same expected revision exactly one wins; seqs stay distinct', async () => {
      const editors = await Promise.all(Array.from({ length: 4 }, () => user()));
      const { owner, vaultId } = await setup(editors.map((e) => ({ ...e, access: 'edit' as const })));
      const target = await item(owner.id, vaultId);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => storage.sharedItems.update({ userId: editors[i % 4]!.id, vaultId, id: target.id, expectedRevision: 1, keyVersion: 1, data: `ZGF0YQ${i}`, now: T0 + i })),
      );
      expect(results.filter((r) => typeof r !== 'string')).toHaveLength(1);
      expect(results.filter((r) => r === 'conflict')).toHaveLength(19);
      const creates = await Promise.all(editors.flatMap((e) => Array.from({ length: 5 }, () => item(e.id, vaultId))));
      expect(new Set(creates.map((c) => c.seq)).size).toBe(20);
    });

    it('a reader cannot write; a stranger cannot read or write; a removed member loses both at once', async () => {
      const [reader, editor, stranger] = [await user(), await user(), await user()];
      const { owner, orgId, vaultId } = await setup([{ ...reader, access: 'read' }, { ...editor, access: 'edit' }]);
      const it1 = await item(editor.id, vaultId);
      expect(await storage.sharedItems.get(reader.id, vaultId, it1.id)).toMatchObject({ id: it1.id });
      expect(await storage.sharedItems.create({ userId: reader.id, vaultId, id: randomUUID(), keyVersion: 1, data: 'eA', now: T0 })).toBe('denied');
      expect(await storage.sharedItems.transition({ userId: reader.id, vaultId, id: it1.id, to: 'purge', now: T0 })).toBe('denied');
      expect(await storage.sharedItems.get(stranger.id, vaultId, it1.id)).toBeUndefined();
      expect(await storage.sharedItems.update({ userId: stranger.id, vaultId, id: it1.id, expectedRevision: 1, keyVersion: 1, data: 'eA', now: T0 })).toBe('not_found');
      const editorMember = (await storage.orgs.members(orgId)).find((m) => m.userId === editor.id)!;
      expect(await storage.orgs.remove({ orgId, memberId: editorMember.id, actorRole: 'owner', now: T0 })).toMatchObject({ userId: editor.id });
      expect(await storage.sharedItems.get(editor.id, vaultId, it1.id)).toBeUndefined();
      expect(await storage.sharedItems.update({ userId: editor.id, vaultId, id: it1.id, expectedRevision: 1, keyVersion: 1, data: 'eA', now: T0 })).toBe('not_found');
      expect((await storage.sharedItems.sync(editor.id, [{ vaultId, revision: 0 }])).gone).toEqual([vaultId]);
      expect(await storage.sharedItems.get(owner.id, vaultId, it1.id)).toMatchObject({ data: 'ZGF0YQ' });
    });

    it('rotation is all or nothing: a stale item revision refuses it and keeps every key as it was', async () => {
      const editor = await user();
      const { owner, vaultId } = await setup([{ ...editor, access: 'edit' }]);
      const it1 = await item(owner.id, vaultId);
      const keys = [{ userId: owner.id, wrappedKey: 'azI' }, { userId: editor.id, wrappedKey: 'azI' }];
      expect(await storage.sharedVaults.rotate({ actorId: owner.id, vaultId, keyVersion: 2, wrappedKeys: keys, items: [{ id: it1.id, revision: 5, data: 'eA' }], now: T0 })).toEqual({ conflict: it1.id });
      expect(await storage.sharedVaults.forMember(editor.id, vaultId, 'read')).toMatchObject({ keyVersion: 1, memberKeyVersion: 1 });
      expect(await storage.sharedVaults.rotate({ actorId: editor.id, vaultId, keyVersion: 2, wrappedKeys: keys, items: [], now: T0 })).toBe('not_found');
      expect(await storage.sharedVaults.rotate({ actorId: owner.id, vaultId, keyVersion: 3, wrappedKeys: keys, items: [], now: T0 })).toBe('key_version');
      expect(await storage.sharedVaults.rotate({ actorId: owner.id, vaultId, keyVersion: 2, wrappedKeys: keys, items: [{ id: it1.id, revision: 1, data: 'eQ' }], now: T0 })).toMatchObject({ keyVersion: 2 });
      expect(await storage.sharedItems.get(editor.id, vaultId, it1.id)).toMatchObject({ keyVersion: 2, revision: 2, data: 'eQ' });
    });

    it('owners: the last one stays; two owners demoting each other at once leave one', async () => {
      const second = await user();
      const { owner, orgId } = await setup();
      const memberId = randomUUID();
      await storage.orgs.invite({ id: memberId, orgId, email: second.email, role: 'admin', invitedBy: owner.id, now: T0, maxMembers: 100 });
      await storage.orgs.accept(orgId, second.id, second.email, T0);
      expect(await storage.orgs.changeRole({ orgId, memberId, actorRole: 'owner', role: 'owner' })).toMatchObject({ role: 'owner' });
      const ownerMember = (await storage.orgs.members(orgId)).find((m) => m.userId === owner.id)!;
      const results = await Promise.all([
        storage.orgs.changeRole({ orgId, memberId, actorRole: 'owner', role: 'member' }),
        storage.orgs.changeRole({ orgId, memberId: ownerMember.id, actorRole: 'owner', role: 'member' }),
      ]);
      expect(results.filter((r) => r === 'last_owner')).toHaveLength(1);
      expect((await storage.orgs.members(orgId)).filter((m) => m.role === 'owner')).toHaveLength(1);
    });

    it('the member and vault limits hold under concurrency', async () => {
      const { owner, orgId } = await setup();
      const invites = await Promise.all(Array.from({ length: 10 }, (_, i) => storage.orgs.invite({ id: randomUUID(), orgId, email: `n${i}-${randomUUID()}@example.test`, role: 'member', invitedBy: owner.id, now: T0, maxMembers: 5 })));
      expect(invites.filter((r) => r === 'invited')).toHaveLength(4);
      const vaults = await Promise.all(Array.from({ length: 6 }, () => storage.sharedVaults.create({ id: randomUUID(), orgId, encryptedName: 'bg', wrappedKey: 'aw', userId: owner.id, now: T0, maxVaults: 3 })));
      expect(vaults.filter((v) => typeof v !== 'string')).toHaveLength(2);
    });

    it('public keys are visible only to fellow members; deleting an account removes its memberships', async () => {
      const [member, stranger] = [await user(), await user()];
      const keys = { x25519PublicKey: 'x'.repeat(43), ed25519PublicKey: 'e'.repeat(43), keySignature: 's'.repeat(86), wrappedPrivateKeys: 'cA', registeredAt: T0 };
      expect(await storage.sharingKeys.register(member.id, keys, false)).toBe('registered');
      expect(await storage.sharingKeys.register(member.id, keys, false)).toBe('exists');
      const { owner, orgId, vaultId } = await setup([{ ...member, access: 'edit' }]);
      expect(await storage.sharingKeys.visibleTo(owner.id, member.id)).toMatchObject({ x25519PublicKey: keys.x25519PublicKey });
      expect(await storage.sharingKeys.visibleTo(stranger.id, member.id)).toBeUndefined();
      expect(await storage.account.delete(member.id, T0)).toEqual([]);
      expect((await storage.orgs.members(orgId)).map((m) => m.userId)).toEqual([owner.id]);
      expect(await storage.sharedVaults.members(vaultId)).toHaveLength(1);
    });
  });
}
