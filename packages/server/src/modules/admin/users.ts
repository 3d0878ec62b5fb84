/** Admin routes on accounts: list, read, disable, enable, delete, end sessions, clear throttling. */
import {
  api,
  fromBase64Url,
  MAX_ADMIN_USERS_PAGE,
  normaliseEmail,
  toBase64Url,
  utf8,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { audit } from '../../audit/audit.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { KEEP_AN_OWNER } from '../../rbac/permissions.ts';
import { closeAllSessions, denySessions } from '../../lib/sessions.ts';
import type { AdminGuard } from './guard.ts';
import { invalidCursor, toAdminUser } from './views.ts';

const DEFAULT_USERS_PAGE = 50;

const encodeUserCursor = (email: string) => toBase64Url(utf8(email));

function decodeUserCursor(cursor: string): string {
  let email: string;
  try {
    email = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(cursor));
  } catch {
    throw invalidCursor();
  }
  if (email.length === 0 || email.length > 254) throw invalidCursor();
  return email;
}

export function userRoutes(app: App, ctx: Context, guard: AdminGuard): void {
  const { auditPermissionRefusal, actorOf, target, lastOwner, summaryOf } = guard;

  route(app, api.admin.users, {
    onError: auditPermissionRefusal('admin.read_refused'),
  }, async (request) => {
    const { query, cursor, limit } = request.query;
    const size = Math.min(limit === undefined ? DEFAULT_USERS_PAGE : Number(limit), MAX_ADMIN_USERS_PAGE);
    const found = await ctx.storage.users.search({ query, after: cursor === undefined ? undefined : decodeUserCursor(cursor), limit: size + 1 });
    const page = found.slice(0, size);
    const last = page.at(-1);
    return { users: page.map(toAdminUser), nextCursor: found.length > size && last ? encodeUserCursor(last.email) : null };
  });

  route(app, api.admin.user, {
    onError: auditPermissionRefusal('admin.read_refused'),
  }, async (request) => ({ user: await summaryOf(request.params.id) }));

  /** Disabling ends every session at once; the password then answers ACCOUNT_DISABLED (only when it is right). */
  route(app, api.admin.disableUser, {
    onError: auditPermissionRefusal('admin.user_disabled'),
  }, async (request) => {
    const actor = await actorOf(request);
    const user = await target(request, actor, 'admin.user_disabled', request.params.id);
    if (user.disabledAt === null && (await ctx.storage.users.setDisabled(user.id, ctx.now(), KEEP_AN_OWNER)) === 'last_holder') {
      await lastOwner(request, actor, 'admin.user_disabled', user.id);
    }
    const revoked = await closeAllSessions(ctx, user.id);
    await audit(ctx, request, { action: 'admin.user_disabled', actorId: actor.id, targetId: user.id, outcome: 'success', context: { sessionsRevoked: revoked } });
    return { user: await summaryOf(user.id) };
  });

  route(app, api.admin.enableUser, {
    onError: auditPermissionRefusal('admin.user_enabled'),
  }, async (request) => {
    const actor = await actorOf(request);
    const user = await target(request, actor, 'admin.user_enabled', request.params.id);
    if (user.disabledAt !== null) await ctx.storage.users.setDisabled(user.id, null);
    await audit(ctx, request, { action: 'admin.user_enabled', actorId: actor.id, targetId: user.id, outcome: 'success' });
    return { user: await summaryOf(user.id) };
  });

  /** Deletes the account with every item, vault, key, session and factor; the address must be typed again. */
  route(app, api.admin.deleteUser, {
    onError: auditPermissionRefusal('admin.user_deleted'),
  }, async (request) => {
    const actor = await actorOf(request);
    const user = await target(request, actor, 'admin.user_deleted', request.params.id);
    if (normaliseEmail(request.body.confirmEmail) !== user.email) throw new WatchwordError('VALIDATION_FAILED', { details: { field: '/confirmEmail' } });
    const live = await ctx.storage.account.delete(user.id, ctx.now(), KEEP_AN_OWNER);
    if (live === 'last_holder') return lastOwner(request, actor, 'admin.user_deleted', user.id);
    if (live === undefined) throw new WatchwordError('USER_NOT_FOUND');
    await denySessions(ctx, live);
    await audit(ctx, request, { action: 'admin.user_deleted', actorId: actor.id, targetId: user.id, outcome: 'success', context: { sessionsRevoked: live.length } });
    return { ok: true as const };
  });

  route(app, api.admin.revokeSessions, {
    onError: auditPermissionRefusal('admin.sessions_revoked'),
  }, async (request) => {
    const actor = await actorOf(request);
    const user = await target(request, actor, 'admin.sessions_revoked', request.params.id);
    const revoked = await closeAllSessions(ctx, user.id);
    await audit(ctx, request, { action: 'admin.sessions_revoked', actorId: actor.id, targetId: user.id, outcome: 'success', context: { sessionsRevoked: revoked } });
    return { ok: true as const, revoked };
  });

  /**
   * Lifts the account's backoff (every action, every IP): the counters keyed by its address (login, recovery) and by
   * its id (second factors, fresh authentication). IP blocks stay.
   */
  route(app, api.admin.clearThrottle, {
    onError: auditPermissionRefusal('admin.throttle_cleared'),
  }, async (request) => {
    const actor = await actorOf(request);
    const user = await target(request, actor, 'admin.throttle_cleared', request.params.id);
    await ctx.throttle.clearAccount(normaliseEmail(user.email));
    await ctx.throttle.clearAccount(user.id);
    await audit(ctx, request, { action: 'admin.throttle_cleared', actorId: actor.id, targetId: user.id, outcome: 'success' });
    return { ok: true as const };
  });
}
