/**
 * The pending-rotation marker of shared vaults, on every dialect: each change that takes a member's access to a vault
 * away marks the vault in its own transaction (unshare, removal, leaving, account deletion, vault reset); a role
 * change or an access change keeps the key with the member and marks nothing; new content is refused while the
 * marker is set; only a rotation to the next key version by a manager, sealed for exactly the members left, clears it;
 * of two managers rotating at once exactly one succeeds.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/types.ts';
import type { Dialect } from '@watchword/testkit';
import { type OpenedStorage, openMigratedStorage, sampleUser, sampleVault } from '@watchword/testkit/app';

const T0 = 1_763_900_000_000;
type Access = 'read' | 'edit' | 'manage';

export function rotationPendingSuite(dialect: Dialect): void {
  describe(`pending key rotation of shared vaults (${dialect})`, () => {
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
      return { id: u.id, email: u.email };
    };
    /** owner (org owner, manages the vault), admin (org admin, manages the vault), member (org member, `memberAccess`). */
    const setup = async (memberAccess: Access = 'edit') => {
      const [owner, admin, member] = [await user(), await user(), await user()];
      const orgId = randomUUID();
      const vaultId = randomUUID();
      await storage.orgs.create({ id: orgId, name: 'Org', ownerId: owner.id, ownerEmail: owner.email, now: T0 });
      await storage.sharedVaults.create({ id: vaultId, orgId, encryptedName: 'bmFtZQ', wrappedKey: 'a2V5', userId: owner.id, now: T0, maxVaults: 10 });
      const memberIds: Record<string, string> = {};
      for (const [who, role, access] of [[admin, 'admin', 'manage'], [member, 'member', memberAccess]] as const) {
        const memberId = randomUUID();
        memberIds[who.id] = memberId;
        await storage.orgs.invite({ id: memberId, orgId, email: who.email, role, invitedBy: owner.id, now: T0, maxMembers: 100 });
        await storage.orgs.accept(orgId, who.id, who.email, T0);
        expect(await storage.orgs.confirm({ orgId, memberId, actorId: owner.id, grants: [{ vaultId, access, keyVersion: 1, wrappedKey: 'a2V5' }], now: T0 })).toMatchObject({ state: 'confirmed' });
      }
      return { owner, admin, member, orgId, vaultId, memberIds };
    };
    const pendingOf = async (userId: string, vaultId: string) => (await storage.sharedVaults.forMember(userId, vaultId, 'read'))?.rotationPendingSince;
    const keysFor = (...ids: string[]) => ids.map((userId) => ({ userId, wrappedKey: 'azI' }));

    it('unshare marks the vault (with its time), refuses new content, and a rotation by a manager clears it', async () => {
      const { owner, admin, member, vaultId } = await setup();
      const kept = await storage.sharedItems.create({ userId: member.id, vaultId, id: randomUUID(), keyVersion: 1, data: 'ZGF0YQ', now: T0 });
      if (typeof kept === 'string') throw new Error(kept);
      expect(await pendingOf(owner.id, vaultId)).toBeNull();
      expect(await storage.sharedVaults.unshare({ actorId: owner.id, vaultId, targetId: member.id, now: T0 + 5 })).toBe('removed');
      expect(await pendingOf(admin.id, vaultId)).toBe(T0 + 5);
      // A second removal keeps the earliest time.
      expect(await storage.sharedVaults.unshare({ actorId: owner.id, vaultId, targetId: admin.id, now: T0 + 9 })).toBe('removed');
      expect(await pendingOf(owner.id, vaultId)).toBe(T0 + 5);
      expect((await storage.sharedVaults.listForOrg((await storage.sharedVaults.forMember(owner.id, vaultId, 'read'))!.orgId, owner.id, true))[0]?.rotationPendingSince).toBe(T0 + 5);

      // No new content under the key the removed members hold: create, update and move-in are refused; trash is not.
      expect(await storage.sharedItems.create({ userId: owner.id, vaultId, id: randomUUID(), keyVersion: 1, data: 'bmV3', now: T0 })).toBe('rotation_pending');
      expect(await storage.sharedItems.update({ userId: owner.id, vaultId, id: kept.id, expectedRevision: 1, keyVersion: 1, data: 'bmV3', now: T0 })).toBe('rotation_pending');
      const personal = (await storage.vaults.listForUser(owner.id))[0]!;
      const own = await storage.items.create({ id: randomUUID(), userId: owner.id, vaultId: personal.id, data: 'b3du', now: T0 });
      if (typeof own === 'string') throw new Error(own);
      expect(await storage.sharedItems.move({ userId: owner.id, from: { vaultId: personal.id, id: own.id, revision: 1 }, to: { vaultId, id: randomUUID(), keyVersion: 1, data: 'bW92ZWQ' }, now: T0 })).toBe('rotation_pending');
      expect(await storage.items.get(owner.id, own.id)).toMatchObject({ purged: false });
      expect(await storage.sharedItems.transition({ userId: owner.id, vaultId, id: kept.id, to: 'trash', now: T0 })).toMatchObject({ deletedAt: T0 });

      // The rotation must seal for exactly the members left: naming a removed one is refused and clears nothing.
      expect(await storage.sharedVaults.rotate({ actorId: owner.id, vaultId, keyVersion: 2, wrappedKeys: keysFor(owner.id, member.id), items: [], now: T0 })).toBe('members');
      expect(await pendingOf(owner.id, vaultId)).toBe(T0 + 5);
      expect(await storage.sharedVaults.rotate({ actorId: owner.id, vaultId, keyVersion: 2, wrappedKeys: keysFor(owner.id), items: [], now: T0 })).toMatchObject({ keyVersion: 2, rotationPendingSince: null });
      expect(await storage.sharedItems.create({ userId: owner.id, vaultId, id: randomUUID(), keyVersion: 2, data: 'bmV3', now: T0 })).toMatchObject({ keyVersion: 2 });
    });

    it('removal from the organisation by an owner or an admin, and leaving, mark every vault the member reached there', async () => {
      for (const path of ['owner', 'admin', 'self'] as const) {
        const { owner, admin, member, orgId, vaultId, memberIds } = await setup();
        const other = randomUUID();
        await storage.sharedVaults.create({ id: other, orgId, encryptedName: 'bmFtZQ', wrappedKey: 'a2V5', userId: owner.id, now: T0, maxVaults: 10 });
        expect(await storage.orgs.remove({ orgId, memberId: memberIds[member.id]!, actorRole: path, now: T0 + 1 })).toMatchObject({ userId: member.id });
        expect(await pendingOf(admin.id, vaultId)).toBe(T0 + 1);
        // A vault the member never reached owes nothing.
        expect(await pendingOf(owner.id, other)).toBeNull();
      }
    });

    it('an invitation withdrawn, a role change and an access change mark nothing: nobody lost a key', async () => {
      const { owner, admin, member, orgId, vaultId, memberIds } = await setup('manage');
      const invited = randomUUID();
      await storage.orgs.invite({ id: invited, orgId, email: `x-${randomUUID()}@example.test`, role: 'member', invitedBy: owner.id, now: T0, maxMembers: 100 });
      await storage.orgs.remove({ orgId, memberId: invited, actorRole: 'owner', now: T0 });
      expect(await storage.orgs.changeRole({ orgId, memberId: memberIds[admin.id]!, actorRole: 'owner', role: 'member' })).toMatchObject({ role: 'member' });
      expect(await storage.sharedVaults.changeAccess({ actorId: owner.id, vaultId, targetId: member.id, access: 'read', now: T0 })).toBe('changed');
      expect(await pendingOf(owner.id, vaultId)).toBeNull();
    });

    it('account deletion and vault reset mark the vaults the account reached, in the same transaction', async () => {
      const a = await setup();
      expect(await storage.account.delete(a.member.id, T0 + 2)).toEqual([]);
      expect(await pendingOf(a.owner.id, a.vaultId)).toBe(T0 + 2);
      expect((await storage.sharedVaults.members(a.vaultId)).map((m) => m.userId).sort()).toEqual([a.owner.id, a.admin.id].sort());

      const b = await setup();
      const creds = { opaqueRecord: 'b3A', kdfVersion: 1, kekSalt: 'c2E', wrappedAccountKey: 'd2E', accountData: null };
      const keys = { x25519PublicKey: 'eA', ed25519PublicKey: 'ZQ', wrappedX25519PrivateKey: 'eHc', wrappedEd25519PrivateKey: 'ZXc' };
      await storage.account.resetVault(b.member.id, { ...creds, ...keys, recoverySalt: 'cnM', recoveryWrappedKey: 'cnc', recoveryVerifierHash: 'cnY' }, sampleVault(), T0 + 3);
      expect(await pendingOf(b.owner.id, b.vaultId)).toBe(T0 + 3);
      expect(await pendingOf(b.member.id, b.vaultId)).toBeUndefined();
    });

    it('a member without manage cannot rotate, so cannot clear the marker', async () => {
      const { owner, admin, member, vaultId } = await setup('edit');
      await storage.sharedVaults.unshare({ actorId: owner.id, vaultId, targetId: admin.id, now: T0 + 1 });
      expect(await storage.sharedVaults.rotate({ actorId: member.id, vaultId, keyVersion: 2, wrappedKeys: keysFor(owner.id, member.id), items: [], now: T0 })).toBe('not_found');
      expect(await pendingOf(member.id, vaultId)).toBe(T0 + 1);
    });

    it('two managers rotating at once: exactly one rotation per version, the marker cleared once', async () => {
      const { owner, admin, member, vaultId } = await setup();
      await storage.sharedVaults.unshare({ actorId: owner.id, vaultId, targetId: member.id, now: T0 + 1 });
      const results = await Promise.all(
        [owner.id, admin.id, owner.id, admin.id].map((actorId) => storage.sharedVaults.rotate({ actorId, vaultId, keyVersion: 2, wrappedKeys: keysFor(owner.id, admin.id), items: [], now: T0 + 2 })),
      );
      expect(results.filter((r) => typeof r === 'object' && 'keyVersion' in r)).toHaveLength(1);
      expect(results.filter((r) => r === 'key_version')).toHaveLength(3);
      expect(await storage.sharedVaults.forMember(admin.id, vaultId, 'read')).toMatchObject({ keyVersion: 2, rotationPendingSince: null });
    });

    it('a removal racing a rotation never leaves a removed member with the new key and no marker', async () => {
      for (let round = 0; round < 5; round++) {
        const { owner, admin, member, orgId, vaultId, memberIds } = await setup();
        const [rotated, removed] = await Promise.all([
          storage.sharedVaults.rotate({ actorId: owner.id, vaultId, keyVersion: 2, wrappedKeys: keysFor(owner.id, admin.id, member.id), items: [], now: T0 + 2 }),
          storage.orgs.remove({ orgId, memberId: memberIds[member.id]!, actorRole: 'owner', now: T0 + 3 }),
        ]);
        expect(removed).toMatchObject({ userId: member.id });
        const view = await storage.sharedVaults.forMember(owner.id, vaultId, 'read');
        // Either the rotation came first (it sealed for the member, who was then removed: a rotation is owed again),
        // or the removal did (the rotation named a member no longer there and was refused: still owed).
        if (typeof rotated === 'object' && 'keyVersion' in rotated) expect(view).toMatchObject({ keyVersion: 2, rotationPendingSince: T0 + 3 });
        else expect([rotated, view?.rotationPendingSince]).toEqual(['members', T0 + 3]);
      }
    });

    it('account data: a write succeeds only at the revision read; every credential change bumps it', async () => {
      const u = await user();
      expect(await storage.account.accountData(u.id)).toEqual({ sealed: null, revision: 0 });
      expect(await storage.account.writeAccountData(u.id, 'YQ', 0, T0)).toBe(1);
      const both = await Promise.all([storage.account.writeAccountData(u.id, 'Yg', 1, T0), storage.account.writeAccountData(u.id, 'Yw', 1, T0)]);
      expect(both.filter((r) => r === 'conflict')).toHaveLength(1);
      expect(both.filter((r) => r === 2)).toHaveLength(1);
      expect(await storage.account.writeAccountData(randomUUID(), 'YQ', 0, T0)).toBeUndefined();
      const creds = { opaqueRecord: 'b3A', kdfVersion: 1, kekSalt: 'c2E', wrappedAccountKey: 'd2E', accountData: 'cHc' };
      await storage.account.changePassword(u.id, creds, randomUUID(), T0);
      expect(await storage.account.accountData(u.id)).toEqual({ sealed: 'cHc', revision: 3 });
      expect(await storage.account.writeAccountData(u.id, 'ZA', 2, T0)).toBe('conflict');
      // A password change made from an older copy of the account data is refused and changes nothing.
      expect(await storage.account.changePassword(u.id, { ...creds, opaqueRecord: 'bmV3', accountData: 'b2xk' }, randomUUID(), T0, 2)).toBe('conflict');
      expect(await storage.account.accountData(u.id)).toEqual({ sealed: 'cHc', revision: 3 });
      expect((await storage.users.findById(u.id))?.opaqueRecord).toBe('b3A');
      expect(await storage.account.changePassword(u.id, { ...creds, accountData: 'bmV3' }, randomUUID(), T0, 3)).toEqual([]);
      expect(await storage.account.accountData(u.id)).toEqual({ sealed: 'bmV3', revision: 4 });
    });
  });
}
