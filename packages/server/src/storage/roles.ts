/** Roles, their permissions and who holds them (RBAC, issue 6). */
import type { Kysely } from 'kysely';
import { isUniqueViolation } from './errors.ts';
import type { Database } from './schema.ts';
import type { RoleRepository } from './types.ts';

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

    async revoke(userId, role) {
      const row = await db.deleteFrom('user_roles').where('user_id', '=', userId).where('role', '=', role).returning('role').executeTakeFirst();
      return row !== undefined;
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
