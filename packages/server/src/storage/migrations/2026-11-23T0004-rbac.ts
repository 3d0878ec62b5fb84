/**
 * Role-based access control: roles with a parent (inheritance), their permissions, and the roles held by
 * each account; account status (disabled) and last login for the admin API. The built-in roles are seeded here and
 * every existing account gets the base role `user`. Append-only: never edit this file once shipped.
 */
import type { Kysely } from 'kysely';

/** Frozen copy of the built-in roles as of this migration (a later change to the list needs a new migration). */
const ROLES = [
  { name: 'user', parent: null, description: 'Every account: its own vault, sessions and settings', permissions: ['account:self'] },
  { name: 'auditor', parent: 'user', description: 'Reads user metadata, roles and the audit log', permissions: ['users:read', 'roles:read', 'audit:read', 'audit:export'] },
  {
    name: 'admin',
    parent: 'auditor',
    description: 'Manages accounts: disable, delete, end sessions, clear throttling, assign roles; reads settings',
    permissions: ['users:disable', 'users:delete', 'sessions:revoke', 'throttle:clear', 'roles:assign', 'settings:read'],
  },
  { name: 'owner', parent: 'admin', description: 'Everything, including custom roles and server settings', permissions: ['roles:manage', 'settings:write'] },
];

interface Tables {
  users: { id: string; created_at: number };
  roles: { name: string; parent: string | null; description: string; builtin: number; created_at: number };
  role_permissions: { role: string; permission: string };
  user_roles: { user_id: string; role: string; granted_by: string | null; granted_at: number };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('last_login_at', 'bigint').execute();

  await db.schema
    .createTable('roles')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('parent', 'text', (c) => c.references('roles.name'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('role_permissions')
    .addColumn('role', 'text', (c) => c.notNull().references('roles.name').onDelete('cascade'))
    .addColumn('permission', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_permissions_pk', ['role', 'permission'])
    .execute();
  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().references('roles.name'))
    .addColumn('granted_by', 'text')
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
    .execute();
  // "Who holds role R" (last-owner check, admin listing).
  await db.schema.createIndex('user_roles_role_idx').on('user_roles').column('role').execute();

  const typed = db as unknown as Kysely<Tables>;
  const now = Date.now();
  for (const role of ROLES) {
    await typed.insertInto('roles').values({ name: role.name, parent: role.parent, description: role.description, builtin: 1, created_at: now }).execute();
    await typed.insertInto('role_permissions').values(role.permissions.map((permission) => ({ role: role.name, permission }))).execute();
  }
  await typed
    .insertInto('user_roles')
    .columns(['user_id', 'role', 'granted_by', 'granted_at'])
    .expression((eb) => eb.selectFrom('users').select((e) => ['id', e.val('user').as('role'), e.val(null).as('granted_by'), 'created_at']))
    .execute();
}
