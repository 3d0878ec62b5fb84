/**
 * The admin API (issue 6), under /api/v1/admin: account metadata, disable/enable, deletion, ending sessions,
 * clearing throttling, roles, the (redacted) settings and the audit log.
 *
 * - Metadata only: no answer here carries a wrapped key, an OPAQUE record, item data or any other vault content.
 * - Every route declares its permission (checked against the database before validation, http/authenticate.ts);
 *   every operation on an account also passes `mayActOn` — never on yourself, never upward (an admin cannot act on
 *   an owner) — and handing out or taking away a role passes `mayAssign` (only roles whose permissions are all
 *   yours). The last active owner cannot be disabled, deleted or lose the owner role (LAST_OWNER).
 * - Every change is audited with actor, target and outcome — refusals ('denied') included, those of the route's
 *   permission check too.
 */
import { Readable } from 'node:stream';
import {
  type AdminRole,
  type AdminUser,
  api,
  BASE_ROLE,
  effectivePermissions,
  fromBase64Url,
  isPermission,
  MAX_ADMIN_USERS_PAGE,
  MAX_AUDIT_PAGE,
  normaliseEmail,
  type Permission,
  type SettingValue,
  toBase64Url,
  utf8,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import type { FastifyRequest, onErrorAsyncHookHandler } from 'fastify';
import { type AuditAction, audit } from '../../audit/audit.ts';
import { redactConfig } from '../../config.ts';
import { requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { KEEP_AN_OWNER, mayActOn, mayAssign, permissionsOf } from '../../rbac/permissions.ts';
import type { AuditCursor, AuditEventRecord, AuditQueryFilters, RoleRecord, UserSummary } from '../../storage/types.ts';
import { closeAllSessions, denySessions } from '../../lib/sessions.ts';

const DEFAULT_USERS_PAGE = 50;
const DEFAULT_AUDIT_PAGE = 100;
/** The export reads the log in pages of this many rows and streams each out: never the whole log in memory. */
export const AUDIT_EXPORT_PAGE = 1000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Actor {
  id: string;
  permissions: Set<Permission>;
}

function toAdminUser(s: UserSummary): AdminUser {
  return {
    id: s.id,
    email: s.email,
    createdAt: s.createdAt,
    lastLoginAt: s.lastLoginAt,
    status: s.disabledAt === null ? 'active' : 'disabled',
    disabledAt: s.disabledAt,
    emailVerified: s.emailVerified,
    factors: { totp: s.totp, webauthnKeys: s.webauthnKeys },
    roles: s.roles,
  };
}

function catalogueOf(roles: readonly RoleRecord[]) {
  return new Map(roles.map((r) => [r.name, r]));
}

function toAdminRole(role: RoleRecord, catalogue: ReturnType<typeof catalogueOf>): AdminRole {
  return {
    name: role.name,
    parent: role.parent,
    description: role.description,
    builtin: role.builtin,
    permissions: role.permissions.filter(isPermission),
    effectivePermissions: [...effectivePermissions([role.name], catalogue)].sort(),
  };
}

/** What an account's roles grant, whatever its status: a disabled owner is still an owner to act upon. */
async function rolePermissionsOf(ctx: Context, userId: string): Promise<Set<Permission>> {
  const [held, catalogue] = await Promise.all([ctx.storage.roles.rolesOf(userId), ctx.storage.roles.list()]);
  return effectivePermissions(held, catalogueOf(catalogue));
}


/** Settings as the API shows them: the redacted configuration, every value a string, number, boolean, null or list. */
export function settingsView(config: Context['config']): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(redactConfig(config))) {
    if (value === undefined || value === null) out[key] = null;
    else if (Array.isArray(value)) out[key] = value.map(String);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else out[key] = String(value);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------ cursors

const invalidCursor = () => new WatchwordError('VALIDATION_FAILED', { details: { in: 'querystring', field: 'cursor' } });

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

const encodeAuditCursor = (e: Pick<AuditEventRecord, 'at' | 'id'>) => toBase64Url(utf8(`${e.at}:${e.id}`));

function decodeAuditCursor(cursor: string): AuditCursor {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(cursor));
  } catch {
    throw invalidCursor();
  }
  const match = /^(0|[1-9][0-9]{0,15}):([0-9a-f-]{36})$/.exec(text);
  if (!match?.[1] || !match[2] || !UUID_RE.test(match[2])) throw invalidCursor();
  return { at: Number(match[1]), id: match[2] };
}

function auditFilters(q: { since?: string; until?: string; action?: string; actorId?: string; targetId?: string; outcome?: AuditEventRecord['outcome'] }): AuditQueryFilters {
  return {
    since: q.since === undefined ? undefined : Number(q.since),
    until: q.until === undefined ? undefined : Number(q.until),
    action: q.action,
    actorId: q.actorId,
    targetId: q.targetId,
    outcome: q.outcome,
  };
}

// -------------------------------------------------------------------------------------------------------- export

const CSV_COLUMNS = ['id', 'at', 'time', 'actor_id', 'action', 'target_id', 'ip', 'user_agent', 'outcome', 'request_id', 'context'];

/**
 * One CSV field (RFC 4180 §2): quoted when it holds a comma, a quote or a line break, quotes doubled. A cell that a
 * spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return) gets a leading single
 * quote first (OWASP "CSV Injection"): user agents and contexts are attacker-controlled text.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvLine = (cells: string[]) => `${cells.map(csvField).join(',')}\r\n`;

function csvRow(e: AuditEventRecord): string {
  return csvLine([e.id, String(e.at), new Date(e.at).toISOString(), e.actorId ?? '', e.action, e.targetId ?? '', e.ip, e.userAgent, e.outcome, e.requestId, JSON.stringify(e.context)]);
}

const toAuditEvent = (e: AuditEventRecord) => ({
  id: e.id,
  at: e.at,
  actorId: e.actorId,
  action: e.action,
  targetId: e.targetId,
  ip: e.ip,
  userAgent: e.userAgent,
  outcome: e.outcome,
  requestId: e.requestId,
  context: e.context,
});

/** Every matching event, newest first, one page of the log at a time (each page one chunk). */
async function* exportChunks(ctx: Context, filters: AuditQueryFilters, format: 'jsonl' | 'csv'): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine(CSV_COLUMNS);
  let cursor: AuditCursor | undefined;
  for (;;) {
    const page = await ctx.storage.audit.query(filters, cursor, AUDIT_EXPORT_PAGE);
    if (page.length > 0) yield page.map((e) => (format === 'csv' ? csvRow(e) : `${JSON.stringify(toAuditEvent(e))}\n`)).join('');
    const last = page.at(-1);
    if (page.length < AUDIT_EXPORT_PAGE || !last) return;
    cursor = { at: last.at, id: last.id };
  }
}

// -------------------------------------------------------------------------------------------------------- routes

export function adminRoutes(app: App, ctx: Context): void {
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

  route(app, api.admin.settings, {
    onError: auditPermissionRefusal('admin.read_refused'),
  }, async () => ({ settings: settingsView(ctx.config) }));

  route(app, api.admin.audit, {
    onError: auditPermissionRefusal('admin.read_refused'),
  }, async (request) => {
    const { cursor, limit, ...filters } = request.query;
    const size = Math.min(limit === undefined ? DEFAULT_AUDIT_PAGE : Number(limit), MAX_AUDIT_PAGE);
    const found = await ctx.storage.audit.query(auditFilters(filters), cursor === undefined ? undefined : decodeAuditCursor(cursor), size + 1);
    const page = found.slice(0, size);
    const last = page.at(-1);
    return { events: page.map(toAuditEvent), nextCursor: found.length > size && last ? encodeAuditCursor(last) : null };
  });

  /** The whole matching log as JSON Lines or CSV, streamed page by page (newest first). */
  route(app, api.admin.auditExport, {
    onError: auditPermissionRefusal('admin.audit_exported'),
  }, async (request, reply) => {
    const { userId } = requireAuth(request);
    const { format, ...raw } = request.query;
    const filters = auditFilters(raw);
    const context: Record<string, string | number | boolean | null> = { format };
    for (const [key, value] of Object.entries(filters)) if (value !== undefined) context[key] = value;
    await audit(ctx, request, { action: 'admin.audit_exported', actorId: userId, targetId: null, outcome: 'success', context });
    const stamp = new Date(ctx.now()).toISOString().replace(/[:.]/g, '-');
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="watchword-audit-${stamp}.${format}"`)
      // A stream is sent as it is (never serialized): the 200 schema only documents the body.
      .send(Readable.from(exportChunks(ctx, filters, format)) as unknown as string);
  });
}
