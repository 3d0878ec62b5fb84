import { migrations } from '../../src/storage/migrations/index.ts';
/**
 * The shared storage suite: every dialect must pass all of it (style.md habit 4).
 * One migrated database per dialect; each test makes its own users (random ids), so tests do not interfere.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventRecord } from '../../src/storage/audit.ts';
import type { Storage } from '../../src/storage/types.ts';
import type { NewUser } from '../../src/storage/users.ts';
import type { NewVault } from '../../src/storage/vaults.ts';
import type { Dialect } from '@watchword/testkit';
import { type OpenedStorage, openFreshStorage, openMigratedStorage, sampleUser, sampleVault } from '@watchword/testkit/app';

const T0 = 1_763_900_000_000; // beyond 2^31 on purpose: bigint columns must come back as exact numbers

export function storageSuite(dialect: Dialect): void {
  describe(`storage (${dialect})`, () => {
    describe('migrations', () => {
      let opened: OpenedStorage;
      beforeAll(async () => {
        opened = await openFreshStorage(dialect);
      });
      afterAll(async () => opened?.dispose());

      it('lists every migration as pending, applies them, then is current; a second run is a no-op', async () => {
        const { storage } = opened;
        expect(storage.dialect).toBe(dialect);
        await storage.ping();
        const all = Object.keys(migrations);
        expect(all[0]).toBe('2026-11-23T0001-initial');
        expect(await storage.pendingMigrations()).toEqual(all);
        expect(await storage.migrateToLatest()).toEqual(all);
        expect(await storage.pendingMigrations()).toEqual([]);
        expect(await storage.migrateToLatest()).toEqual([]);
        expect(await storage.users.count()).toBe(0);
      });
    });

    describe('repositories', () => {
      let opened: OpenedStorage;
      let storage: Storage;
      beforeAll(async () => {
        opened = await openMigratedStorage(dialect);
        storage = opened.storage;
      });
      afterAll(async () => opened?.dispose());

      async function createUser(overrides: Partial<NewUser> = {}): Promise<{ user: NewUser; vault: NewVault }> {
        const user = sampleUser(overrides);
        const vault = sampleVault();
        expect(await storage.users.create(user, vault, T0)).toBe('created');
        return { user, vault };
      }

      const auditEvent = (at: number, action: string, actorId: string | null, targetId: string | null, context: AuditEventRecord['context'] = {}) => ({
        id: randomUUID(), at, actorId, action, targetId, ip: '203.0.113.9', userAgent: 'ua', outcome: 'success' as const, requestId: randomUUID(), context,
      });
      /** The audit event a login writes with its session. */
      const loginEvent = (userId: string, at = T0) => auditEvent(at, 'auth.login', userId, userId);

      async function revisionOf(userId: string): Promise<number> {
        const user = await storage.users.findById(userId);
        if (user === undefined) throw new Error('user missing');
        return user.revision;
      }

      async function createItem(userId: string, vaultId: string, data = 'ZGF0YQ', now = T0) {
        const item = await storage.items.create({ id: randomUUID(), userId, vaultId, data, now });
        if (item === 'exists') throw new Error('unexpected exists');
        return item;
      }

      describe('users and vaults', () => {
        it('creates a user with a personal vault and reads them back exactly', async () => {
          const before = await storage.users.count();
          const { user, vault } = await createUser();
          const expected = { ...user, revision: 0, createdAt: T0, updatedAt: T0, recoveryVerifierHash: null, accountData: null, emailVerifiedAt: null, disabledAt: null, lastLoginAt: null };
          expect(await storage.users.findById(user.id)).toEqual(expected);
          expect(await storage.users.findByEmail(user.email)).toEqual(expected);
          expect(await storage.users.count()).toBe(before + 1);
          const record = { ...vault, ownerId: user.id, createdAt: T0 };
          expect(await storage.vaults.listForUser(user.id)).toEqual([record]);
          expect(await storage.vaults.findForUser(user.id, vault.id)).toEqual(record);
        });

        it('returns undefined for unknown users and for vaults of another user', async () => {
          const a = await createUser();
          const b = await createUser();
          expect(await storage.users.findById(randomUUID())).toBeUndefined();
          expect(await storage.users.findByEmail('nobody@example.test')).toBeUndefined();
          expect(await storage.vaults.findForUser(b.user.id, a.vault.id)).toBeUndefined();
          expect(await storage.vaults.findForUser(a.user.id, randomUUID())).toBeUndefined();
          expect(await storage.vaults.listForUser(randomUUID())).toEqual([]);
        });

        it("refuses a duplicate e-mail with 'exists' and writes nothing (no vault)", async () => {
          const { user } = await createUser();
          const before = await storage.users.count();
          const clash = sampleUser({ email: user.email });
          const clashVault = sampleVault();
          expect(await storage.users.create(clash, clashVault, T0 + 1)).toBe('exists');
          expect(await storage.users.findById(clash.id)).toBeUndefined();
          expect(await storage.vaults.listForUser(clash.id)).toEqual([]);
          expect(await storage.vaults.findForUser(user.id, clashVault.id)).toBeUndefined();
          expect(await storage.users.count()).toBe(before);
          // The vault id is really free: it can be used by a valid registration.
          expect(await storage.users.create(sampleUser(), clashVault, T0)).toBe('created');
        });

        it("refuses a duplicate user id with 'exists'", async () => {
          const { user } = await createUser();
          const clash = sampleUser({ id: user.id, email: `${randomUUID()}@example.test` });
          expect(await storage.users.create(clash, sampleVault(), T0)).toBe('exists');
          expect(await storage.users.findByEmail(clash.email)).toBeUndefined();
          expect(await storage.vaults.listForUser(user.id)).toHaveLength(1);
        });

        it("rolls the user back when the vault id is taken ('exists', nothing half-written)", async () => {
          const { vault } = await createUser();
          const newcomer = sampleUser();
          expect(await storage.users.create(newcomer, sampleVault({ id: vault.id }), T0)).toBe('exists');
          expect(await storage.users.findById(newcomer.id)).toBeUndefined();
          expect(await storage.users.findByEmail(newcomer.email)).toBeUndefined();
        });
      });

      describe('items', () => {
        it('createMany inserts a batch all or nothing, with consecutive seqs in input order', async () => {
          const { user, vault } = await createUser();
          await createItem(user.id, vault.id);
          const before = await revisionOf(user.id);
          const batch = Array.from({ length: 250 }, (_, i) => ({ id: randomUUID(), vaultId: vault.id, data: `ZGF0YQ${i}` }));
          const created = await storage.items.createMany({ userId: user.id, items: batch, now: T0 + 1 });
          if (created === 'exists') throw new Error('unexpected exists');
          expect(created.map((c) => c.id)).toEqual(batch.map((b) => b.id));
          expect(created.map((c) => c.seq)).toEqual(batch.map((_, i) => before + 1 + i));
          expect(created.every((c) => c.revision === 1 && c.createdAt === T0 + 1)).toBe(true);
          expect(await revisionOf(user.id)).toBe(before + 250);
          expect((await storage.items.list(user.id)).items).toHaveLength(251);
          // One taken id: nothing of the batch is written, the revision is untouched.
          const clash = [{ id: randomUUID(), vaultId: vault.id, data: 'eA' }, { id: batch[0]!.id, vaultId: vault.id, data: 'eA' }];
          expect(await storage.items.createMany({ userId: user.id, items: clash, now: T0 + 2 })).toBe('exists');
          expect(await storage.items.get(user.id, clash[0]!.id)).toBeUndefined();
          expect(await revisionOf(user.id)).toBe(before + 250);
          // Another user's vault anywhere in the batch: refused, nothing written.
          const other = await createUser();
          const mixed = [{ id: randomUUID(), vaultId: vault.id, data: 'eA' }, { id: randomUUID(), vaultId: other.vault.id, data: 'eA' }];
          await expect(storage.items.createMany({ userId: user.id, items: mixed, now: T0 + 3 })).rejects.toMatchObject({ code: 'VAULT_NOT_FOUND' });
          expect(await storage.items.get(user.id, mixed[0]!.id)).toBeUndefined();
          expect(await revisionOf(user.id)).toBe(before + 250);
        });

        it('creates with revision 1 and seq = the bumped user revision, and reads it back', async () => {
          const { user, vault } = await createUser();
          const id = randomUUID();
          const item = await storage.items.create({ id, userId: user.id, vaultId: vault.id, data: 'Y2lwaGVy', now: T0 + 5 });
          const expected = {
            id,
            userId: user.id,
            vaultId: vault.id,
            revision: 1,
            seq: 1,
            data: 'Y2lwaGVy',
            deletedAt: null,
            purged: false,
            createdAt: T0 + 5,
            updatedAt: T0 + 5,
          };
          expect(item).toEqual(expected);
          expect(await storage.items.get(user.id, id)).toEqual(expected);
          expect(await revisionOf(user.id)).toBe(1);
          const second = await createItem(user.id, vault.id);
          expect(second.seq).toBe(2);
          expect(await revisionOf(user.id)).toBe(2);
        });

        it("refuses an id already used (even by another user) with 'exists' and no revision bump", async () => {
          const a = await createUser();
          const b = await createUser();
          const item = await createItem(a.user.id, a.vault.id);
          const input = { id: item.id, vaultId: b.vault.id, data: 'b3RoZXI', now: T0 };
          expect(await storage.items.create({ ...input, userId: b.user.id })).toBe('exists');
          expect(await storage.items.create({ ...input, userId: a.user.id, vaultId: a.vault.id })).toBe('exists');
          expect(await revisionOf(a.user.id)).toBe(1);
          expect(await revisionOf(b.user.id)).toBe(0);
          expect(await storage.items.get(a.user.id, item.id)).toEqual(item);
          expect(await storage.items.get(b.user.id, item.id)).toBeUndefined();
        });

        it("refuses to create an item in another user's vault", async () => {
          const a = await createUser();
          const b = await createUser();
          const id = randomUUID();
          await expect(
            storage.items.create({ id, userId: b.user.id, vaultId: a.vault.id, data: 'eA', now: T0 }),
          ).rejects.toMatchObject({ code: 'VAULT_NOT_FOUND' });
          expect(await storage.items.get(a.user.id, id)).toBeUndefined();
          expect(await storage.items.get(b.user.id, id)).toBeUndefined();
          expect(await revisionOf(a.user.id)).toBe(0);
          expect(await revisionOf(b.user.id)).toBe(0);
        });

        it('updates when the expected revision matches: revision+1, new seq, new data', async () => {
          const { user, vault } = await createUser();
          const item = await createItem(user.id, vault.id);
          const result = await storage.items.update({
            id: item.id,
            userId: user.id,
            expectedRevision: 1,
            data: 'bmV3',
            now: T0 + 10,
          });
          const updated = { ...item, revision: 2, seq: 2, data: 'bmV3', updatedAt: T0 + 10 };
          expect(result).toEqual({ status: 'updated', item: updated });
          expect(await storage.items.get(user.id, item.id)).toEqual(updated);
          expect(await revisionOf(user.id)).toBe(2);
        });

        it('reports a stale revision as a conflict with the current revision, changing nothing', async () => {
          const { user, vault } = await createUser();
          const item = await createItem(user.id, vault.id);
          await storage.items.update({ id: item.id, userId: user.id, expectedRevision: 1, data: 'djI', now: T0 + 1 });
          const stale = await storage.items.update({
            id: item.id,
            userId: user.id,
            expectedRevision: 1,
            data: 'c3RhbGU',
            now: T0 + 2,
          });
          expect(stale).toEqual({ status: 'conflict', currentRevision: 2 });
          expect(await storage.items.get(user.id, item.id)).toMatchObject({ revision: 2, seq: 2, data: 'djI' });
          expect(await revisionOf(user.id)).toBe(2);
        });

        it('reports an unknown item as not_found', async () => {
          const { user } = await createUser();
          const result = await storage.items.update({
            id: randomUUID(),
            userId: user.id,
            expectedRevision: 1,
            data: 'eA',
            now: T0,
          });
          expect(result).toEqual({ status: 'not_found' });
          expect(await revisionOf(user.id)).toBe(0);
        });

        it("never shows or changes another user's item", async () => {
          const owner = await createUser();
          const other = await createUser();
          const item = await createItem(owner.user.id, owner.vault.id);
          const otherId = other.user.id;
          expect(await storage.items.get(otherId, item.id)).toBeUndefined();
          expect(
            await storage.items.update({ id: item.id, userId: otherId, expectedRevision: 1, data: 'aGFjaw', now: T0 }),
          ).toEqual({ status: 'not_found' });
          expect(await storage.items.trash(otherId, item.id, T0)).toBeUndefined();
          expect(await storage.items.restore(otherId, item.id, T0)).toBeUndefined();
          expect(await storage.items.purge(otherId, item.id, T0)).toBeUndefined();
          expect((await storage.items.list(otherId)).items).toEqual([]);
          expect((await storage.items.list(otherId, 0)).items).toEqual([]);
          // Also when the owner has it in the trash.
          await storage.items.trash(owner.user.id, item.id, T0 + 1);
          expect(await storage.items.restore(otherId, item.id, T0 + 2)).toBeUndefined();
          expect(await storage.items.get(otherId, item.id)).toBeUndefined();
          expect(await storage.items.get(owner.user.id, item.id)).toMatchObject({ data: item.data, deletedAt: T0 + 1 });
          expect(await revisionOf(otherId)).toBe(0);
          expect(await revisionOf(owner.user.id)).toBe(2);
        });

        it('trashes and restores idempotently, bumping seq only on a real change and keeping the content revision', async () => {
          const { user, vault } = await createUser();
          const item = await createItem(user.id, vault.id);

          const trashed = await storage.items.trash(user.id, item.id, T0 + 1);
          expect(trashed).toEqual({ ...item, deletedAt: T0 + 1, seq: 2, updatedAt: T0 + 1 });
          expect(await storage.items.get(user.id, item.id)).toEqual(trashed);
          expect(await storage.items.trash(user.id, item.id, T0 + 2)).toEqual(trashed);
          expect(await revisionOf(user.id)).toBe(2);

          const restored = await storage.items.restore(user.id, item.id, T0 + 3);
          expect(restored).toEqual({ ...item, deletedAt: null, seq: 3, updatedAt: T0 + 3 });
          expect(await storage.items.restore(user.id, item.id, T0 + 4)).toEqual(restored);
          expect(await revisionOf(user.id)).toBe(3);
        });

        it('purges to a tombstone that get/update/trash/restore/purge no longer see', async () => {
          const { user, vault } = await createUser();
          const item = await createItem(user.id, vault.id);
          await storage.items.trash(user.id, item.id, T0 + 1);
          const purged = await storage.items.purge(user.id, item.id, T0 + 2);
          expect(purged).toEqual({ ...item, data: null, purged: true, deletedAt: T0 + 1, seq: 3, updatedAt: T0 + 2 });
          expect(await storage.items.get(user.id, item.id)).toBeUndefined();
          expect(await storage.items.purge(user.id, item.id, T0 + 3)).toBeUndefined();
          expect(await storage.items.trash(user.id, item.id, T0 + 3)).toBeUndefined();
          expect(await storage.items.restore(user.id, item.id, T0 + 3)).toBeUndefined();
          expect(
            await storage.items.update({ id: item.id, userId: user.id, expectedRevision: 1, data: 'eA', now: T0 + 3 }),
          ).toEqual({ status: 'not_found' });
          expect(await revisionOf(user.id)).toBe(3);
          // The id stays taken: a purged id cannot be recreated (clients would see the tombstone and a live item).
          expect(await storage.items.create({ id: item.id, userId: user.id, vaultId: vault.id, data: 'eA', now: T0 })).toBe(
            'exists',
          );
        });

        it('purges an item that is not in the trash too', async () => {
          const { user, vault } = await createUser();
          const item = await createItem(user.id, vault.id);
          expect(await storage.items.purge(user.id, item.id, T0 + 1)).toMatchObject({ purged: true, data: null, deletedAt: null });
        });

        it('lists everything live (trash included) in full mode, and changes with tombstones since a cursor', async () => {
          const { user, vault } = await createUser();
          expect(await storage.items.list(user.id)).toEqual({ revision: 0, items: [] });
          const a = await createItem(user.id, vault.id, 'YQ'); // seq 1
          const b = await createItem(user.id, vault.id, 'Yg'); // seq 2
          const c = await createItem(user.id, vault.id, 'Yw'); // seq 3
          await storage.items.update({ id: a.id, userId: user.id, expectedRevision: 1, data: 'YTI', now: T0 + 1 }); // a: 4
          await storage.items.trash(user.id, b.id, T0 + 2); // b: 5
          await storage.items.purge(user.id, c.id, T0 + 3); // c: 6

          const full = await storage.items.list(user.id);
          expect(full.revision).toBe(6);
          expect(full.items.map((i) => [i.id, i.seq])).toEqual([
            [a.id, 4],
            [b.id, 5],
          ]);
          expect(full.items[1]).toMatchObject({ deletedAt: T0 + 2, data: 'Yg' });

          const delta = await storage.items.list(user.id, 4);
          expect(delta.revision).toBe(6);
          expect(delta.items.map((i) => [i.id, i.seq])).toEqual([
            [b.id, 5],
            [c.id, 6],
          ]);
          expect(delta.items[1]).toMatchObject({ purged: true, data: null });

          expect(await storage.items.list(user.id, 0)).toMatchObject({ revision: 6 });
          expect((await storage.items.list(user.id, 0)).items.map((i) => i.seq)).toEqual([4, 5, 6]);
          expect(await storage.items.list(user.id, 6)).toEqual({ revision: 6, items: [] });
        });

        it('lets exactly one of 20 concurrent updates with the same expected revision win', async () => {
          const { user, vault } = await createUser();
          const item = await createItem(user.id, vault.id);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, n) =>
              storage.items.update({ id: item.id, userId: user.id, expectedRevision: 1, data: `d${n}`, now: T0 + n }),
            ),
          );
          const winners = results.filter((r) => r.status === 'updated');
          expect(winners).toHaveLength(1);
          expect(results.filter((r) => r.status === 'conflict')).toEqual(
            Array.from({ length: 19 }, () => ({ status: 'conflict', currentRevision: 2 })),
          );
          const winner = winners[0];
          if (winner?.status !== 'updated') throw new Error('no winner');
          expect(await storage.items.get(user.id, item.id)).toEqual(winner.item);
          expect(winner.item).toMatchObject({ revision: 2, seq: 2 });
          // The losers' revision bumps were rolled back.
          expect(await revisionOf(user.id)).toBe(2);
        });

        it('hands out distinct, gap-free seq values to 20 concurrent creates', async () => {
          const { user, vault } = await createUser();
          const items = await Promise.all(Array.from({ length: 20 }, () => createItem(user.id, vault.id)));
          expect(items.map((i) => i.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
          const listed = await storage.items.list(user.id);
          expect(listed.revision).toBe(20);
          expect(listed.items.map((i) => i.seq)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
        });
      });

      describe('sessions', () => {
        const HOUR = 3_600_000;
        const IDLE = 10 * 60_000;
        const GRACE = 10_000;

        async function createSession(userId: string, overrides: { expiresAt?: number; dpopJkt?: string } = {}) {
          const session = {
            id: randomUUID(),
            userId,
            refreshHash: `h-${randomUUID()}`,
            deviceName: 'Laptop',
            ip: '203.0.113.7',
            userAgent: 'test-agent/1',
            createdAt: T0,
            expiresAt: overrides.expiresAt ?? T0 + HOUR,
            dpopJkt: overrides.dpopJkt ?? null,
            secondFactor: null,
          };
          await storage.sessions.create(session, loginEvent(userId));
          return session;
        }
        const rotate = (presentedHash: string, now: number, newHash = `h-${randomUUID()}`) =>
          storage.sessions.rotate({ presentedHash, newHash, sealedSuccessor: `sealed:${newHash}`, now, idleTimeoutMs: IDLE, graceMs: GRACE });

        it('writes a login in one go: the session, its first refresh token, the last login time and the audit event', async () => {
          const { user } = await createUser();
          expect((await storage.users.findById(user.id))?.lastLoginAt ?? null).toBeNull();
          const session = {
            id: randomUUID(), userId: user.id, refreshHash: `h-${randomUUID()}`, deviceName: 'Laptop', ip: '203.0.113.7', userAgent: 'test-agent/1',
            createdAt: T0, expiresAt: T0 + HOUR, dpopJkt: 'jkt-1', secondFactor: 'webauthn' as const,
          };
          const event = auditEvent(T0, 'auth.login', user.id, user.id, { method: 'password', newDevice: true, n: 2, none: null });
          await storage.sessions.create(session, event);
          expect(await storage.sessions.findById(session.id)).toEqual({
            id: session.id, userId: user.id, deviceName: 'Laptop', ip: '203.0.113.7', userAgent: 'test-agent/1',
            createdAt: T0, lastUsedAt: T0, expiresAt: T0 + HOUR, revokedAt: null, dpopJkt: 'jkt-1', secondFactor: 'webauthn',
          });
          // A rotation keeps the session's second factor (the session row is not rewritten).
          const rotated = await rotate(session.refreshHash, T0 + 1);
          expect(rotated).toMatchObject({ status: 'rotated', session: { secondFactor: 'webauthn' } });
          expect((await storage.sessions.findById(session.id))?.secondFactor).toBe('webauthn');
          expect((await storage.users.findById(user.id))?.lastLoginAt).toBe(T0);
          expect(await storage.audit.listForUser(user.id, 10)).toEqual([event]);
          // A failed write leaves none of them: the same session id again.
          await expect(storage.sessions.create({ ...session, refreshHash: `h-${randomUUID()}`, createdAt: T0 + 9 }, loginEvent(user.id, T0 + 9))).rejects.toThrow();
          expect((await storage.users.findById(user.id))?.lastLoginAt).toBe(T0);
          expect(await storage.audit.listForUser(user.id, 10)).toHaveLength(1);
        });

        it('reads the login gate in one statement: disabled, whether a second factor is required, and the current record', async () => {
          const { user } = await createUser();
          const laptop = { name: 'Laptop', userAgent: 'ua/1' };
          const opaqueRecord = user.opaqueRecord;
          expect(await storage.mfa.loginGate(user.id, laptop)).toEqual({ disabled: false, secondFactor: false, device: 'first', opaqueRecord });
          // An unconfirmed TOTP enrolment does not count; a confirmed one does.
          await storage.mfa.putPendingTotp(user.id, 'sealed-seed', T0);
          expect(await storage.mfa.loginGate(user.id, laptop)).toEqual({ disabled: false, secondFactor: false, device: 'first', opaqueRecord });
          expect(await storage.mfa.confirmTotp(user.id, 'sealed-seed', 1, T0)).toBe(true);
          expect(await storage.mfa.loginGate(user.id, laptop)).toEqual({ disabled: false, secondFactor: true, device: 'first', opaqueRecord });
          expect(await storage.users.setDisabled(user.id, T0 + 1)).toBe(true);
          expect(await storage.mfa.loginGate(user.id, laptop)).toEqual({ disabled: true, secondFactor: true, device: 'first', opaqueRecord });
          // A security key alone counts too; an account that is gone is closed.
          const other = await createUser();
          expect(await storage.mfa.addWebauthn({ id: `cred-${randomUUID()}`, userId: other.user.id, name: 'Key', publicKey: 'cGs', counter: 0, transports: [], aaguid: '', backedUp: false, createdAt: T0 })).toBe('added');
          expect(await storage.mfa.loginGate(other.user.id, laptop)).toEqual({ disabled: false, secondFactor: true, device: 'first', opaqueRecord: other.user.opaqueRecord });
          expect(await storage.mfa.loginGate(randomUUID(), laptop)).toEqual({ disabled: true, secondFactor: false, device: 'first', opaqueRecord: null });
        });

        it('creates and reads a session', async () => {
          const { user } = await createUser();
          const session = await createSession(user.id, { dpopJkt: 'jkt-1' });
          const { refreshHash: _hash, ...record } = session;
          expect(await storage.sessions.findById(session.id)).toEqual({ ...record, lastUsedAt: T0, revokedAt: null });
          expect(await storage.sessions.findById(randomUUID())).toBeUndefined();
        });

        it('rejects a session for an unknown user (foreign keys are enforced)', async () => {
          await expect(createSession(randomUUID())).rejects.toThrow();
        });

        it('rotates along the family; any older token outside the grace window is reuse', async () => {
          const { user } = await createUser();
          const session = await createSession(user.id);
          const h2 = `h-${randomUUID()}`;
          expect(await rotate(session.refreshHash, T0 + 10, h2)).toMatchObject({ status: 'rotated', session: { id: session.id, lastUsedAt: T0 + 10 } });
          const h3 = `h-${randomUUID()}`;
          expect(await rotate(h2, T0 + 20, h3)).toMatchObject({ status: 'rotated' });
          // The first token, two rotations old and past the grace window: reuse, reported with its family.
          const reused = await rotate(session.refreshHash, T0 + 20 + GRACE + 1);
          expect(reused).toMatchObject({ status: 'reused', session: { id: session.id } });
          // Reporting reuse changes nothing by itself (the caller revokes).
          expect(await rotate(h3, T0 + 30)).toMatchObject({ status: 'rotated' });
          expect(await rotate(`h-${randomUUID()}`, T0)).toEqual({ status: 'invalid' });
        });

        it('inside the grace window a duplicate gets the same sealed successor; once that successor moved on, it is reuse', async () => {
          const { user } = await createUser();
          const session = await createSession(user.id);
          const h2 = `h-${randomUUID()}`;
          await rotate(session.refreshHash, T0 + 10, h2);
          const duplicate = await rotate(session.refreshHash, T0 + 10 + GRACE);
          expect(duplicate).toEqual({ status: 'grace', session: expect.objectContaining({ id: session.id }), sealedSuccessor: `sealed:${h2}` });
          await rotate(h2, T0 + 12);
          // Still inside the window, but the successor was used: not a concurrent duplicate, a copy (the family goes).
          expect(await rotate(session.refreshHash, T0 + 13)).toMatchObject({ status: 'reused', session: { id: session.id } });
        });

        it("a disabled account's session does not rotate, nor does a duplicate get its successor; enabled again, it does", async () => {
          const { user } = await createUser();
          const session = await createSession(user.id);
          const h2 = `h-${randomUUID()}`;
          expect(await rotate(session.refreshHash, T0 + 10, h2)).toMatchObject({ status: 'rotated' });
          expect(await storage.users.setDisabled(user.id, T0 + 11)).toBe(true);
          expect(await rotate(h2, T0 + 12)).toEqual({ status: 'invalid' });
          expect(await rotate(session.refreshHash, T0 + 12)).toEqual({ status: 'invalid' });
          // Refused before anything changed: the current token is still the current one.
          expect(await storage.users.setDisabled(user.id, null)).toBe(true);
          expect(await rotate(h2, T0 + 13)).toMatchObject({ status: 'rotated', session: { id: session.id } });
        });

        it('of 10 concurrent rotations of one token exactly one rotates; the rest get the same successor', async () => {
          const { user } = await createUser();
          const session = await createSession(user.id);
          const results = await Promise.all(Array.from({ length: 10 }, () => rotate(session.refreshHash, T0 + 1)));
          const rotated = results.filter((r) => r.status === 'rotated');
          expect(rotated).toHaveLength(1);
          const graces = results.filter((r) => r.status === 'grace');
          expect(graces).toHaveLength(9);
          expect(new Set(graces.map((g) => g.status === 'grace' && g.sealedSuccessor)).size).toBe(1);
        });

        it('refuses to rotate an expired or idle session and changes nothing', async () => {
          const { user } = await createUser();
          const expired = await createSession(user.id, { expiresAt: T0 + 100 });
          expect(await rotate(expired.refreshHash, T0 + 100)).toEqual({ status: 'invalid' });
          const idle = await createSession(user.id);
          expect(await rotate(idle.refreshHash, T0 + IDLE)).toEqual({ status: 'invalid' });
          // The failed attempt did not consume the token: the check is the session's, not a rotation.
          expect(await rotate(idle.refreshHash, T0 + IDLE - 1)).toMatchObject({ status: 'rotated' });
          expect(await storage.sessions.findById(expired.id)).toMatchObject({ lastUsedAt: T0 });
        });

        it('revokes only the owner’s session, idempotently; a revoked family reports reuse for old tokens and rotates nothing', async () => {
          const { user } = await createUser();
          const other = await createUser();
          const session = await createSession(user.id);
          const h2 = `h-${randomUUID()}`;
          await rotate(session.refreshHash, T0 + 1, h2);
          expect(await storage.sessions.revoke(other.user.id, session.id, T0 + 1)).toBe(false);
          expect(await storage.sessions.findById(session.id)).toMatchObject({ revokedAt: null });
          expect(await storage.sessions.revoke(user.id, randomUUID(), T0 + 1)).toBe(false);
          expect(await storage.sessions.revoke(user.id, session.id, T0 + 2)).toBe(true);
          expect(await storage.sessions.revoke(user.id, session.id, T0 + 3)).toBe(true);
          expect(await storage.sessions.findById(session.id)).toMatchObject({ revokedAt: T0 + 2 });
          expect(await rotate(h2, T0 + 4)).toEqual({ status: 'invalid' });
          expect(await rotate(session.refreshHash, T0 + 4)).toMatchObject({ status: 'reused' });
        });

        it('lists and revokes all of a user’s sessions, returning the ids newly revoked, and lists recent revocations', async () => {
          const { user } = await createUser();
          const other = await createUser();
          const s1 = await createSession(user.id);
          const s2 = await createSession(user.id);
          const s3 = await createSession(user.id);
          const foreign = await createSession(other.user.id);
          await storage.sessions.revoke(user.id, s1.id, T0 + 1);
          expect((await storage.sessions.listForUser(user.id)).map((s) => s.id).sort()).toEqual([s1.id, s2.id, s3.id].sort());
          expect((await storage.sessions.revokeAllForUser(user.id, T0 + 2)).sort()).toEqual([s2.id, s3.id].sort());
          expect(await storage.sessions.revokeAllForUser(user.id, T0 + 3)).toEqual([]);
          expect((await storage.sessions.listForUser(user.id)).every((s) => s.revokedAt !== null)).toBe(true);
          expect(await storage.sessions.findById(foreign.id)).toMatchObject({ revokedAt: null });
          expect(await rotate(s2.refreshHash, T0 + 4)).toEqual({ status: 'invalid' });
          const recent = await storage.sessions.listRevokedSince(T0 + 2);
          expect(recent).toEqual(expect.arrayContaining([s2.id, s3.id]));
          expect(recent).not.toContain(s1.id);
          expect(recent).not.toContain(foreign.id);
        });
      });

      describe('account security', () => {
        async function userWithSession(device = 'Laptop') {
          const { user, vault } = await createUser();
          const sessionId = randomUUID();
          await storage.sessions.create({
            id: sessionId,
            userId: user.id,
            refreshHash: `h-${randomUUID()}`,
            deviceName: device,
            ip: '203.0.113.7',
            userAgent: 'ua/1',
            createdAt: T0,
            expiresAt: T0 + 3_600_000,
            dpopJkt: null,
            secondFactor: null,
          }, loginEvent(user.id));
          return { user, vault, sessionId };
        }
        const creds = { opaqueRecord: 'bmV3LXJlY29yZA', kdfVersion: 1, kekSalt: 'bmV3LXNhbHQ', wrappedAccountKey: 'bmV3LXdyYXA', accountData: 'ZGF0YQ' };

        it('changes the password credentials in one go and revokes every other session', async () => {
          const { user, sessionId } = await userWithSession();
          const other = await userWithSession();
          const second = randomUUID();
          await storage.sessions.create({ id: second, userId: user.id, refreshHash: `h-${randomUUID()}`, deviceName: 'Phone', ip: '::1', userAgent: 'ua/2', createdAt: T0, expiresAt: T0 + 3_600_000, dpopJkt: null, secondFactor: null }, loginEvent(user.id));
          expect(await storage.account.changePassword(user.id, creds, sessionId, T0 + 5)).toEqual([second]);
          const after = await storage.users.findById(user.id);
          expect(after).toMatchObject({ opaqueRecord: creds.opaqueRecord, kekSalt: creds.kekSalt, wrappedAccountKey: creds.wrappedAccountKey, accountData: 'ZGF0YQ', updatedAt: T0 + 5 });
          expect((await storage.sessions.findById(sessionId))?.revokedAt).toBeNull();
          expect((await storage.sessions.findById(other.sessionId))?.revokedAt).toBeNull();
          expect(await storage.account.changePassword(randomUUID(), creds, sessionId, T0)).toBeUndefined();
        });

        it('recovery replaces both wraps, removes every factor and ends every session', async () => {
          const { user, sessionId } = await userWithSession();
          await storage.mfa.putPendingTotp(user.id, 'c2VhbGVk', T0);
          await storage.mfa.confirmTotp(user.id, 'c2VhbGVk', 5, T0);
          await storage.mfa.replaceBackupCodes(user.id, ['$argon2id$x'], T0);
          const revoked = await storage.account.recover(user.id, { ...creds, recoverySalt: 'cnM', recoveryWrappedKey: 'cnc', recoveryVerifierHash: 'cnY' }, T0 + 1);
          expect(revoked).toEqual([sessionId]);
          expect(await storage.users.findById(user.id)).toMatchObject({ recoverySalt: 'cnM', recoveryWrappedKey: 'cnc', recoveryVerifierHash: 'cnY', opaqueRecord: creds.opaqueRecord });
          expect(await storage.mfa.getTotp(user.id)).toBeUndefined();
          expect(await storage.mfa.listUnusedBackupCodes(user.id)).toEqual([]);
        });

        it('a vault reset deletes every item and vault, installs the new keys and a new personal vault, and takes the granted roles', async () => {
          const { user, vault, sessionId } = await userWithSession();
          await createItem(user.id, vault.id);
          const bystander = await createUser();
          for (const role of ['owner', 'admin']) expect(await storage.roles.grant(user.id, role, null, T0)).toBe('granted');
          expect(await storage.roles.grant(bystander.user.id, 'admin', null, T0)).toBe('granted');
          const before = await revisionOf(user.id);
          const fresh = sampleVault();
          const keys = { x25519PublicKey: 'eA', ed25519PublicKey: 'ZQ', wrappedX25519PrivateKey: 'd3g', wrappedEd25519PrivateKey: 'd2U' };
          expect(await storage.account.resetVault(user.id, { ...creds, ...keys, recoverySalt: 'cnM', recoveryWrappedKey: 'cnc', recoveryVerifierHash: 'cnY' }, fresh, T0 + 2)).toEqual({
            revoked: [sessionId],
            rolesRemoved: ['admin', 'owner'],
          });
          expect(await storage.roles.rolesOf(user.id)).toEqual(['user']);
          expect(await storage.roles.rolesOf(bystander.user.id)).toEqual(['admin', 'user']);
          expect((await storage.items.list(user.id)).items).toEqual([]);
          expect((await storage.vaults.listForUser(user.id)).map((v) => v.id)).toEqual([fresh.id]);
          expect(await storage.users.findById(user.id)).toMatchObject(keys);
          expect(await revisionOf(user.id)).toBeGreaterThan(before);
        });

        it('deletes an account with everything that hangs off it, and frees the address', async () => {
          const { user, vault, sessionId } = await userWithSession();
          await createItem(user.id, vault.id);
          await storage.emailTokens.create({ hash: `t-${randomUUID()}`, userId: user.id, purpose: 'recovery', expiresAt: T0 + 10, now: T0 });
          await storage.mfa.addWebauthn({ id: `cred-${randomUUID()}`, userId: user.id, name: 'key', publicKey: 'cGs', counter: 0, transports: [], aaguid: '0', backedUp: false, createdAt: T0 });
          expect(await storage.account.delete(user.id, T0 + 3)).toEqual([sessionId]);
          expect(await storage.users.findById(user.id)).toBeUndefined();
          expect(await storage.sessions.findById(sessionId)).toBeUndefined();
          expect(await storage.mfa.listWebauthn(user.id)).toEqual([]);
          expect(await storage.account.delete(user.id, T0 + 4)).toBeUndefined();
          expect(await storage.users.create({ ...sampleUser(), email: user.email }, sampleVault(), T0)).toBe('created');
        });

        const passkey = (userId: string, id = `pk-${randomUUID()}`) => ({
          id, userId, name: 'Laptop', publicKey: 'cGs', counter: 0, transports: ['internal'], aaguid: '0', backedUp: true, wrappedAccountKey: 'd3JhcHBlZA', createdAt: T0,
        });

        it('passkeys: added once, found by credential id alone, the counter moved only from the value read, deleted by their owner only', async () => {
          const { user } = await createUser();
          const other = await createUser();
          const record = passkey(user.id);
          expect(await storage.passkeys.add(record)).toBe('added');
          // A credential id is unique across accounts.
          expect(await storage.passkeys.add({ ...passkey(other.user.id, record.id) })).toBe('exists');
          expect(await storage.passkeys.find(record.id)).toEqual({ ...record, lastUsedAt: null });
          expect(await storage.passkeys.find('unknown')).toBeUndefined();
          expect(await storage.passkeys.list(user.id)).toEqual([{ ...record, lastUsedAt: null }]);
          expect(await storage.passkeys.count(user.id)).toBe(1);
          expect(await storage.passkeys.use(user.id, record.id, 0, 7, T0 + 1)).toBe(true);
          // A second use with the same expected counter (a concurrent or replayed assertion) changes nothing.
          expect(await storage.passkeys.use(user.id, record.id, 0, 8, T0 + 2)).toBe(false);
          expect(await storage.passkeys.use(other.user.id, record.id, 7, 9, T0 + 2)).toBe(false);
          expect(await storage.passkeys.find(record.id)).toMatchObject({ counter: 7, lastUsedAt: T0 + 1 });
          expect(await storage.passkeys.delete(other.user.id, record.id)).toBeUndefined();
          expect((await storage.passkeys.delete(user.id, record.id))?.id).toBe(record.id);
          expect(await storage.passkeys.list(user.id)).toEqual([]);
        });

        it('recovery, vault reset and account deletion remove the account’s passkeys; a password change keeps them', async () => {
          const a = await userWithSession();
          const b = await userWithSession();
          const c = await userWithSession();
          const d = await userWithSession();
          for (const u of [a, b, c, d]) expect(await storage.passkeys.add(passkey(u.user.id))).toBe('added');
          await storage.account.changePassword(a.user.id, creds, a.sessionId, T0 + 1);
          expect(await storage.passkeys.count(a.user.id)).toBe(1);
          await storage.account.recover(b.user.id, { ...creds, recoverySalt: 'cnM', recoveryWrappedKey: 'cnc', recoveryVerifierHash: 'cnY' }, T0 + 1);
          expect(await storage.passkeys.count(b.user.id)).toBe(0);
          const keys = { x25519PublicKey: 'eA', ed25519PublicKey: 'ZQ', wrappedX25519PrivateKey: 'd3g', wrappedEd25519PrivateKey: 'd2U' };
          await storage.account.resetVault(c.user.id, { ...creds, ...keys, recoverySalt: 'cnM', recoveryWrappedKey: 'cnc', recoveryVerifierHash: 'cnY' }, sampleVault(), T0 + 2);
          expect(await storage.passkeys.count(c.user.id)).toBe(0);
          await storage.account.delete(d.user.id, T0 + 3);
          expect(await storage.passkeys.count(d.user.id)).toBe(0);
          expect(await storage.passkeys.count(a.user.id)).toBe(1);
        });

        it('TOTP: pending until confirmed; each step is used once, and never an older one', async () => {
          const { user } = await createUser();
          expect(await storage.mfa.putPendingTotp(user.id, 'c2Vl', T0)).toBe('pending');
          expect(await storage.mfa.useTotpStep(user.id, 10)).toBe(false);
          expect(await storage.mfa.confirmTotp(user.id, 'b3RoZXI', 10, T0)).toBe(false);
          expect(await storage.mfa.confirmTotp(user.id, 'c2Vl', 10, T0)).toBe(true);
          expect(await storage.mfa.putPendingTotp(user.id, 'bmV3', T0)).toBe('active');
          expect(await storage.mfa.useTotpStep(user.id, 10)).toBe(false);
          expect(await storage.mfa.useTotpStep(user.id, 11)).toBe(true);
          const results = await Promise.all([12, 12, 12].map((step) => storage.mfa.useTotpStep(user.id, step)));
          expect(results.filter(Boolean)).toHaveLength(1);
          expect(await storage.mfa.useTotpStep(user.id, 11)).toBe(false);
          expect(await storage.mfa.getTotp(user.id)).toMatchObject({ seedSealed: 'c2Vl', confirmedAt: T0, lastStep: 12 });
          expect(await storage.mfa.deleteTotp(user.id)).toBe(true);
          expect(await storage.mfa.deleteTotp(user.id)).toBe(false);
        });

        it('backup codes: one use each, concurrent uses count once, regeneration replaces the set', async () => {
          const { user } = await createUser();
          await storage.mfa.replaceBackupCodes(user.id, ['h1', 'h2'], T0);
          const [first] = await storage.mfa.listUnusedBackupCodes(user.id);
          const uses = await Promise.all([1, 2, 3].map(() => storage.mfa.useBackupCode(user.id, first!.id, T0)));
          expect(uses.filter(Boolean)).toHaveLength(1);
          expect((await storage.mfa.listUnusedBackupCodes(user.id)).map((c) => c.hash)).toHaveLength(1);
          await storage.mfa.replaceBackupCodes(user.id, ['h3'], T0);
          expect((await storage.mfa.listUnusedBackupCodes(user.id)).map((c) => c.hash)).toEqual(['h3']);
        });

        it('WebAuthn: ids are unique, the counter only moves from the value read', async () => {
          const { user } = await createUser();
          const id = `cred-${randomUUID()}`;
          const cred = { id, userId: user.id, name: 'YubiKey', publicKey: 'cGs', counter: 3, transports: ['usb', 'nfc'], aaguid: '00000000-0000-0000-0000-000000000000', backedUp: true, createdAt: T0 };
          expect(await storage.mfa.addWebauthn(cred)).toBe('added');
          expect(await storage.mfa.addWebauthn({ ...cred, userId: (await createUser()).user.id })).toBe('exists');
          expect(await storage.mfa.useWebauthn(user.id, id, 2, 9, T0)).toBe(false);
          expect(await storage.mfa.useWebauthn(user.id, id, 3, 4, T0 + 1)).toBe(true);
          expect(await storage.mfa.listWebauthn(user.id)).toEqual([{ ...cred, counter: 4, lastUsedAt: T0 + 1 }]);
          expect(await storage.mfa.deleteWebauthn(randomUUID(), id)).toBeUndefined();
          expect((await storage.mfa.deleteWebauthn(user.id, id))?.name).toBe('YubiKey');
        });

        it('e-mail tokens: used once, for their purpose, before expiry; a new request supersedes', async () => {
          const { user } = await createUser();
          const hash = `t-${randomUUID()}`;
          await storage.emailTokens.create({ hash, userId: user.id, purpose: 'recovery', expiresAt: T0 + 100, now: T0 });
          expect(await storage.emailTokens.consume(hash, 'verify_email', T0)).toBeUndefined();
          expect(await storage.emailTokens.consume(hash, 'recovery', T0 + 100)).toBeUndefined();
          expect(await storage.emailTokens.consume(hash, 'recovery', T0 + 99)).toBe(user.id);
          expect(await storage.emailTokens.consume(hash, 'recovery', T0 + 99)).toBeUndefined();
          const next = `t-${randomUUID()}`;
          await storage.emailTokens.create({ hash: next, userId: user.id, purpose: 'verify_email', expiresAt: T0 + 100, now: T0 });
          await storage.emailTokens.revokeAll(user.id, 'verify_email', T0 + 1);
          expect(await storage.emailTokens.consume(next, 'verify_email', T0 + 2)).toBeUndefined();
        });

        it('audit: appends and lists a user\'s events newest first, as actor or target', async () => {
          const { user } = await createUser();
          const event = (at: number, action: string, actorId: string | null, targetId: string | null) => auditEvent(at, action, actorId, targetId, { n: at, ok: true, none: null });
          await storage.audit.append(event(T0, 'auth.login', user.id, user.id));
          await storage.audit.append(event(T0 + 1, 'recovery.requested', null, user.id));
          await storage.audit.append(event(T0 + 2, 'auth.login', randomUUID(), randomUUID()));
          const events = await storage.audit.listForUser(user.id, 10);
          expect(events.map((e) => e.action)).toEqual(['recovery.requested', 'auth.login']);
          expect(events[1]?.context).toEqual({ n: T0, ok: true, none: null });
          expect(await storage.audit.listForUser(user.id, 1)).toHaveLength(1);
        });

        it("audit: an organisation's events, only its own, newest first, strictly before `before`, at most `limit`", async () => {
          const [orgA, orgB, actor] = [randomUUID(), randomUUID(), randomUUID()];
          const [a1, a2, a3] = [T0, T0 + 1, T0 + 2].map((at) => auditEvent(at, 'vault.created', actor, null)) as [AuditEventRecord, AuditEventRecord, AuditEventRecord];
          for (const e of [a2, a1, a3]) await storage.orgAudit.append(orgA, e);
          await storage.orgAudit.append(orgB, auditEvent(T0 + 1, 'org.created', actor, null));
          await storage.audit.append(auditEvent(T0 + 1, 'auth.login', actor, null));
          expect(await storage.orgAudit.list(orgA, undefined, 10)).toEqual([a3, a2, a1]);
          expect(await storage.orgAudit.list(orgA, T0 + 2, 10)).toEqual([a2, a1]);
          expect(await storage.orgAudit.list(orgA, undefined, 2)).toEqual([a3, a2]);
          expect(await storage.orgAudit.list(orgA, T0, 10)).toEqual([]);
          expect((await storage.orgAudit.list(orgB, undefined, 10)).map((e) => e.action)).toEqual(['org.created']);
          expect(await storage.orgAudit.list(randomUUID(), undefined, 10)).toEqual([]);
        });

        it("audit: an organisation's events stay in the one log, found by the admin query and paged by (at, id)", async () => {
          const actor = randomUUID();
          const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
          for (const id of ids) await storage.orgAudit.append(randomUUID(), { ...auditEvent(T0 + 5, 'org.created', actor, null), id });
          const plain = auditEvent(T0 + 6, 'auth.login', actor, null);
          await storage.audit.append(plain);
          expect((await storage.audit.query({ actorId: actor, action: 'org.created' }, undefined, 10)).map((e) => e.id)).toEqual([...ids].reverse());
          const first = await storage.audit.query({ actorId: actor }, undefined, 2);
          const last = first.at(-1)!;
          const rest = await storage.audit.query({ actorId: actor }, { at: last.at, id: last.id }, 10);
          expect([...first, ...rest].map((e) => e.id)).toEqual([plain.id, ...[...ids].reverse()]);
          expect((await storage.audit.listForUser(actor, 10)).map((e) => e.id)).toEqual([plain.id, ...[...ids].reverse()]);
        });

        it('the login gate tells a first login, a known device and a new one apart (same name and user agent)', async () => {
          const { user } = await createUser();
          const device = async (userId: string, name: string, userAgent: string) => (await storage.mfa.loginGate(userId, { name, userAgent })).device;
          expect(await device(user.id, 'Laptop', 'ua/1')).toBe('first');
          const { user: seen } = await userWithSession('Laptop');
          expect(await device(seen.id, 'Laptop', 'ua/1')).toBe('known');
          expect(await device(seen.id, 'Laptop', 'ua/2')).toBe('new');
          expect(await device(seen.id, 'Phone', 'ua/1')).toBe('new');
          // Another account's sessions do not count.
          expect(await device(user.id, 'Laptop', 'ua/1')).toBe('first');
        });
      });

      describe('roles: a role that keeps an active holder (KeepHolder)', () => {
        /** A fresh custom role (the built-in owner role is shared by other tests) and `n` accounts holding it. */
        async function roleHeldBy(n: number) {
          const role = `keep-${randomUUID().slice(0, 8)}`;
          expect(await storage.roles.create({ name: role, parent: 'user', description: 'guarded', permissions: [] }, T0)).toBe('created');
          const holders: string[] = [];
          for (let i = 0; i < n; i++) {
            const { user } = await createUser();
            expect(await storage.roles.grant(user.id, role, null, T0)).toBe('granted');
            holders.push(user.id);
          }
          return { role, keep: { keepActiveHolder: role }, holders };
        }

        it('refuses to revoke, disable or delete the only active holder, and changes nothing', async () => {
          const { role, keep, holders } = await roleHeldBy(2);
          const [last, disabled] = holders as [string, string];
          expect(await storage.users.setDisabled(disabled, T0 + 1, keep)).toBe(true); // two active: allowed
          expect(await storage.roles.revoke(last, role, keep)).toBe('last_holder');
          expect(await storage.users.setDisabled(last, T0 + 2, keep)).toBe('last_holder');
          expect(await storage.account.delete(last, T0 + 3, keep)).toBe('last_holder');
          expect(await storage.roles.rolesOf(last)).toEqual([role, 'user'].sort());
          expect((await storage.users.summary(last))?.disabledAt).toBeNull();
          expect(await storage.roles.holders(role, true)).toBe(1);
          // A disabled holder is not the one that keeps the role: it may lose it.
          expect(await storage.roles.revoke(disabled, role, keep)).toBe(true);
          // Another role of the last holder, and enabling, are not guarded.
          expect(await storage.roles.grant(last, 'auditor', null, T0)).toBe('granted');
          expect(await storage.roles.revoke(last, 'auditor', keep)).toBe(true);
          expect(await storage.users.setDisabled(last, null, keep)).toBe(true);
          // Unguarded, the same changes go through (the host's break-glass tools, tests).
          expect(await storage.users.setDisabled(last, T0 + 4)).toBe(true);
          expect(await storage.roles.holders(role, true)).toBe(0);
        });

        it('with two active holders, concurrent removals of each other leave exactly one (10 rounds, each kind of change)', async () => {
          const changes = [
            (id: string, role: string, keep: { keepActiveHolder: string }) => storage.roles.revoke(id, role, keep),
            (id: string, _role: string, keep: { keepActiveHolder: string }) => storage.users.setDisabled(id, T0 + 5, keep),
            (id: string, _role: string, keep: { keepActiveHolder: string }) => storage.account.delete(id, T0 + 5, keep),
          ];
          for (let round = 0; round < 10; round++) {
            const { role, keep, holders } = await roleHeldBy(2);
            const [a, b] = holders as [string, string];
            const first = changes[round % 3] as (typeof changes)[number];
            const second = changes[(round + 1) % 3] as (typeof changes)[number];
            const results = await Promise.all([first(a, role, keep), second(b, role, keep)]);
            expect(results.filter((r) => r === 'last_holder')).toHaveLength(1);
            expect(await storage.roles.holders(role, true)).toBe(1);
          }
        });
      });

      describe('oauth', () => {
        const client = (kind: 'app' | 'apikey', ownerId: string | null) => ({
          clientId: `${kind === 'app' ? 'wwc' : 'wwk'}_${randomUUID().replaceAll('-', '').slice(0, 22)}`,
          kind,
          name: 'Wiki',
          public: false,
          redirectUris: ['https://wiki.example/cb'],
          postLogoutRedirectUris: [],
          secretHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
          ownerId,
          readOnly: kind === 'apikey',
          disabledAt: null,
          createdBy: ownerId,
          createdAt: T0,
          updatedAt: T0,
          lastUsedAt: null,
        });

        it('stores clients and API keys; disables, rotates and deletes them (an owner only deletes their own keys)', async () => {
          const { user } = await createUser();
          const { user: other } = await createUser();
          const app = client('app', null);
          const key = client('apikey', user.id);
          await storage.oauth.createClient(app);
          await storage.oauth.createClient(key);
          expect(await storage.oauth.findClient(app.clientId)).toEqual(app);
          expect((await storage.oauth.listApiKeys(user.id)).map((k) => k.clientId)).toEqual([key.clientId]);
          expect(await storage.oauth.setDisabled(app.clientId, T0 + 1, T0 + 1)).toBe(true);
          expect((await storage.oauth.findClient(app.clientId))?.disabledAt).toBe(T0 + 1);
          expect(await storage.oauth.setSecret(app.clientId, 'new-hash', T0 + 2)).toBe(true);
          expect((await storage.oauth.findClient(app.clientId))?.secretHash).toBe('new-hash');
          expect(await storage.oauth.deleteClient(key.clientId, other.id)).toBe(false);
          expect(await storage.oauth.deleteClient(key.clientId, user.id)).toBe(true);
          expect(await storage.oauth.findClient(key.clientId)).toBeUndefined();
        });

        it('remembers consent per account and client; deleting the client takes its consents', async () => {
          const { user } = await createUser();
          const app = client('app', null);
          await storage.oauth.createClient(app);
          await storage.oauth.upsertConsent({ userId: user.id, clientId: app.clientId, scopes: ['openid'], grantId: 'g1', grantedAt: T0 });
          await storage.oauth.upsertConsent({ userId: user.id, clientId: app.clientId, scopes: ['openid', 'email'], grantId: 'g2', grantedAt: T0 + 5 });
          expect(await storage.oauth.findConsent(user.id, app.clientId)).toEqual({ userId: user.id, clientId: app.clientId, scopes: ['openid', 'email'], grantId: 'g2', grantedAt: T0 + 5 });
          expect(await storage.oauth.grantsOfClient(app.clientId)).toEqual(['g2']);
          await storage.oauth.deleteClient(app.clientId);
          expect(await storage.oauth.listConsents(user.id)).toEqual([]);
        });

        it("keeps the provider's records until they expire; consumes once; revokes by grant, per model or all", async () => {
          const grant = `grant-${randomUUID()}`;
          await storage.oauth.upsertRecord('Grant', grant, { payload: '{"accountId":"a"}', grantId: grant, uid: null, expiresAt: T0 + 1000 });
          await storage.oauth.upsertRecord('RefreshToken', 'rt-hash', { payload: '{"grantId":"x"}', grantId: grant, uid: null, expiresAt: T0 + 1000 });
          await storage.oauth.upsertRecord('AccessToken', 'at-hash', { payload: '{}', grantId: grant, uid: null, expiresAt: T0 + 10 });
          await storage.oauth.upsertRecord('Session', 'sess-hash', { payload: '{"uid":"u1"}', grantId: null, uid: `u-${grant}`, expiresAt: T0 + 1000 });
          expect(await storage.oauth.findRecord('AccessToken', 'at-hash', T0 + 10)).toBeUndefined();
          expect(await storage.oauth.findRecordByUid('Session', `u-${grant}`, T0)).toMatchObject({ id: 'sess-hash' });
          await storage.oauth.consumeRecord('RefreshToken', 'rt-hash', T0 + 1);
          await storage.oauth.consumeRecord('RefreshToken', 'rt-hash', T0 + 2);
          expect(await storage.oauth.findRecord('RefreshToken', 'rt-hash', T0)).toEqual({ payload: '{"grantId":"x"}', expiresAt: T0 + 1000, consumedAt: T0 + 1 });
          expect(await storage.oauth.revokeGrant(grant, 'RefreshToken')).toBe(1);
          expect(await storage.oauth.findRecord('Grant', grant, T0)).toBeDefined();
          expect(await storage.oauth.revokeGrant(grant)).toBe(2);
          expect(await storage.oauth.findRecord('Grant', grant, T0)).toBeUndefined();
          expect(await storage.oauth.pruneRecords(T0 + 2000)).toBeGreaterThanOrEqual(1);
        });
      });

      describe('meta', () => {
        it('gets undefined for a missing key, then stores and overwrites', async () => {
          const key = `k-${randomUUID()}`;
          expect(await storage.meta.get(key)).toBeUndefined();
          await storage.meta.set(key, 'one');
          expect(await storage.meta.get(key)).toBe('one');
          await storage.meta.set(key, 'two');
          expect(await storage.meta.get(key)).toBe('two');
        });
      });
    });
  });
}
