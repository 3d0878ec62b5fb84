/**
 * Organisations (issue 25): create, list, get, rename, delete; invitations (by e-mail, answered the same way whether
 * or not the address has an account), accept, leave; members (with their public keys for the confirmation
 * fingerprint), confirm with the sealed vault keys, role changes, removal; the organisation's audit events.
 * `org:*` routes get the caller's role from the authentication hook (rbac/scope.ts).
 */
import { api, normaliseEmail, WatchwordError } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireInteractiveAuth as requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { audit, auditOrg } from '../../audit/audit.ts';
import { createAnswerFloor } from '../../http/answer-floor.ts';
import { rateLimited } from '../../lib/throttle.ts';
import { notify } from '../../lib/notify.ts';
import * as templates from '../../mail/templates.ts';
import { orgScope } from '../../rbac/scope.ts';
import { toMember, toOrgAuditEvent } from './views.ts';
import { keyRoutes } from './keys.ts';

const HOUR_MS = 3_600_000;
const AUDIT_PAGE = 50;

export function orgRoutes(app: App, ctx: Context): void {
  keyRoutes(app, ctx);

  route(app, api.orgs.create, async (request, reply) => {
    const { userId } = requireAuth(request);
    const user = await ctx.storage.users.findById(userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    const org = await ctx.storage.orgs.create({ id: request.body.id, name: request.body.name, ownerId: userId, ownerEmail: user.email, now: ctx.now() });
    if (org === 'exists') throw new WatchwordError('ORG_EXISTS');
    await auditOrg(ctx, request, org.id, { action: 'org.created', actorId: userId, targetId: org.id, outcome: 'success' });
    return reply.code(201).send({ org });
  });

  route(app, api.orgs.list, async (request) => {
    const { userId } = requireAuth(request);
    return { orgs: await ctx.storage.orgs.listForUser(userId) };
  });

  route(app, api.orgs.invitations, async (request) => {
    const { userId } = requireAuth(request);
    const user = await ctx.storage.users.findById(userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    // Only to a verified address: an account registered with someone else's address sees nothing addressed to it.
    if (user.emailVerifiedAt === null) return { invitations: [] };
    return { invitations: await ctx.storage.orgs.invitationsFor(user.email) };
  });

  route(app, api.orgs.get, async (request) => {
    const { userId } = requireAuth(request);
    const org = await ctx.storage.orgs.get(request.params.orgId, userId);
    if (!org) throw new WatchwordError('ORG_NOT_FOUND');
    return { org };
  });

  route(app, api.orgs.rename, async (request) => {
    const { userId } = requireAuth(request);
    const { orgId } = orgScope(request.scope);
    await ctx.storage.orgs.rename(orgId, request.body.name, ctx.now());
    await auditOrg(ctx, request, orgId, { action: 'org.renamed', actorId: userId, targetId: orgId, outcome: 'success' });
    const org = await ctx.storage.orgs.get(orgId, userId);
    if (!org) throw new WatchwordError('ORG_NOT_FOUND');
    return { org };
  });

  route(app, api.orgs.delete, async (request) => {
    const { userId } = requireAuth(request);
    const { orgId } = orgScope(request.scope);
    if (!(await ctx.storage.orgs.delete(orgId))) throw new WatchwordError('ORG_NOT_FOUND');
    // The organisation is gone with its events' readers: the server-wide log keeps the record.
    await audit(ctx, request, { action: 'org.deleted', actorId: userId, targetId: orgId, outcome: 'success' });
    return { ok: true as const };
  });

  // SECURITY.md "Enumeration": the answer to an invitation says nothing about the address, in body or timing.
  const inviteFloor = createAnswerFloor();
  route(app, api.orgs.invite, async (request, reply) => {
    const { userId } = requireAuth(request);
    const { orgId } = orgScope(request.scope);
    // Invitations per organisation and hour, counted in the state store (every instance together).
    const window = Math.floor(ctx.now() / HOUR_MS);
    const { count } = await ctx.state.incrementAndRead(`org-invites:${orgId}:${window}`, HOUR_MS, []);
    if (count > ctx.config.orgInvitesPerHour) throw rateLimited((window + 1) * HOUR_MS - ctx.now());
    const email = normaliseEmail(request.body.email);
    const memberId = globalThis.crypto.randomUUID();
    const result = await ctx.storage.orgs.invite({ id: memberId, orgId, email, role: request.body.role, invitedBy: userId, now: ctx.now(), maxMembers: ctx.config.orgMaxMembers });
    if (result === 'limit') throw new WatchwordError('ORG_LIMIT_REACHED');
    const org = await ctx.storage.orgs.get(orgId, userId);
    // The same mail to every address, in the background: nothing here depends on whether an account holds it.
    if (org) void notify(ctx, email, templates.orgInvitation({ orgName: org.name, publicUrl: ctx.config.publicUrl }));
    await auditOrg(ctx, request, orgId, { action: 'org.member_invited', actorId: userId, targetId: null, outcome: 'success', context: { role: request.body.role } });
    await inviteFloor.hold(reply.elapsedTime);
    return reply.code(202).send({ ok: true as const });
  });

  route(app, api.orgs.accept, async (request) => {
    const { userId } = requireAuth(request);
    const user = await ctx.storage.users.findById(userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    if (user.emailVerifiedAt === null) throw new WatchwordError('EMAIL_NOT_VERIFIED');
    if (!(await ctx.storage.sharingKeys.own(userId))) throw new WatchwordError('KEYS_REQUIRED');
    const org = await ctx.storage.orgs.accept(request.params.orgId, userId, user.email, ctx.now());
    if (!org) throw new WatchwordError('ORG_NOT_FOUND');
    await auditOrg(ctx, request, org.id, { action: 'org.member_accepted', actorId: userId, targetId: userId, outcome: 'success' });
    return { org };
  });

  route(app, api.orgs.leave, async (request) => {
    const { userId } = requireAuth(request);
    const orgId = request.params.orgId;
    const membership = await ctx.storage.orgs.membership(orgId, userId);
    let memberId = membership?.memberId;
    if (memberId === undefined) {
      // Declining an invitation addressed to the caller's verified address.
      const user = await ctx.storage.users.findById(userId);
      if (user?.emailVerifiedAt != null) memberId = (await ctx.storage.orgs.invitationsFor(user.email)).find((i) => i.orgId === orgId)?.memberId;
    }
    if (memberId === undefined) throw new WatchwordError('ORG_NOT_FOUND');
    const result = await ctx.storage.orgs.remove({ orgId, memberId, actorRole: 'self', now: ctx.now() });
    if (result === 'not_found') throw new WatchwordError('ORG_NOT_FOUND');
    if (result === 'last_owner') throw new WatchwordError('ORG_LAST_OWNER');
    if (result === 'forbidden') throw new WatchwordError('FORBIDDEN');
    await auditOrg(ctx, request, orgId, { action: 'org.member_left', actorId: userId, targetId: userId, outcome: 'success' });
    return { ok: true as const };
  });

  route(app, api.orgs.members, async (request) => {
    const { orgId } = orgScope(request.scope);
    return { members: (await ctx.storage.orgs.members(orgId)).map(toMember) };
  });

  route(app, api.orgs.confirm, async (request) => {
    const { userId } = requireAuth(request);
    const { orgId } = orgScope(request.scope);
    const grants = request.body.grants;
    if (new Set(grants.map((g) => g.vaultId)).size !== grants.length) throw new WatchwordError('VALIDATION_FAILED');
    const result = await ctx.storage.orgs.confirm({ orgId, memberId: request.params.memberId, actorId: userId, grants, now: ctx.now() });
    if (result === 'not_found') throw new WatchwordError('MEMBER_NOT_FOUND');
    if (result === 'state') throw new WatchwordError('MEMBER_STATE_INVALID');
    if (result === 'grant_refused') throw new WatchwordError('VAULT_NOT_FOUND');
    if (result === 'key_version') throw new WatchwordError('KEY_VERSION_MISMATCH');
    await auditOrg(ctx, request, orgId, { action: 'org.member_confirmed', actorId: userId, targetId: result.userId, outcome: 'success', context: { vaults: grants.length } });
    return { member: toMember(result) };
  });

  route(app, api.orgs.role, async (request) => {
    const { userId } = requireAuth(request);
    const { orgId, role: actorRole } = orgScope(request.scope);
    const result = await ctx.storage.orgs.changeRole({ orgId, memberId: request.params.memberId, actorRole, role: request.body.role });
    if (result === 'not_found') throw new WatchwordError('MEMBER_NOT_FOUND');
    if (result === 'forbidden') throw new WatchwordError('FORBIDDEN');
    if (result === 'last_owner') throw new WatchwordError('ORG_LAST_OWNER');
    await auditOrg(ctx, request, orgId, { action: 'org.member_role_changed', actorId: userId, targetId: result.userId ?? result.id, outcome: 'success', context: { role: request.body.role } });
    return { member: toMember(result) };
  });

  route(app, api.orgs.remove, async (request) => {
    const { userId } = requireAuth(request);
    const { orgId, role: actorRole } = orgScope(request.scope);
    const result = await ctx.storage.orgs.remove({ orgId, memberId: request.params.memberId, actorRole, now: ctx.now() });
    if (result === 'not_found') throw new WatchwordError('MEMBER_NOT_FOUND');
    if (result === 'forbidden') throw new WatchwordError('FORBIDDEN');
    if (result === 'last_owner') throw new WatchwordError('ORG_LAST_OWNER');
    await auditOrg(ctx, request, orgId, { action: 'org.member_removed', actorId: userId, targetId: result.userId ?? result.id, outcome: 'success', context: { state: result.state } });
    return { ok: true as const };
  });

  route(app, api.orgs.audit, async (request) => {
    const { orgId } = orgScope(request.scope);
    const before = request.query.before === undefined ? undefined : Number(request.query.before);
    const limit = request.query.limit === undefined ? AUDIT_PAGE : Number(request.query.limit);
    return { events: (await ctx.storage.orgAudit.list(orgId, before, limit)).map(toOrgAuditEvent) };
  });
}
