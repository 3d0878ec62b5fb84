/**
 * Effective permissions of an account (security spec "RBAC": resource:action permissions, role inheritance, deny by
 * default). Read from the database on every check that needs more than `account:self`, so a role change or a
 * disabled account takes effect at once on every instance — there is no cache to go stale. `account:self` routes
 * (the hot path) need no lookup: every account holds the base role, and disabling an account revokes its sessions.
 * A login whose gate was read just before the disable can still open one session after the revocation; that session
 * cannot refresh (storage `rotate` refuses a disabled account), so its access token is the most it keeps: minutes.
 */
import { OWNER_ROLE, type Permission, WatchwordError, effectivePermissions } from '@watchword/protocol';
import type { Context } from '../context.ts';

/**
 * The guard of every change that could leave the server without an active owner: the last one must keep the role,
 * stay enabled and exist (LAST_OWNER). The storage checks it inside the change's own transaction (KeepHolder), so
 * two owners removing each other at the same instant cannot both succeed.
 */
export const KEEP_AN_OWNER = { keepActiveHolder: OWNER_ROLE } as const;

/**
 * Whether `userId` is, right now, the only active owner: an early answer, read outside any transaction, so a change
 * can be refused before it uses anything up (a fresh authentication). The guarded change still decides inside its
 * transaction (KEEP_AN_OWNER).
 */
export async function isLastActiveOwner(ctx: Context, userId: string): Promise<boolean> {
  const [held, owners] = await Promise.all([ctx.storage.roles.rolesOf(userId), ctx.storage.roles.holders(OWNER_ROLE, true)]);
  return held.includes(OWNER_ROLE) && owners === 1;
}

export async function permissionsOf(ctx: Context, userId: string): Promise<Set<Permission>> {
  const [user, held, catalogue] = await Promise.all([ctx.storage.users.findById(userId), ctx.storage.roles.rolesOf(userId), ctx.storage.roles.list()]);
  if (!user || user.disabledAt !== null) return new Set();
  return effectivePermissions(held, new Map(catalogue.map((r) => [r.name, r])));
}

/**
 * Security spec "Production checklist": MFA for admins. With ADMIN_SECOND_FACTOR=required (the default in production
 * mode), a permission beyond account:self is only used from a session signed in with a second factor. Checked after
 * the permission itself, so only a caller who holds it learns that a factor is missing. Read from the session row on
 * each use (admin routes only): a refresh keeps the answer, and a new login is needed once a factor is enabled.
 */
export async function requireSecondFactorSession(ctx: Context, sessionId: string): Promise<void> {
  const session = await ctx.storage.sessions.findById(sessionId);
  if (session?.secondFactor == null) throw new WatchwordError('SECOND_FACTOR_REQUIRED');
}

export async function requirePermission(ctx: Context, userId: string, permission: Permission): Promise<Set<Permission>> {
  const permissions = await permissionsOf(ctx, userId);
  if (!permissions.has(permission)) throw new WatchwordError('FORBIDDEN');
  return permissions;
}

/**
 * Whether an actor may act on a target account (disable, delete, end sessions, change roles): never on itself, and
 * only on accounts whose permissions are all the actor's own — an admin cannot act on an owner, nobody can act
 * upward. Keeps privilege from flowing up through the admin API.
 */
export function mayActOn(actor: { id: string; permissions: ReadonlySet<Permission> }, target: { id: string; permissions: ReadonlySet<Permission> }): boolean {
  if (actor.id === target.id) return false;
  for (const p of target.permissions) if (!actor.permissions.has(p)) return false;
  return true;
}

/** Whether an actor may hand out (or take away) a role: only roles whose permissions are all the actor's own. */
export function mayAssign(actorPermissions: ReadonlySet<Permission>, rolePermissions: ReadonlySet<Permission>): boolean {
  for (const p of rolePermissions) if (!actorPermissions.has(p)) return false;
  return true;
}
