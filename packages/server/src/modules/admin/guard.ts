/** The checks every admin route shares: the acting account, the target account (never yourself, never upward), and the audit of every refusal. */
import { type AdminUser, effectivePermissions, type Permission, WatchwordError } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import type { FastifyRequest, onErrorAsyncHookHandler } from 'fastify';
import { type AuditAction, audit } from '../../audit/audit.ts';
import { requireAuth } from '../../http/authenticate.ts';
import type { Context } from '../../context.ts';
import { KEEP_AN_OWNER, mayActOn, permissionsOf } from '../../rbac/permissions.ts';
import type { UserSummary } from '../../storage/users.ts';
import { UUID_RE, catalogueOf, toAdminUser } from './views.ts';


export interface Actor {
  id: string;
  permissions: Set<Permission>;
}

/** What an account's roles grant, whatever its status: a disabled owner is still an owner to act upon. */
async function rolePermissionsOf(ctx: Context, userId: string): Promise<Set<Permission>> {
  const [held, catalogue] = await Promise.all([ctx.storage.roles.rolesOf(userId), ctx.storage.roles.list()]);
  return effectivePermissions(held, catalogueOf(catalogue));
}

export type AdminGuard = ReturnType<typeof createAdminGuard>;

/** The checks and refusal audit every admin route shares; one per app. */
export function createAdminGuard(ctx: Context) {
  /** Requests whose refusal is already in the audit log (so the route-level hook does not write it twice). */
  const auditedRefusals = new WeakSet<FastifyRequest>();

  const refuse = async (request: FastifyRequest, input: { action: AuditAction; actorId: string; targetId: string | null; reason: string; context?: Record<string, string | number | boolean | null> }, error: WatchwordError): Promise<never> => {
    auditedRefusals.add(request);
    await audit(ctx, request, { action: input.action, actorId: input.actorId, targetId: input.targetId, outcome: 'denied', context: { reason: input.reason, ...input.context } });
    throw error;
  };

  /**
   * An authenticated caller without the route's permission, or without a second factor where administration needs
   * one, is refused before the handler runs: audited here, with the target named in the path when it is a
   * well-formed id.
   */
  const auditPermissionRefusal = (action: AuditAction): onErrorAsyncHookHandler => async (request, _reply, error) => {
    if (!(error instanceof WatchwordError) || !request.auth || auditedRefusals.has(request)) return;
    const reason = error.code === 'FORBIDDEN' ? 'permission' : error.code === 'SECOND_FACTOR_REQUIRED' ? 'second_factor' : undefined;
    if (reason === undefined) return;
    const id = (request.params as { id?: unknown } | undefined)?.id;
    await audit(ctx, request, { action, actorId: request.auth.userId, targetId: typeof id === 'string' && UUID_RE.test(id) ? id : null, outcome: 'denied', context: { reason } });
  };

  const actorOf = async (request: FastifyRequest): Promise<Actor> => {
    const { userId } = requireAuth(request);
    return { id: userId, permissions: await permissionsOf(ctx, userId) };
  };

  /** The target account, after the checks every operation on an account needs. */
  const target = async (request: FastifyRequest, actor: Actor, action: AuditAction, targetId: string): Promise<UserSummary> => {
    const user = await ctx.storage.users.summary(targetId);
    if (!user) {
      auditedRefusals.add(request);
      await audit(ctx, request, { action, actorId: actor.id, targetId, outcome: 'failure', context: { reason: 'not_found' } });
      throw new WatchwordError('USER_NOT_FOUND');
    }
    if (!mayActOn(actor, { id: targetId, permissions: await rolePermissionsOf(ctx, targetId) })) {
      await refuse(request, { action, actorId: actor.id, targetId, reason: actor.id === targetId ? 'self' : 'not_subordinate' }, new WatchwordError('FORBIDDEN'));
    }
    return user;
  };

  /** A change the storage refused because the target is the last active owner (KEEP_AN_OWNER): audited, then 409. */
  const lastOwner = (request: FastifyRequest, actor: Actor, action: AuditAction, targetId: string, context?: Record<string, string>) =>
    refuse(request, { action, actorId: actor.id, targetId, reason: 'last_owner', ...(context ? { context } : {}) }, new WatchwordError('LAST_OWNER'));

  const summaryOf = async (id: string): Promise<AdminUser> => {
    const user = await ctx.storage.users.summary(id);
    if (!user) throw new WatchwordError('USER_NOT_FOUND');
    return toAdminUser(user);
  };

  return { auditedRefusals, refuse, auditPermissionRefusal, actorOf, target, lastOwner, summaryOf };
}
