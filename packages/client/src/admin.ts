/**
 * The admin API in the SDK (`/api/v1/admin`): account metadata, status, sessions, throttling, roles, settings and the
 * audit log. Needs a session whose account holds the matching permissions (roles auditor, admin, owner or custom
 * ones); no vault key is involved — admins never see vault contents.
 */
import {
  type AccountPermissionsResponse,
  type AdminRole,
  type AdminUser,
  type AdminUsersResponse,
  api,
  type AuditEvent,
  type AuditExportFormat,
  type AuditFilters,
  type AuditQueryResponse,
  type CreateRoleRequest,
  normaliseEmail,
  type SettingValue,
  WatchwordError,
} from '@watchword/protocol';
import type { Session } from './session.ts';


function filterQuery(filters: AuditFilters): Record<string, string | undefined> {
  return {
    since: filters.since === undefined ? undefined : String(Math.max(0, Math.floor(filters.since))),
    until: filters.until === undefined ? undefined : String(Math.max(0, Math.floor(filters.until))),
    action: filters.action,
    actorId: filters.actorId,
    targetId: filters.targetId,
    outcome: filters.outcome,
  };
}

export class AdminClient {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  /** One page of accounts, ordered by e-mail; `query` matches part of the address. */
  users(options: { query?: string; cursor?: string; limit?: number } = {}): Promise<AdminUsersResponse> {
    return this.#session.call(api.admin.users, {
      query: { query: options.query, cursor: options.cursor, limit: options.limit === undefined ? undefined : String(options.limit) },
    });
  }

  /** Every account matching `query`, page after page. */
  async *allUsers(query?: string): AsyncGenerator<AdminUser> {
    let cursor: string | undefined;
    do {
      const page = await this.users({ ...(query ? { query } : {}), ...(cursor ? { cursor } : {}), limit: 100 });
      yield* page.users;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  async user(userId: string): Promise<AdminUser> {
    return (await this.#session.call(api.admin.user, { params: { id: userId } })).user;
  }

  /** The account with exactly this address (USER_NOT_FOUND when there is none). */
  async userByEmail(email: string): Promise<AdminUser> {
    const wanted = normaliseEmail(email);
    for await (const user of this.allUsers(wanted)) if (user.email === wanted) return user;
    throw new WatchwordError('USER_NOT_FOUND');
  }

  /** Disables the account and ends every session of it at once. */
  async disable(userId: string): Promise<AdminUser> {
    return (await this.#session.call(api.admin.disableUser, { params: { id: userId }, body: {} })).user;
  }

  async enable(userId: string): Promise<AdminUser> {
    return (await this.#session.call(api.admin.enableUser, { params: { id: userId }, body: {} })).user;
  }

  /** Deletes the account and everything in it; `confirmEmail` must be its address. */
  async deleteUser(userId: string, confirmEmail: string): Promise<void> {
    await this.#session.call(api.admin.deleteUser, { params: { id: userId }, body: { confirmEmail } });
  }

  /** Ends every session of the account; returns how many were ended. */
  async revokeSessions(userId: string): Promise<number> {
    return (await this.#session.call(api.admin.revokeSessions, { params: { id: userId }, body: {} })).revoked;
  }

  /** Lifts the account's login backoff. */
  async clearThrottle(userId: string): Promise<void> {
    await this.#session.call(api.admin.clearThrottle, { params: { id: userId }, body: {} });
  }

  async grantRole(userId: string, role: string): Promise<AdminUser> {
    return (await this.#session.call(api.admin.grantRole, { params: { id: userId, role }, body: {} })).user;
  }

  async revokeRole(userId: string, role: string): Promise<AdminUser> {
    return (await this.#session.call(api.admin.revokeRole, { params: { id: userId, role } })).user;
  }

  /** The signed-in account's permissions beyond its own vault; asking is never refused or audited. */
  access(): Promise<AccountPermissionsResponse> {
    return this.#session.call(api.account.permissions, {});
  }

  async roles(): Promise<AdminRole[]> {
    return (await this.#session.call(api.admin.roles, {})).roles;
  }

  async createRole(role: CreateRoleRequest): Promise<AdminRole> {
    return (await this.#session.call(api.admin.createRole, { body: role })).role;
  }

  /** The server's effective configuration, secrets redacted. */
  async settings(): Promise<Record<string, SettingValue>> {
    return (await this.#session.call(api.admin.settings, {})).settings;
  }

  /** One page of audit events, newest first; pass `nextCursor` back for the next page. */
  audit(filters: AuditFilters = {}, page: { cursor?: string; limit?: number } = {}): Promise<AuditQueryResponse> {
    return this.#session.call(api.admin.audit, {
      query: { ...filterQuery(filters), cursor: page.cursor, limit: page.limit === undefined ? undefined : String(page.limit) },
    });
  }

  /** Every matching audit event, newest first, fetched page by page (`max` stops early). */
  async *auditEvents(filters: AuditFilters = {}, options: { pageSize?: number; max?: number } = {}): AsyncGenerator<AuditEvent> {
    let cursor: string | undefined;
    let left = options.max ?? Number.POSITIVE_INFINITY;
    do {
      const limit = Math.min(options.pageSize ?? 500, left);
      if (limit <= 0) return;
      const page = await this.audit(filters, { ...(cursor ? { cursor } : {}), limit });
      for (const event of page.events) {
        if (left-- <= 0) return;
        yield event;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** The whole matching audit log as JSON Lines or CSV (with a header row), as text. */
  exportAudit(format: AuditExportFormat, filters: AuditFilters = {}): Promise<string> {
    return this.#session.call(api.admin.auditExport, { query: { ...filterQuery(filters), format } });
  }
}
