import type { Session } from '@watchword/client';
import { WatchwordError } from '@watchword/client';
import { createStore } from './lib/store.ts';

/**
 * The admin API, called through the signed-in session (DPoP and token refresh included). The SDK's `AdminClient`
 * (WatchwordClient.admin()) covers the same routes; this module is the one place the pages call them from. Answers are read defensively: the pages show what is
 * there and never assume a field beyond the ones named below.
 *
 *   GET    /api/v1/admin/users?query&cursor&limit          users:read
 *   POST   /api/v1/admin/users/:id/disable | /enable       users:disable
 *   DELETE /api/v1/admin/users/:id   {confirmEmail}        users:delete
 *   POST   /api/v1/admin/users/:id/sessions/revoke         sessions:revoke
 *   PUT    /api/v1/admin/users/:id/roles/:role             roles:assign   (DELETE removes it)
 *   GET    /api/v1/admin/roles                             roles:read
 *   GET    /api/v1/admin/audit?since&until&action&actorId&targetId&outcome&cursor&limit   audit:read
 *   GET    /api/v1/admin/audit/export?format=jsonl|csv     audit:export
 */

export interface AdminUser {
  id: string;
  email: string;
  createdAt: number;
  lastLoginAt: number | null;
  disabledAt: number | null;
  emailVerified?: boolean;
  totp?: boolean;
  webauthnKeys?: number;
  roles: string[];
}

export interface AdminRole {
  name: string;
  parent: string | null;
  description: string;
  builtin?: boolean;
  permissions: string[];
}

export interface AuditEvent {
  id: string;
  at: number;
  actorId: string | null;
  action: string;
  targetId: string | null;
  ip: string;
  userAgent: string;
  outcome: string;
  requestId?: string;
  context?: Record<string, unknown>;
}

export interface AuditFilters {
  /** Milliseconds since the epoch. */
  since?: number;
  until?: number;
  action?: string;
  actorId?: string;
  targetId?: string;
  outcome?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Which admin pages the signed-in account may open (decided by asking, so the server stays the only judge). */
export interface AdminAccess {
  users: boolean;
  roles: boolean;
  audit: boolean;
}

export const NO_ADMIN: AdminAccess = { users: false, roles: false, audit: false };
export const adminAccess = createStore<AdminAccess>(NO_ADMIN);

const seg = encodeURIComponent;
const list = <T>(body: unknown, key: string): T[] => {
  const value = (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(value) ? (value as T[]) : [];
};
const cursorOf = (body: unknown): string | null => {
  const value = (body as { nextCursor?: unknown } | null)?.nextCursor;
  return typeof value === 'string' && value !== '' ? value : null;
};
const str = (v: string | number | undefined): string | undefined => (v === undefined || v === '' ? undefined : String(v));

export class AdminApi {
  readonly #session: Session;
  constructor(session: Session) {
    this.#session = session;
  }

  /**
   * Which admin pages to show: a page is shown only when its listing answers. 403 (no permission) and 404 (a server
   * without the admin API) both mean "not for you". Every role with admin rights can read the roles, so an ordinary
   * account costs one request (one 403) and only an administrator's session asks for the other two.
   */
  async probe(): Promise<AdminAccess> {
    const ok = (p: Promise<unknown>) =>
      p.then(
        () => true,
        () => false,
      );
    if (!(await ok(this.#session.request('GET', '/api/v1/admin/roles')))) return NO_ADMIN;
    const [users, audit] = await Promise.all([
      ok(this.#session.request('GET', '/api/v1/admin/users', { query: { limit: '1' } })),
      ok(this.#session.request('GET', '/api/v1/admin/audit', { query: { limit: '1' } })),
    ]);
    return { users, roles: true, audit };
  }

  async users(input: { query?: string; cursor?: string; limit?: number } = {}): Promise<Page<AdminUser>> {
    const body = await this.#session.request('GET', '/api/v1/admin/users', {
      query: { query: str(input.query), cursor: str(input.cursor), limit: str(input.limit) },
    });
    // The API nests second factors under `factors`; the pages read them flat.
    const items = list<AdminUser & { factors?: { totp?: boolean; webauthnKeys?: number } }>(body, 'users').map(({ factors, ...user }) => ({
      ...user,
      ...(factors?.totp !== undefined ? { totp: factors.totp } : {}),
      ...(factors?.webauthnKeys !== undefined ? { webauthnKeys: factors.webauthnKeys } : {}),
    }));
    return { items, nextCursor: cursorOf(body) };
  }

  async setDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.#session.request('POST', `/api/v1/admin/users/${seg(userId)}/${disabled ? 'disable' : 'enable'}`, { body: {} });
  }

  async deleteUser(userId: string, confirmEmail: string): Promise<void> {
    await this.#session.request('DELETE', `/api/v1/admin/users/${seg(userId)}`, { body: { confirmEmail } });
  }

  async revokeSessions(userId: string): Promise<void> {
    await this.#session.request('POST', `/api/v1/admin/users/${seg(userId)}/sessions/revoke`, { body: {} });
  }

  async setRole(userId: string, role: string, held: boolean): Promise<void> {
    await this.#session.request(held ? 'PUT' : 'DELETE', `/api/v1/admin/users/${seg(userId)}/roles/${seg(role)}`, { body: {} });
  }

  async roles(): Promise<AdminRole[]> {
    return list<AdminRole>(await this.#session.request('GET', '/api/v1/admin/roles'), 'roles');
  }

  async audit(filters: AuditFilters & { cursor?: string; limit?: number }): Promise<Page<AuditEvent>> {
    const body = await this.#session.request('GET', '/api/v1/admin/audit', {
      query: {
        since: str(filters.since),
        until: str(filters.until),
        action: str(filters.action),
        actorId: str(filters.actorId),
        targetId: str(filters.targetId),
        outcome: str(filters.outcome),
        cursor: str(filters.cursor),
        limit: str(filters.limit),
      },
    });
    return { items: list<AuditEvent>(body, 'events'), nextCursor: cursorOf(body) };
  }

  /** The whole audit log as JSON Lines or CSV text (a file download in the page). */
  exportAudit(format: 'jsonl' | 'csv'): Promise<string> {
    return this.#session.request<string>('GET', '/api/v1/admin/audit/export', { query: { format }, responseType: 'text' });
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
