/**
 * Shared vaults and their members (issue 25). Access is decided in each query by the caller's row in
 * `vault_members` (read ⊂ edit ⊂ manage) — a vault the caller cannot reach reads as missing. A vault's `revision`
 * is its change counter: every item change and every key rotation takes the next value (see shared-items.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import type { VaultAccess } from '@watchword/protocol';
import { isUniqueViolation } from './errors.ts';
import type { Database } from './schema.ts';
import type { StorageDriver } from './driver.ts';
import { preparedQuery } from './prepared.ts';
import { textParameter } from './text-parameter.ts';
import type { SharingKeys } from './sharing-keys.ts';

export interface SharedVaultView {
  id: string;
  orgId: string;
  encryptedName: string;
  keyVersion: number;
  revision: number;
  /** The viewer's access and sealed key. */
  access: VaultAccess;
  memberKeyVersion: number;
  wrappedKey: string;
  /** When a member lost access without the key being rotated since; null when no rotation is owed. */
  rotationPendingSince: number | null;
  createdAt: number;
}

export interface OrgVaultView {
  id: string;
  orgId: string;
  encryptedName: string;
  keyVersion: number;
  memberCount: number;
  access: VaultAccess | null;
  rotationPendingSince: number | null;
  createdAt: number;
}

export interface VaultMemberRecord {
  userId: string;
  email: string;
  access: VaultAccess;
  keyVersion: number;
  keys: (SharingKeys & { userId: string }) | null;
}

/** The access levels that include `needed`. */
export function accessAtLeast(needed: VaultAccess): VaultAccess[] {
  return needed === 'read' ? ['read', 'edit', 'manage'] : needed === 'edit' ? ['edit', 'manage'] : ['manage'];
}

export type RotateResult = SharedVaultView | 'not_found' | 'key_version' | 'members' | { conflict: string };

export interface SharedVaultRepository {
  create(input: { id: string; orgId: string; encryptedName: string; wrappedKey: string; userId: string; now: number; maxVaults: number }): Promise<SharedVaultView | 'exists' | 'limit'>;
  /** The vault as `userId` sees it, when its access is at least `needed`; undefined otherwise (or when missing). */
  forMember(userId: string, vaultId: string, needed: VaultAccess): Promise<SharedVaultView | undefined>;
  /** The caller's access to the vault, or undefined (no membership, or no such vault). */
  accessOf(userId: string, vaultId: string): Promise<VaultAccess | undefined>;
  /** Every vault `userId` reaches. */
  listForUser(userId: string): Promise<SharedVaultView[]>;
  /** The organisation's vaults: all (`all`) or only those `userId` is a member of. */
  listForOrg(orgId: string, userId: string, all: boolean): Promise<OrgVaultView[]>;
  rename(userId: string, vaultId: string, encryptedName: string, now: number): Promise<SharedVaultView | undefined>;
  /** Deletes the vault with its items and memberships; false unless `userId` manages it. */
  delete(userId: string, vaultId: string): Promise<boolean>;
  members(vaultId: string): Promise<VaultMemberRecord[]>;
  /**
   * Gives (or replaces) `targetId`'s access with its sealed key: the target must be a confirmed member of the vault's
   * organisation, the key of the vault's current version, the actor a manager — all decided in one transaction.
   */
  share(input: { actorId: string; vaultId: string; targetId: string; access: VaultAccess; keyVersion: number; wrappedKey: string; now: number }): Promise<'shared' | 'not_found' | 'target_not_found' | 'key_version'>;
  changeAccess(input: { actorId: string; vaultId: string; targetId: string; access: VaultAccess; now: number }): Promise<'changed' | 'not_found' | 'target_not_found' | 'last_manager'>;
  /** Takes the target's access away and marks the vault as owing a key rotation, in one transaction. */
  unshare(input: { actorId: string; vaultId: string; targetId: string; now: number }): Promise<'removed' | 'not_found' | 'target_not_found' | 'last_manager'>;
  /**
   * New key version (current + 1) with the key sealed for every member (exactly the current members), and optionally
   * items re-encrypted under it, each at the revision the client read — all or nothing. The version is a
   * compare-and-swap under the vault's row lock: of two managers rotating at once exactly one succeeds, the other gets
   * 'key_version'. A success clears the vault's pending-rotation marker: the members it sealed for are exactly the
   * ones left, so no removed member holds the new key.
   */
  rotate(input: { actorId: string; vaultId: string; keyVersion: number; wrappedKeys: { userId: string; wrappedKey: string }[]; items: { id: string; revision: number; data: string }[]; now: number }): Promise<RotateResult>;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Marks the vaults `userId` is a member of (all, those of `orgId`, or just `vaultId`) as owing a key rotation, keeping
 * the earliest time when one was already owed. Call it inside the transaction that takes the memberships away and
 * BEFORE deleting them: updating the vault rows first orders this change against a rotation in flight (which holds
 * the same rows, lockManaged), so a rotation either sees the member already gone or leaves the marker set behind it.
 */
export async function markRotationPending(trx: Transaction<Database>, input: { userId: string; orgId?: string; vaultId?: string; now: number }): Promise<string[]> {
  let q = trx
    .updateTable('shared_vaults')
    .set((eb) => ({ rotation_pending_at: eb.fn.coalesce('rotation_pending_at', eb.val(input.now)) }))
    .where('id', 'in', trx.selectFrom('vault_members').select('vault_id').where('user_id', '=', input.userId));
  if (input.orgId !== undefined) q = q.where('org_id', '=', input.orgId);
  if (input.vaultId !== undefined) q = q.where('id', '=', input.vaultId);
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id);
}

export function createSharedVaultRepository(driver: Pick<StorageDriver, 'db' | 'direct'>): SharedVaultRepository {
  const { db } = driver;
  const memberView = (q: Db, userId: string) =>
    q
      .selectFrom('shared_vaults as v')
      .innerJoin('vault_members as vm', 'vm.vault_id', 'v.id')
      .select(['v.id', 'v.org_id', 'v.encrypted_name', 'v.key_version', 'v.revision', 'v.rotation_pending_at', 'v.created_at', 'vm.access', 'vm.key_version as member_key_version', 'vm.wrapped_key'])
      .where('vm.user_id', '=', textParameter(userId));
  /**
   * Every shared sync starts with it: compiled once (storage/prepared.ts), and unordered — SQLite sorted the few rows
   * in a temporary B-tree, a third of the statement's time; `listForUser` orders them instead. The user id is a cast
   * text parameter (storage/text-parameter.ts): bare, SQLite re-planned the statement on every execution, 38 µs
   * against 12 µs with the cast, same plan (better-sqlite3 loop, 5 vaults; docs/performance.md "Shared vaults").
   */
  const reachable = preparedQuery<Parameters<typeof toView>[0], [string]>(driver, 1, (userId) => memberView(db, userId));
  const forMember = async (q: Db, userId: string, vaultId: string, needed: VaultAccess) => {
    const row = await memberView(q, userId).where('v.id', '=', vaultId).where('vm.access', 'in', accessAtLeast(needed)).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  };
  const managers = async (trx: Transaction<Database>, vaultId: string) => {
    const row = await trx.selectFrom('vault_members').select((e) => e.fn.countAll<number>().as('n')).where('vault_id', '=', vaultId).where('access', '=', 'manage').executeTakeFirstOrThrow();
    return Number(row.n);
  };
  /** Locks the vault row (PostgreSQL: FOR UPDATE semantics through the update) and checks the actor manages it. */
  const lockManaged = async (trx: Transaction<Database>, actorId: string, vaultId: string) => {
    const row = await trx
      .updateTable('shared_vaults')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('id', '=', vaultId)
      .where((eb) => eb.exists(eb.selectFrom('vault_members').select('user_id').where('vault_id', '=', vaultId).where('user_id', '=', actorId).where('access', '=', 'manage')))
      .returning(['org_id', 'key_version', 'revision'])
      .executeTakeFirst();
    return row;
  };

  return {
    async create({ id, orgId, encryptedName, wrappedKey, userId, now, maxVaults }) {
      try {
        return await db.transaction().execute(async (trx) => {
          await trx.updateTable('orgs').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', orgId).execute();
          const count = await trx.selectFrom('shared_vaults').select((e) => e.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
          if (Number(count.n) >= maxVaults) return 'limit' as const;
          await trx.insertInto('shared_vaults').values({ id, org_id: orgId, encrypted_name: encryptedName, key_version: 1, revision: 0, created_by: userId, created_at: now, updated_at: now }).execute();
          await trx.insertInto('vault_members').values({ vault_id: id, user_id: userId, access: 'manage', key_version: 1, wrapped_key: wrappedKey, created_at: now, updated_at: now }).execute();
          const view = await forMember(trx, userId, id, 'manage');
          if (!view) throw new Error('vault vanished inside its own transaction');
          return view;
        });
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },
    forMember: (userId, vaultId, needed) => forMember(db, userId, vaultId, needed),
    async accessOf(userId, vaultId) {
      const row = await db.selectFrom('vault_members').select('access').where('vault_id', '=', vaultId).where('user_id', '=', userId).executeTakeFirst();
      return row?.access as VaultAccess | undefined;
    },
    async listForUser(userId) {
      return (await reachable(userId)).map(toView).sort(byCreation);
    },
    async listForOrg(orgId, userId, all) {
      let q = db
        .selectFrom('shared_vaults as v')
        .leftJoin('vault_members as mine', (join) => join.onRef('mine.vault_id', '=', 'v.id').on('mine.user_id', '=', userId))
        .select((eb) => [
          'v.id',
          'v.org_id',
          'v.encrypted_name',
          'v.key_version',
          'v.rotation_pending_at',
          'v.created_at',
          'mine.access',
          eb.selectFrom('vault_members as c').select((e) => e.fn.countAll<number>().as('n')).whereRef('c.vault_id', '=', 'v.id').as('member_count'),
        ])
        .where('v.org_id', '=', orgId);
      if (!all) q = q.where('mine.user_id', 'is not', null);
      const rows = await q.orderBy('v.created_at').orderBy('v.id').execute();
      return rows.map((r) => ({
        id: r.id,
        orgId: r.org_id,
        encryptedName: r.encrypted_name,
        keyVersion: r.key_version,
        memberCount: Number(r.member_count ?? 0),
        access: (r.access ?? null) as VaultAccess | null,
        rotationPendingSince: pendingSince(r.rotation_pending_at),
        createdAt: r.created_at,
      }));
    },
    async rename(userId, vaultId, encryptedName, now) {
      return db.transaction().execute(async (trx) => {
        if (!(await lockManaged(trx, userId, vaultId))) return undefined;
        await trx.updateTable('shared_vaults').set((eb) => ({ encrypted_name: encryptedName, updated_at: now, revision: eb('revision', '+', 1) })).where('id', '=', vaultId).execute();
        return forMember(trx, userId, vaultId, 'manage');
      });
    },
    async delete(userId, vaultId) {
      return db.transaction().execute(async (trx) => {
        if (!(await lockManaged(trx, userId, vaultId))) return false;
        await trx.deleteFrom('shared_items').where('vault_id', '=', vaultId).execute();
        await trx.deleteFrom('vault_members').where('vault_id', '=', vaultId).execute();
        await trx.deleteFrom('shared_vaults').where('id', '=', vaultId).execute();
        return true;
      });
    },
    async members(vaultId) {
      const rows = await db
        .selectFrom('vault_members as vm')
        .innerJoin('users as u', 'u.id', 'vm.user_id')
        .select(['vm.user_id', 'u.email', 'vm.access', 'vm.key_version', 'u.sharing_x25519_public_key', 'u.sharing_ed25519_public_key', 'u.sharing_key_signature', 'u.sharing_keys_at'])
        .where('vm.vault_id', '=', vaultId)
        .orderBy('vm.created_at')
        .orderBy('vm.user_id')
        .execute();
      return rows.map((r) => ({
        userId: r.user_id,
        email: r.email,
        access: r.access as VaultAccess,
        keyVersion: r.key_version,
        keys:
          r.sharing_keys_at !== null && r.sharing_x25519_public_key !== null && r.sharing_ed25519_public_key !== null && r.sharing_key_signature !== null
            ? { userId: r.user_id, x25519PublicKey: r.sharing_x25519_public_key, ed25519PublicKey: r.sharing_ed25519_public_key, keySignature: r.sharing_key_signature, registeredAt: r.sharing_keys_at }
            : null,
      }));
    },
    async share({ actorId, vaultId, targetId, access, keyVersion, wrappedKey, now }) {
      return db.transaction().execute(async (trx) => {
        const vault = await lockManaged(trx, actorId, vaultId);
        if (!vault) return 'not_found' as const;
        const member = await trx.selectFrom('org_members').select('id').where('org_id', '=', vault.org_id).where('user_id', '=', targetId).where('state', '=', 'confirmed').executeTakeFirst();
        if (!member) return 'target_not_found' as const;
        if (keyVersion !== vault.key_version) return 'key_version' as const;
        await trx.deleteFrom('vault_members').where('vault_id', '=', vaultId).where('user_id', '=', targetId).execute();
        await trx.insertInto('vault_members').values({ vault_id: vaultId, user_id: targetId, access, key_version: keyVersion, wrapped_key: wrappedKey, created_at: now, updated_at: now }).execute();
        return 'shared' as const;
      });
    },
    async changeAccess({ actorId, vaultId, targetId, access, now }) {
      return db.transaction().execute(async (trx) => {
        if (!(await lockManaged(trx, actorId, vaultId))) return 'not_found' as const;
        const current = await trx.selectFrom('vault_members').select('access').where('vault_id', '=', vaultId).where('user_id', '=', targetId).executeTakeFirst();
        if (!current) return 'target_not_found' as const;
        if (current.access === 'manage' && access !== 'manage' && (await managers(trx, vaultId)) <= 1) return 'last_manager' as const;
        await trx.updateTable('vault_members').set({ access, updated_at: now }).where('vault_id', '=', vaultId).where('user_id', '=', targetId).execute();
        return 'changed' as const;
      });
    },
    async unshare({ actorId, vaultId, targetId, now }) {
      return db.transaction().execute(async (trx) => {
        if (!(await lockManaged(trx, actorId, vaultId))) return 'not_found' as const;
        const current = await trx.selectFrom('vault_members').select('access').where('vault_id', '=', vaultId).where('user_id', '=', targetId).executeTakeFirst();
        if (!current) return 'target_not_found' as const;
        if (current.access === 'manage' && (await managers(trx, vaultId)) <= 1) return 'last_manager' as const;
        await markRotationPending(trx, { userId: targetId, vaultId, now });
        await trx.deleteFrom('vault_members').where('vault_id', '=', vaultId).where('user_id', '=', targetId).execute();
        return 'removed' as const;
      });
    },
    async rotate({ actorId, vaultId, keyVersion, wrappedKeys, items, now }) {
      return db
        .transaction()
        .execute(async (trx): Promise<RotateResult> => {
          const vault = await lockManaged(trx, actorId, vaultId);
          if (!vault) return 'not_found';
          if (keyVersion !== vault.key_version + 1) return 'key_version';
          const current = await trx.selectFrom('vault_members').select('user_id').where('vault_id', '=', vaultId).execute();
          const given = new Set(wrappedKeys.map((k) => k.userId));
          if (given.size !== wrappedKeys.length || given.size !== current.length || current.some((m) => !given.has(m.user_id))) return 'members';
          for (const k of wrappedKeys) {
            await trx.updateTable('vault_members').set({ key_version: keyVersion, wrapped_key: k.wrappedKey, updated_at: now }).where('vault_id', '=', vaultId).where('user_id', '=', k.userId).execute();
          }
          // One revision for the rotation itself, then one per re-encrypted item (its seq).
          let revision = Number(vault.revision) + 1;
          for (const item of items) {
            revision += 1;
            const updated = await trx
              .updateTable('shared_items')
              .set((eb) => ({ data: item.data, key_version: keyVersion, revision: eb('revision', '+', 1), seq: revision, updated_at: now }))
              .where('id', '=', item.id)
              .where('vault_id', '=', vaultId)
              .where('revision', '=', item.revision)
              .where('purged', '=', 0)
              .executeTakeFirst();
            if (Number(updated.numUpdatedRows) !== 1) throw new RotationConflict(item.id);
          }
          await trx.updateTable('shared_vaults').set({ key_version: keyVersion, revision, rotation_pending_at: null, updated_at: now }).where('id', '=', vaultId).execute();
          const view = await forMember(trx, actorId, vaultId, 'manage');
          if (!view) throw new Error('vault vanished inside its own transaction');
          return view;
        })
        .catch((error: unknown) => {
          if (error instanceof RotationConflict) return { conflict: error.itemId };
          throw error;
        });
    },
  };
}

class RotationConflict extends Error {
  readonly itemId: string;
  constructor(itemId: string) {
    super('rotation conflict');
    this.itemId = itemId;
  }
}

/** Oldest first, then by id: the order the vault lists have always had. */
function byCreation(a: SharedVaultView, b: SharedVaultView): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** bigint columns come back as strings from PostgreSQL. */
function pendingSince(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function toView(row: { id: string; org_id: string; encrypted_name: string; key_version: number; revision: number; rotation_pending_at: number | null; created_at: number; access: string; member_key_version: number; wrapped_key: string }): SharedVaultView {
  return {
    id: row.id,
    orgId: row.org_id,
    encryptedName: row.encrypted_name,
    keyVersion: row.key_version,
    revision: Number(row.revision),
    access: row.access as VaultAccess,
    memberKeyVersion: row.member_key_version,
    wrappedKey: row.wrapped_key,
    rotationPendingSince: pendingSince(row.rotation_pending_at),
    createdAt: row.created_at,
  };
}
