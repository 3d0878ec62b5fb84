/** Roles, their permissions and who holds them (RBAC). */
import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from './errors.ts';
import type { Database } from './schema.ts';

/**
 * A role that must keep at least one active (not disabled) holder: a change guarded by it is refused with
 * 'last_holder' when it would take the role, the account's activity or the account itself from the role's only active
 * holder. Decided inside the change's transaction, after the role's row is locked (see `isOnlyActiveHolder`), so two
 * concurrent changes cannot each leave the other as the holder and then remove it.
 */
export interface KeepHolder {
  keepActiveHolder: string;
}

export interface RoleRecord {
  name: string;
  parent: string | null;
  description: string;
  builtin: boolean;
  permissions: string[];
}

export interface RoleRepository {
  /** Every role with its own (not inherited) permissions. */
  list(): Promise<RoleRecord[]>;
  /** 'exists' when the name is taken, 'no_parent' when the parent does not exist. */
  create(role: Omit<RoleRecord, 'builtin'>, now: number): Promise<'created' | 'exists' | 'no_parent'>;
  rolesOf(userId: string): Promise<string[]>;
  /** 'no_role' / 'no_user' when either does not exist; 'exists' when already held. */
  grant(userId: string, role: string, grantedBy: string | null, now: number): Promise<'granted' | 'exists' | 'no_role' | 'no_user'>;
  /** false when the role was not held. With `keep`, taking a role from its only active holder is refused ('last_holder'). */
  revoke(userId: string, role: string, keep?: KeepHolder): Promise<boolean | 'last_holder'>;
  /** How many accounts hold the role (active ones only when `activeOnly`). */
  holders(role: string, activeOnly: boolean): Promise<number>;
}

/**
 * Whether `userId` is the only active holder of `role` (KeepHolder), inside the caller's transaction. The role's row is
 * written first (a no-op update): that write lock puts every guarded change in a queue. On PostgreSQL a second
 * transaction waits for the row until the first commits, and its next statement (READ COMMITTED) sees what the first
 * did; on SQLite the write takes the database's single write lock before anything is read. Grants are not held up:
 * inserting a holder only needs a key-share lock on the role's row.
 */
export async function isOnlyActiveHolder(trx: Transaction<Database>, role: string, userId: string): Promise<boolean> {
  await trx.updateTable('roles').set((eb) => ({ description: eb.ref('description') })).where('name', '=', role).execute();
  const holders = await trx
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('users.id')
    .where('user_roles.role', '=', role)
    .where('users.disabled_at', 'is', null)
    .limit(2)
    .execute();
  return holders.length === 1 && holders[0]?.id === userId;
}

export function createRoleRepository(db: Kysely<Database>): RoleRepository {
  return {
    async list() {
      const [roles, permissions] = await Promise.all([
        db.selectFrom('roles').selectAll().orderBy('created_at').orderBy('name').execute(),
        db.selectFrom('role_permissions').selectAll().orderBy('permission').execute(),
      ]);
      return roles.map((r) => ({
        name: r.name,
        parent: r.parent,
        description: r.description,
        builtin: r.builtin === 1,
        permissions: permissions.filter((p) => p.role === r.name).map((p) => p.permission),
      }));
    },

    async create(role, now) {
      try {
        return await db.transaction().execute(async (trx) => {
          if (role.parent !== null) {
            const parent = await trx.selectFrom('roles').select('name').where('name', '=', role.parent).executeTakeFirst();
            if (!parent) return 'no_parent' as const;
          }
          await trx.insertInto('roles').values({ name: role.name, parent: role.parent, description: role.description, builtin: 0, created_at: now }).execute();
          if (role.permissions.length > 0) {
            await trx.insertInto('role_permissions').values(role.permissions.map((permission) => ({ role: role.name, permission }))).execute();
          }
          return 'created' as const;
        });
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },

    async rolesOf(userId) {
      const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute();
      return rows.map((r) => r.role);
    },

    async grant(userId, role, grantedBy, now) {
      return db.transaction().execute(async (trx) => {
        const [user, known] = await Promise.all([
          trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst(),
          trx.selectFrom('roles').select('name').where('name', '=', role).executeTakeFirst(),
        ]);
        if (!user) return 'no_user' as const;
        if (!known) return 'no_role' as const;
        const held = await trx.selectFrom('user_roles').select('role').where('user_id', '=', userId).where('role', '=', role).executeTakeFirst();
        if (held) return 'exists' as const;
        await trx.insertInto('user_roles').values({ user_id: userId, role, granted_by: grantedBy, granted_at: now }).execute();
        return 'granted' as const;
      });
    },

    async revoke(userId, role, keep) {
      return db.transaction().execute(async (trx) => {
        // Only the guarded role itself matters: taking another role away leaves its holders as they were.
        if (role === keep?.keepActiveHolder && (await isOnlyActiveHolder(trx, role, userId))) return 'last_holder' as const;
        const row = await trx.deleteFrom('user_roles').where('user_id', '=', userId).where('role', '=', role).returning('role').executeTakeFirst();
        return row !== undefined;
      });
    },

    async holders(role, activeOnly) {
      let q = db
        .selectFrom('user_roles')
        .innerJoin('users', 'users.id', 'user_roles.user_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_roles.role', '=', role);
      if (activeOnly) q = q.where('users.disabled_at', 'is', null);
      return Number((await q.executeTakeFirstOrThrow()).n);
    },
  };
}
