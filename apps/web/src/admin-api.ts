import { AdminClient, type Session } from '@watchword/client';
import { WatchwordError } from '@watchword/client';
import type { AdminRole, AdminUser as ApiAdminUser, AuditEvent, AuditFilters as SdkAuditFilters } from '@watchword/protocol';
import { createStore } from './lib/store.ts';

/**
 * The admin API, called through the signed-in session (DPoP and token refresh included). It delegates to the SDK's
 * `AdminClient` and adapts the answers to what the pages show (flat second-factor fields, pages of items).
 *
 *   GET    /api/v1/admin/users?query&cursor&limit          users:read
 *   POST   /api/v1/admin/users/:id/disable | /enable       users:disable
 *   DELETE /api/v1/admin/users/:id   {confirmEmail}        users:delete
 *   POST   /api/v1/admin/users/:id/sessions/revoke         sessions:revoke
 *   PUT    /api/v1/admin/users/:id/roles/:role             roles:assign   (DELETE removes it)
 *   GET    /api/v1/admin/roles                             roles:read
 *   GET    /api/v1/admin/audit?since&until&action&actorId&targetId&outcome&cursor&limit   audit:read
 *   GET    /api/v1/admin/audit/export?format=jsonl|csv     audit:export
 *   /api/v1/admin/oauth/clients…                          oauth:read / oauth:manage (pages/admin/oauth-clients.tsx,
 *                                                         through the SDK's OAuthAdminClient)
 */

/** An account as the pages show it: the API's, with its second factors flat. */
export type AdminUser = Omit<ApiAdminUser, 'factors'> & { totp: boolean; webauthnKeys: number };
export type { AdminRole, AuditEvent };

/** The audit filters as the form holds them: the outcome is a select's value ('' for any). */
export type AuditFilters = Omit<SdkAuditFilters, 'outcome'> & { outcome?: string };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Which admin pages the signed-in account may open (decided by asking, so the server stays the only judge). */
export interface AdminAccess {
  users: boolean;
  roles: boolean;
  audit: boolean;
  /** OAuth clients ("Sign in with Watchword" applications): listed with `oauth:read`, changed with `oauth:manage`. */
  oauth: boolean;
  oauthManage: boolean;
  /** The account administers, but the server wants a session signed in with a second factor (ADMIN_SECOND_FACTOR). */
  secondFactorNeeded: boolean;
}

export const NO_ADMIN: AdminAccess = { users: false, roles: false, audit: false, oauth: false, oauthManage: false, secondFactorNeeded: false };
export const adminAccess = createStore<AdminAccess>(NO_ADMIN);


/** Empty form fields mean "no filter", not "match the empty string". */
function withoutBlanks<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export class AdminApi {
  readonly #admin: AdminClient;
  constructor(session: Session) {
    this.#admin = new AdminClient(session);
  }

  /**
   * Which admin pages to show, from the account's effective permissions as the server states them
   * (`GET /api/v1/account/permissions`): asking costs an ordinary account no refusal, so its security activity shows
   * no denied admin read. An administrator whose session was signed in without a second factor, where the server
   * requires one, is shown how to get there. The server still checks every admin request.
   */
  async probe(): Promise<AdminAccess> {
    const { permissions, secondFactorRequired } = await this.#admin.access();
    const held = new Set<string>(permissions);
    if (held.size === 0) return NO_ADMIN;
    if (secondFactorRequired) return { ...NO_ADMIN, secondFactorNeeded: true };
    return {
      users: held.has('users:read'),
      roles: held.has('roles:read'),
      audit: held.has('audit:read'),
      oauth: held.has('oauth:read'),
      oauthManage: held.has('oauth:manage'),
      secondFactorNeeded: false,
    };
  }

  async users(input: { query?: string; cursor?: string; limit?: number } = {}): Promise<Page<AdminUser>> {
    const body = await this.#admin.users(withoutBlanks(input));
    // The API nests second factors under `factors`; the pages read them flat.
    const items = body.users.map(({ factors, ...user }) => ({ ...user, totp: factors.totp, webauthnKeys: factors.webauthnKeys }));
    return { items, nextCursor: body.nextCursor };
  }

  async setDisabled(userId: string, disabled: boolean): Promise<void> {
    await (disabled ? this.#admin.disable(userId) : this.#admin.enable(userId));
  }

  async deleteUser(userId: string, confirmEmail: string): Promise<void> {
    await this.#admin.deleteUser(userId, confirmEmail);
  }

  async revokeSessions(userId: string): Promise<void> {
    await this.#admin.revokeSessions(userId);
  }

  async setRole(userId: string, role: string, held: boolean): Promise<void> {
    await (held ? this.#admin.grantRole(userId, role) : this.#admin.revokeRole(userId, role));
  }

  roles(): Promise<AdminRole[]> {
    return this.#admin.roles();
  }

  async audit(filters: AuditFilters & { cursor?: string; limit?: number }): Promise<Page<AuditEvent>> {
    const { cursor, limit, ...rest } = withoutBlanks(filters);
    const page = { ...(cursor !== undefined ? { cursor } : {}), ...(limit !== undefined ? { limit } : {}) };
    // The outcome comes from a select of the three outcomes the API knows.
    const body = await this.#admin.audit(rest as SdkAuditFilters, page);
    return { items: body.events, nextCursor: body.nextCursor };
  }

  /** The whole audit log as JSON Lines or CSV text (a file download in the page). */
  exportAudit(format: 'jsonl' | 'csv'): Promise<string> {
    return this.#admin.exportAudit(format);
  }
}

/** Finds out which admin pages to show for this session (none on failure). */
export async function refreshAdminAccess(session: Session): Promise<void> {
  adminAccess.set(NO_ADMIN);
  try {
    adminAccess.set(await new AdminApi(session).probe());
  } catch (error) {
    if (!(error instanceof WatchwordError)) throw error;
  }
}
