/**
 * Organisations and their members (issue 25). Every read that answers for one caller decides in its query whether
 * the caller belongs to the organisation; every change that could leave an organisation without an owner checks it
 * inside its own transaction (two owners demoting each other at once cannot both succeed).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { MemberState, OrgRole, VaultAccess } from '@watchword/protocol';
import { isUniqueViolation } from './errors.ts';
import type { Database, OrgMembersTable } from './schema.ts';
import type { SharingKeys } from './sharing-keys.ts';
import { markRotationPending } from './shared-vaults.ts';

export interface OrgView {
  id: string;
  name: string;
  /** The viewer's own role and state. */
  role: OrgRole;
  state: MemberState;
  memberCount: number;
  vaultCount: number;
  createdAt: number;
}

export interface MemberRecord {
  id: string;
  orgId: string;
  userId: string | null;
  email: string;
  role: OrgRole;
  state: MemberState;
  invitedAt: number;
  acceptedAt: number | null;
  confirmedAt: number | null;
  keys: (SharingKeys & { userId: string }) | null;
}

export interface InvitationRecord {
  orgId: string;
  orgName: string;
  memberId: string;
  role: OrgRole;
  invitedAt: number;
}

/** One vault key handed to a member at confirmation. */
export interface GrantInput {
  vaultId: string;
  access: VaultAccess;
  keyVersion: number;
  wrappedKey: string;
}

export type ConfirmResult = MemberRecord | 'not_found' | 'state' | 'grant_refused' | 'key_version';
export type MemberChangeResult = MemberRecord | 'not_found' | 'last_owner' | 'forbidden';

export interface OrgRepository {
  /** Creates the organisation with `owner` as its confirmed owner. */
  create(input: { id: string; name: string; ownerId: string; ownerEmail: string; now: number }): Promise<OrgView | 'exists'>;
  /** The caller's membership (any state); undefined when none. */
  membership(orgId: string, userId: string): Promise<{ memberId: string; role: OrgRole; state: MemberState } | undefined>;
  /** Organisations where the user is accepted or confirmed. */
  listForUser(userId: string): Promise<OrgView[]>;
  /** undefined unless the user is an accepted or confirmed member. */
  get(orgId: string, userId: string): Promise<OrgView | undefined>;
  rename(orgId: string, name: string, now: number): Promise<boolean>;
  delete(orgId: string): Promise<boolean>;
  /** 'invited' also when the address was already invited or is a member (the caller must not learn which). */
  invite(input: { id: string; orgId: string; email: string; role: 'admin' | 'member'; invitedBy: string; now: number; maxMembers: number }): Promise<'invited' | 'limit'>;
  invitationsFor(email: string): Promise<InvitationRecord[]>;
  /** invited → accepted, attaching the account; undefined when no invitation for this address is pending. */
  accept(orgId: string, userId: string, email: string, now: number): Promise<OrgView | undefined>;
  members(orgId: string): Promise<MemberRecord[]>;
  member(orgId: string, memberId: string): Promise<MemberRecord | undefined>;
  /**
   * accepted → confirmed with the grants, in one transaction: each grant's vault must be of this organisation, managed
   * by `actorId`, and of its current key version.
   */
  confirm(input: { orgId: string; memberId: string; actorId: string; grants: GrantInput[]; now: number }): Promise<ConfirmResult>;
  /** Only an owner gives or takes the owner role; the last owner keeps it. */
  changeRole(input: { orgId: string; memberId: string; actorRole: OrgRole; role: OrgRole }): Promise<MemberChangeResult>;
  /**
   * Removes the member and all its vault accesses in the organisation, at once, marking each of those vaults as owing
   * a key rotation (same transaction). An admin cannot remove an owner.
   */
  remove(input: { orgId: string; memberId: string; actorRole: OrgRole | 'self'; now: number }): Promise<MemberChangeResult>;
}

export function createOrgRepository(db: Kysely<Database>): OrgRepository {
  const view = async (q: Kysely<Database> | Transaction<Database>, orgId: string, userId: string): Promise<OrgView | undefined> => {
    const row = await q
      .selectFrom('orgs')
      .innerJoin('org_members as m', 'm.org_id', 'orgs.id')
      .select((eb) => [
        'orgs.id',
        'orgs.name',
        'orgs.created_at',
        'm.role',
        'm.state',
        eb.selectFrom('org_members as c').select((e) => e.fn.countAll<number>().as('n')).whereRef('c.org_id', '=', 'orgs.id').as('member_count'),
        eb.selectFrom('shared_vaults as v').select((e) => e.fn.countAll<number>().as('n')).whereRef('v.org_id', '=', 'orgs.id').as('vault_count'),
      ])
      .where('orgs.id', '=', orgId)
      .where('m.user_id', '=', userId)
      .where('m.state', '!=', 'invited')
      .executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  };
  const memberQuery = (q: Kysely<Database> | Transaction<Database>) =>
    q
      .selectFrom('org_members as m')
      .leftJoin('users as u', 'u.id', 'm.user_id')
      .selectAll('m')
      .select(['u.sharing_x25519_public_key', 'u.sharing_ed25519_public_key', 'u.sharing_key_signature', 'u.sharing_keys_at']);
  const ownerCount = async (trx: Transaction<Database>, orgId: string) => {
    const row = await trx
      .selectFrom('org_members')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('role', '=', 'owner')
      .where('state', '!=', 'invited')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  /** Locks the organisation's row (PostgreSQL) so owner checks and member counts are decided one at a time. */
  const lockOrg = (trx: Transaction<Database>, orgId: string) =>
    trx.updateTable('orgs').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', orgId).executeTakeFirst();

  return {
    async create({ id, name, ownerId, ownerEmail, now }) {
      try {
        return await db.transaction().execute(async (trx) => {
          await trx.insertInto('orgs').values({ id, name, created_by: ownerId, created_at: now, updated_at: now }).execute();
          await trx
            .insertInto('org_members')
            .values({ id: globalThis.crypto.randomUUID(), org_id: id, user_id: ownerId, email: ownerEmail, role: 'owner', state: 'confirmed', invited_by: ownerId, invited_at: now, accepted_at: now, confirmed_at: now })
            .execute();
          const created = await view(trx, id, ownerId);
          if (!created) throw new Error('organisation vanished inside its own transaction');
          return created;
        });
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },
    async membership(orgId, userId) {
      const row = await db.selectFrom('org_members').select(['id', 'role', 'state']).where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
      return row === undefined ? undefined : { memberId: row.id, role: row.role as OrgRole, state: row.state as MemberState };
    },
    async listForUser(userId) {
      const ids = await db.selectFrom('org_members').select('org_id').where('user_id', '=', userId).where('state', '!=', 'invited').execute();
      const views = await Promise.all(ids.map((r) => view(db, r.org_id, userId)));
      return views.filter((v): v is OrgView => v !== undefined).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    get: (orgId, userId) => view(db, orgId, userId),
    async rename(orgId, name, now) {
      const result = await db.updateTable('orgs').set({ name, updated_at: now }).where('id', '=', orgId).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async delete(orgId) {
      return db.transaction().execute(async (trx) => {
        // Explicit, in dependency order: SQLite enforces the cascades only with foreign_keys on, and this states the intent.
        const vaults = trx.selectFrom('shared_vaults').select('id').where('org_id', '=', orgId);
        await trx.deleteFrom('shared_items').where('vault_id', 'in', vaults).execute();
        await trx.deleteFrom('vault_members').where('vault_id', 'in', vaults).execute();
        await trx.deleteFrom('shared_vaults').where('org_id', '=', orgId).execute();
        await trx.deleteFrom('org_members').where('org_id', '=', orgId).execute();
        const result = await trx.deleteFrom('orgs').where('id', '=', orgId).executeTakeFirst();
        return Number(result.numDeletedRows) === 1;
      });
    },
    async invite({ id, orgId, email, role, invitedBy, now, maxMembers }) {
      return db.transaction().execute(async (trx) => {
        await lockOrg(trx, orgId);
        const existing = await trx.selectFrom('org_members').select('id').where('org_id', '=', orgId).where('email', '=', email).executeTakeFirst();
        if (existing) return 'invited';
        const count = await trx.selectFrom('org_members').select((e) => e.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
        if (Number(count.n) >= maxMembers) return 'limit';
        await trx
          .insertInto('org_members')
          .values({ id, org_id: orgId, user_id: null, email, role, state: 'invited', invited_by: invitedBy, invited_at: now, accepted_at: null, confirmed_at: null })
          .execute();
        return 'invited';
      });
    },
    async invitationsFor(email) {
      const rows = await db
        .selectFrom('org_members as m')
        .innerJoin('orgs', 'orgs.id', 'm.org_id')
        .select(['m.id', 'm.org_id', 'orgs.name', 'm.role', 'm.invited_at'])
        .where('m.email', '=', email)
        .where('m.state', '=', 'invited')
        .orderBy('m.invited_at')
        .execute();
      return rows.map((r) => ({ orgId: r.org_id, orgName: r.name, memberId: r.id, role: r.role as OrgRole, invitedAt: r.invited_at }));
    },
    async accept(orgId, userId, email, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('org_members')
          .set({ user_id: userId, state: 'accepted', accepted_at: now })
          .where('org_id', '=', orgId)
          .where('email', '=', email)
          .where('state', '=', 'invited')
          .where('user_id', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return undefined;
        return view(trx, orgId, userId);
      });
    },
    async members(orgId) {
      const rows = await memberQuery(db).where('m.org_id', '=', orgId).orderBy('m.invited_at').orderBy('m.id').execute();
      return rows.map(toMember);
    },
    async member(orgId, memberId) {
      const row = await memberQuery(db).where('m.org_id', '=', orgId).where('m.id', '=', memberId).executeTakeFirst();
      return row === undefined ? undefined : toMember(row);
    },
    async confirm({ orgId, memberId, actorId, grants, now }) {
      return db.transaction().execute(async (trx): Promise<ConfirmResult> => {
        const target = await trx.selectFrom('org_members').select(['user_id', 'state']).where('org_id', '=', orgId).where('id', '=', memberId).executeTakeFirst();
        if (!target) return 'not_found';
        if (target.state !== 'accepted' || target.user_id === null) return 'state';
        const userId = target.user_id;
        for (const grant of grants) {
          // The grant's vault must belong to this organisation and be managed by the actor, decided in the query.
          const vault = await trx
            .selectFrom('shared_vaults as v')
            .innerJoin('vault_members as vm', 'vm.vault_id', 'v.id')
            .select('v.key_version')
            .where('v.id', '=', grant.vaultId)
            .where('v.org_id', '=', orgId)
            .where('vm.user_id', '=', actorId)
            .where('vm.access', '=', 'manage')
            .executeTakeFirst();
          if (!vault) throw new GrantRefused('grant_refused');
          if (vault.key_version !== grant.keyVersion) throw new GrantRefused('key_version');
          await trx.deleteFrom('vault_members').where('vault_id', '=', grant.vaultId).where('user_id', '=', userId).execute();
          await trx
            .insertInto('vault_members')
            .values({ vault_id: grant.vaultId, user_id: userId, access: grant.access, key_version: grant.keyVersion, wrapped_key: grant.wrappedKey, created_at: now, updated_at: now })
            .execute();
        }
        await trx.updateTable('org_members').set({ state: 'confirmed', confirmed_at: now }).where('id', '=', memberId).where('state', '=', 'accepted').execute();
        const row = await memberQuery(trx).where('m.id', '=', memberId).executeTakeFirstOrThrow();
        return toMember(row);
      }).catch((error: unknown) => {
        if (error instanceof GrantRefused) return error.result;
        throw error;
      });
    },
    async changeRole({ orgId, memberId, actorRole, role }) {
      return db.transaction().execute(async (trx): Promise<MemberChangeResult> => {
        await lockOrg(trx, orgId);
        const target = await trx.selectFrom('org_members').select(['role', 'state']).where('org_id', '=', orgId).where('id', '=', memberId).executeTakeFirst();
        if (!target) return 'not_found';
        if ((target.role === 'owner' || role === 'owner') && actorRole !== 'owner') return 'forbidden';
        if (target.role === 'owner' && role !== 'owner' && target.state !== 'invited' && (await ownerCount(trx, orgId)) <= 1) return 'last_owner';
        await trx.updateTable('org_members').set({ role }).where('id', '=', memberId).execute();
        return toMember(await memberQuery(trx).where('m.id', '=', memberId).executeTakeFirstOrThrow());
      });
    },
    async remove({ orgId, memberId, actorRole, now }) {
      return db.transaction().execute(async (trx): Promise<MemberChangeResult> => {
        await lockOrg(trx, orgId);
        const row = await memberQuery(trx).where('m.org_id', '=', orgId).where('m.id', '=', memberId).executeTakeFirst();
        if (!row) return 'not_found';
        const target = toMember(row);
        if (target.role === 'owner' && actorRole !== 'owner' && actorRole !== 'self') return 'forbidden';
        if (target.role === 'owner' && target.state !== 'invited' && (await ownerCount(trx, orgId)) <= 1) return 'last_owner';
        if (target.userId !== null) {
          await markRotationPending(trx, { userId: target.userId, orgId, now });
          await trx
            .deleteFrom('vault_members')
            .where('user_id', '=', target.userId)
            .where('vault_id', 'in', trx.selectFrom('shared_vaults').select('id').where('org_id', '=', orgId))
            .execute();
        }
        await trx.deleteFrom('org_members').where('id', '=', memberId).execute();
        return target;
      });
    },
  };
}

class GrantRefused extends Error {
  readonly result: 'grant_refused' | 'key_version';
  constructor(result: 'grant_refused' | 'key_version') {
    super(result);
    this.result = result;
  }
}

function toView(row: { id: string; name: string; created_at: number; role: string; state: string; member_count: number | null; vault_count: number | null }): OrgView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as OrgRole,
    state: row.state as MemberState,
    memberCount: Number(row.member_count ?? 0),
    vaultCount: Number(row.vault_count ?? 0),
    createdAt: row.created_at,
  };
}

type MemberRow = Selectable<OrgMembersTable> & {
  sharing_x25519_public_key: string | null;
  sharing_ed25519_public_key: string | null;
  sharing_key_signature: string | null;
  sharing_keys_at: number | null;
};

function toMember(row: MemberRow): MemberRecord {
  const hasKeys = row.user_id !== null && row.state !== 'invited' && row.sharing_keys_at !== null && row.sharing_x25519_public_key !== null && row.sharing_ed25519_public_key !== null && row.sharing_key_signature !== null;
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    email: row.email,
    role: row.role as OrgRole,
    state: row.state as MemberState,
    invitedAt: row.invited_at,
    acceptedAt: row.accepted_at,
    confirmedAt: row.confirmed_at,
    keys: hasKeys
      ? { userId: row.user_id as string, x25519PublicKey: row.sharing_x25519_public_key as string, ed25519PublicKey: row.sharing_ed25519_public_key as string, keySignature: row.sharing_key_signature as string, registeredAt: row.sharing_keys_at as number }
      : null,
  };
}
