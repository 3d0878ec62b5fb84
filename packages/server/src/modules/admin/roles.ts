/** Admin routes on roles: the catalogue, custom roles, and granting or taking away a role. */
import {
  api,
  BASE_ROLE,
  effectivePermissions,
  type Permission,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import type { FastifyRequest } from 'fastify';
import { type AuditAction, audit } from '../../audit/audit.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { KEEP_AN_OWNER, mayAssign } from '../../rbac/permissions.ts';
import type { Actor, AdminGuard } from './guard.ts';
import { catalogueOf, toAdminRole } from './views.ts';

export function roleRoutes(app: App, ctx: Context, guard: AdminGuard): void {
  const { auditedRefusals, refuse, auditPermissionRefusal, actorOf, target, lastOwner, summaryOf } = guard;

  /** Checks shared by granting and taking away a role; returns the role's effective permissions. */
  const roleChange = async (request: FastifyRequest, actor: Actor, action: AuditAction, targetId: string, role: string) => {
    const catalogue = catalogueOf(await ctx.storage.roles.list());
    if (!catalogue.has(role)) {
      auditedRefusals.add(request);
      await audit(ctx, request, { action, actorId: actor.id, targetId, outcome: 'failure', context: { role, reason: 'no_role' } });
      throw new WatchwordError('ROLE_NOT_FOUND');
    }
    const user = await target(request, actor, action, targetId);
    if (!mayAssign(actor.permissions, effectivePermissions([role], catalogue))) {
      await refuse(request, { action, actorId: actor.id, targetId, reason: 'role_above_actor', context: { role } }, new WatchwordError('FORBIDDEN'));
    }
    return user;
  };

  route(app, api.admin.grantRole, {
    onError: auditPermissionRefusal('admin.role_granted'),
  }, async (request) => {
    const actor = await actorOf(request);
    const { id, role } = request.params;
    await roleChange(request, actor, 'admin.role_granted', id, role);
    const result = await ctx.storage.roles.grant(id, role, actor.id, ctx.now());
    if (result === 'no_user') throw new WatchwordError('USER_NOT_FOUND');
    if (result === 'no_role') throw new WatchwordError('ROLE_NOT_FOUND');
    await audit(ctx, request, { action: 'admin.role_granted', actorId: actor.id, targetId: id, outcome: 'success', context: { role, changed: result === 'granted' } });
    return { user: await summaryOf(id) };
  });

  route(app, api.admin.revokeRole, {
    onError: auditPermissionRefusal('admin.role_revoked'),
  }, async (request) => {
    const actor = await actorOf(request);
    const { id, role } = request.params;
    if (role === BASE_ROLE) throw new WatchwordError('VALIDATION_FAILED', { message: 'Every account holds the base role.', details: { in: 'params', field: 'role' } });
    await roleChange(request, actor, 'admin.role_revoked', id, role);
    const removed = await ctx.storage.roles.revoke(id, role, KEEP_AN_OWNER);
    if (removed === 'last_holder') return lastOwner(request, actor, 'admin.role_revoked', id, { role });
    await audit(ctx, request, { action: 'admin.role_revoked', actorId: actor.id, targetId: id, outcome: 'success', context: { role, changed: removed } });
    return { user: await summaryOf(id) };
  });

  route(app, api.admin.roles, {
    onError: auditPermissionRefusal('admin.read_refused'),
  }, async () => {
    const roles = await ctx.storage.roles.list();
    const catalogue = catalogueOf(roles);
    return { roles: roles.map((r) => toAdminRole(r, catalogue)) };
  });

  /** A custom role: any parent, any permissions — as long as everything it grants is the creator's own. */
  route(app, api.admin.createRole, {
    onError: auditPermissionRefusal('admin.role_created'),
  }, async (request, reply) => {
    const actor = await actorOf(request);
    const { name, parent, description, permissions } = request.body;
    const catalogue = catalogueOf(await ctx.storage.roles.list());
    if (catalogue.has(name)) throw new WatchwordError('ROLE_EXISTS');
    if (!catalogue.has(parent)) throw new WatchwordError('ROLE_NOT_FOUND', { details: { field: '/parent' } });
    const granted = new Set<Permission>([...permissions, ...effectivePermissions([parent], catalogue)]);
    if (!mayAssign(actor.permissions, granted)) {
      await refuse(request, { action: 'admin.role_created', actorId: actor.id, targetId: null, reason: 'role_above_actor', context: { role: name } }, new WatchwordError('FORBIDDEN'));
    }
    const created = await ctx.storage.roles.create({ name, parent, description, permissions: [...permissions].sort() }, ctx.now());
    if (created === 'exists') throw new WatchwordError('ROLE_EXISTS');
    if (created === 'no_parent') throw new WatchwordError('ROLE_NOT_FOUND', { details: { field: '/parent' } });
    await audit(ctx, request, { action: 'admin.role_created', actorId: actor.id, targetId: null, outcome: 'success', context: { role: name, parent, permissions: [...permissions].sort().join(' ') } });
    const roles = await ctx.storage.roles.list();
    const role = roles.find((r) => r.name === name);
    if (!role) throw new WatchwordError('ROLE_NOT_FOUND');
    return reply.code(201).send({ role: toAdminRole(role, catalogueOf(roles)) });
  });
}
