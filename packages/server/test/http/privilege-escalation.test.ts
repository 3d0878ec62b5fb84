/**
 * Privilege escalation attempts (security spec "RBAC"): mass-assignment of `role`/`roles`/`permissions`/`isAdmin`
 * in any body, self-assigned roles, and admins acting upward (on an owner). Requests go through the SDK (with a
 * fetch that tampers with one request's body) or raw where the exact request matters. Every attempt is refused and
 * nothing changes: the roles of every account are compared before and after.
 * Runs on SQLite + memory and on PostgreSQL (+ Redis) when available.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchLike, type Vault, WatchwordClient } from '@watchword/client';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';

const BASE = 'http://watchword.test';
/** Fields a mass-assignment attack would add to a body. */
const EXTRAS: Record<string, unknown>[] = [{ role: 'owner' }, { roles: ['owner'] }, { permissions: ['roles:manage', 'settings:write'] }, { isAdmin: true }];

describe.each(backendsUnderTest())('privilege escalation ($name)', ({ dialect, state }) => {
  let t: TestApp;
  /** When set, the next request whose method and path match gets `extra` merged into its JSON body. */
  let tamper: { method: string; path: RegExp; extra: Record<string, unknown> } | null = null;
  let tampered = 0;
  const fetch: FetchLike = async (input, init) => {
    const path = new URL(input).pathname;
    if (tamper && (init.method ?? 'GET') === tamper.method && tamper.path.test(path)) {
      const body = typeof init.body === 'string' && init.body !== '' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
      const headers = { ...(init.headers as Record<string, string>), 'content-type': 'application/json' };
      const { extra } = tamper;
      tamper = null;
      tampered++;
      return t.fetch(input, { ...init, headers, body: JSON.stringify({ ...body, ...extra }) });
    }
    return t.fetch(input, init);
  };
  /** Runs `action` with the first `method path` request carrying `extra`; answers the error code. */
  const withExtra = async (method: string, path: RegExp, extra: Record<string, unknown>, action: () => Promise<unknown>): Promise<string> => {
    tamper = { method, path, extra };
    const before = tampered;
    try {
      return await code(action());
    } finally {
      expect(tampered, `${method} ${String(path)} was sent`).toBe(before + 1);
      tamper = null;
    }
  };

  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: BASE, fetch, kdfVersion: 0, dpop: false });
  const passwordOf = (email: string) => `${email} passphrase`;
  const signUp = async (email: string, role?: string): Promise<Vault> => {
    const { userId } = await client().register({ email, password: passwordOf(email) });
    if (role) expect(await t.storage.roles.grant(userId, role, null, t.clock.now)).toBe('granted');
    return client().login({ email, password: passwordOf(email) });
  };
  const as = (vault: Vault, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  const errorOf = (res: { body: string }) => (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
  /** Every account's roles, to compare before and after. */
  const roleSnapshot = async () => {
    const out: Record<string, string[]> = {};
    for (const u of await t.storage.users.search({ limit: 1000 })) out[u.email] = [...(await t.storage.roles.rolesOf(u.id))].sort();
    return out;
  };

  let owner: Vault;
  let admin: Vault;
  let auditor: Vault;
  let user: Vault;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_FREE_ATTEMPTS: '100', LOGIN_ACCOUNT_FREE_ATTEMPTS: '100' }, { state });
    owner = await signUp('owner@esc.example.com', 'owner');
    admin = await signUp('admin@esc.example.com', 'admin');
    auditor = await signUp('auditor@esc.example.com', 'auditor');
    user = await signUp('user@esc.example.com');
  });
  afterAll(async () => t?.close());

  describe('mass assignment: a role field in any body is an unknown field', () => {
    it('registration (start and finish): refused, no account created', async () => {
      let n = 0;
      for (const extra of EXTRAS) {
        for (const step of ['start', 'finish']) {
          const email = `mass-${++n}@esc.example.com`;
          const register = () => client().register({ email, password: passwordOf(email) });
          expect(await withExtra('POST', new RegExp(`/auth/register/${step}$`), extra, register), `${step} + ${Object.keys(extra)[0]}`).toBe('UNKNOWN_FIELD');
          expect(await t.storage.users.findByEmail(email)).toBeUndefined();
        }
      }
      // The same registration without the extra field gets the base role and nothing more.
      const plain = await signUp('plain@esc.example.com');
      expect(await t.storage.roles.rolesOf(plain.userId)).toEqual(['user']);
    });

    it('account, session and item bodies: refused, nothing changes', async () => {
      const before = await roleSnapshot();
      const vault = await signUp('mallory@esc.example.com');
      const password = passwordOf('mallory@esc.example.com');
      const item = await vault.add({ type: 'note', name: 'n', fields: [], notes: 'x' });
      const attempts: [string, RegExp, () => Promise<unknown>][] = [
        ['POST', /\/account\/password\/start$/, () => client().changePassword(vault, { currentPassword: password, newPassword: 'a new passphrase' })],
        ['POST', /\/account\/password\/finish$/, () => client().changePassword(vault, { currentPassword: password, newPassword: 'a new passphrase' })],
        ['POST', /\/auth\/reauth\/start$/, () => client().security(vault.session).enrolTotp(password)],
        ['POST', /\/account\/mfa\/totp$/, () => client().security(vault.session).enrolTotp(password)],
        ['DELETE', /\/api\/v1\/account$/, () => client().security(vault.session).deleteAccount(password, 'mallory@esc.example.com')],
        ['POST', /\/api\/v1\/items$/, () => vault.add({ type: 'note', name: 'm', fields: [], notes: 'y' })],
        ['PUT', /\/api\/v1\/items\/[^/]+$/, () => vault.update(item.id, { type: 'note', name: 'n2', fields: [], notes: 'z' }, item.revision)],
        ['POST', /\/auth\/logout$/, () => vault.session.logout()],
        ['POST', /\/auth\/refresh$/, () => vault.session.refresh()],
      ];
      for (const extra of EXTRAS) {
        for (const [method, path, action] of attempts) {
          expect(await withExtra(method, path, extra, action), `${method} ${String(path)} + ${Object.keys(extra)[0]}`).toBe('UNKNOWN_FIELD');
        }
      }
      // The account is as it was: its password, its session, its item, its roles.
      expect((await vault.get(item.id)).content).toMatchObject({ name: 'n', notes: 'x' });
      await client().login({ email: 'mallory@esc.example.com', password });
      expect(await roleSnapshot()).toEqual({ ...before, 'mallory@esc.example.com': ['user'] });
    });

    it('admin bodies (and query strings): refused even for the owner, nothing changes', async () => {
      const target = await signUp('target@esc.example.com');
      const before = await roleSnapshot();
      const ownerAdmin = client().admin(owner.session);
      const attempts: [string, RegExp, () => Promise<unknown>][] = [
        ['POST', /\/disable$/, () => ownerAdmin.disable(target.userId)],
        ['POST', /\/enable$/, () => ownerAdmin.enable(target.userId)],
        ['DELETE', /\/admin\/users\/[^/]+$/, () => ownerAdmin.deleteUser(target.userId, 'target@esc.example.com')],
        ['POST', /\/sessions\/revoke$/, () => ownerAdmin.revokeSessions(target.userId)],
        ['POST', /\/throttle\/clear$/, () => ownerAdmin.clearThrottle(target.userId)],
        ['PUT', /\/roles\/auditor$/, () => ownerAdmin.grantRole(target.userId, 'auditor')],
        ['POST', /\/admin\/roles$/, () => ownerAdmin.createRole({ name: 'sneaky', parent: 'user', description: 'x', permissions: [] })],
      ];
      for (const extra of EXTRAS) {
        for (const [method, path, action] of attempts) {
          // Creating a role rightly has a `permissions` field (within the creator's own: checked by mayAssign).
          if (path.test('/api/v1/admin/roles') && 'permissions' in extra) continue;
          expect(await withExtra(method, path, extra, action), `${method} ${String(path)} + ${Object.keys(extra)[0]}`).toBe('UNKNOWN_FIELD');
        }
        const role = await as(owner, 'DELETE', `/api/v1/admin/users/${target.userId}/roles/auditor`, extra);
        expect([role.statusCode, errorOf(role)]).toEqual([400, 'UNKNOWN_FIELD']);
      }
      for (const q of ['role=owner', 'roles=owner', 'isAdmin=true', 'permissions=roles:manage']) {
        const res = await as(owner, 'GET', `/api/v1/admin/users?${q}`);
        expect([res.statusCode, errorOf(res)], q).toEqual([400, 'UNKNOWN_FIELD']);
      }
      expect(await roleSnapshot()).toEqual(before);
      expect((await t.storage.users.findById(target.userId))?.disabledAt).toBeNull();
      expect((await t.storage.roles.list()).map((r) => r.name)).not.toContain('sneaky');
    });
  });

  describe('self-assigned roles', () => {
    it('a user or an auditor cannot grant themselves (or anyone) a role: FORBIDDEN', async () => {
      const before = await roleSnapshot();
      for (const vault of [user, auditor]) {
        for (const role of ['user', 'auditor', 'admin', 'owner']) {
          for (const method of ['PUT', 'DELETE'] as const) {
            const res = await as(vault, method, `/api/v1/admin/users/${vault.userId}/roles/${role}`, method === 'PUT' ? {} : undefined);
            expect([res.statusCode, errorOf(res)], `${method} ${role}`).toEqual([403, 'FORBIDDEN']);
          }
        }
        const create = await as(vault, 'POST', '/api/v1/admin/roles', { name: 'mine', parent: 'owner', description: 'x', permissions: ['roles:manage'] });
        expect([create.statusCode, errorOf(create)]).toEqual([403, 'FORBIDDEN']);
      }
      expect(await roleSnapshot()).toEqual(before);
    });

    it('an admin cannot grant themselves owner (or anything), nor hand out a role above their own', async () => {
      const before = await roleSnapshot();
      const adminClient = client().admin(admin.session);
      for (const role of ['owner', 'admin', 'auditor']) expect(await code(adminClient.grantRole(admin.userId, role)), `self ${role}`).toBe('FORBIDDEN');
      expect(await code(adminClient.revokeRole(admin.userId, 'admin')), 'own role away').toBe('FORBIDDEN');
      // Upward to someone else: the owner role, or a custom role that inherits from it.
      expect(await code(adminClient.grantRole(user.userId, 'owner'))).toBe('FORBIDDEN');
      await client().admin(owner.session).createRole({ name: 'owner-child', parent: 'owner', description: 'Inherits everything', permissions: [] });
      expect(await code(adminClient.grantRole(user.userId, 'owner-child'))).toBe('FORBIDDEN');
      expect(await code(adminClient.createRole({ name: 'mine', parent: 'user', description: 'x', permissions: ['roles:manage'] }))).toBe('FORBIDDEN');
      expect(await roleSnapshot()).toEqual(before);
      // The refusals are audited as the admin's.
      const denied = await t.storage.audit.query({ actorId: admin.userId, outcome: 'denied' }, undefined, 100);
      expect(denied.filter((e) => e.action === 'admin.role_granted').length).toBeGreaterThanOrEqual(4);
      // Control: within their own permissions the same call works.
      expect((await adminClient.grantRole(user.userId, 'auditor')).roles).toContain('auditor');
      expect((await adminClient.revokeRole(user.userId, 'auditor')).roles).not.toContain('auditor');
    });

    it('nobody acts on themselves through the admin API, not even the owner', async () => {
      const ownerAdmin = client().admin(owner.session);
      expect(await code(ownerAdmin.disable(owner.userId))).toBe('FORBIDDEN');
      expect(await code(ownerAdmin.revokeRole(owner.userId, 'owner'))).toMatch(/^(FORBIDDEN|LAST_OWNER)$/);
      expect(await t.storage.roles.rolesOf(owner.userId)).toContain('owner');
    });
  });

  describe('an admin acting on an owner', () => {
    it('disable, enable, delete, end sessions, clear throttling, change roles: all FORBIDDEN; the owner is untouched', async () => {
      const before = await roleSnapshot();
      const ownerEmail = 'owner@esc.example.com';
      const o = owner.userId;
      const attempts: [string, 'POST' | 'PUT' | 'DELETE', string, unknown][] = [
        ['disable', 'POST', `/api/v1/admin/users/${o}/disable`, {}],
        ['enable', 'POST', `/api/v1/admin/users/${o}/enable`, {}],
        ['delete', 'DELETE', `/api/v1/admin/users/${o}`, { confirmEmail: ownerEmail }],
        ['revoke sessions', 'POST', `/api/v1/admin/users/${o}/sessions/revoke`, {}],
        ['clear throttling', 'POST', `/api/v1/admin/users/${o}/throttle/clear`, {}],
        ['revoke the owner role', 'DELETE', `/api/v1/admin/users/${o}/roles/owner`, undefined],
        ['revoke the base role', 'DELETE', `/api/v1/admin/users/${o}/roles/auditor`, undefined],
        ['grant a role', 'PUT', `/api/v1/admin/users/${o}/roles/auditor`, {}],
      ];
      for (const [what, method, url, body] of attempts) {
        const res = await as(admin, method, url, body);
        expect([res.statusCode, errorOf(res)], what).toEqual([403, 'FORBIDDEN']);
      }
      // The owner is as before: enabled, every role, its session alive.
      expect(await roleSnapshot()).toEqual(before);
      expect((await t.storage.users.findById(o))?.disabledAt).toBeNull();
      expect((await as(owner, 'GET', '/api/v1/admin/settings')).statusCode).toBe(200);
      const denied = await t.storage.audit.query({ actorId: admin.userId, targetId: o, outcome: 'denied' }, undefined, 100);
      expect(denied.length).toBeGreaterThanOrEqual(attempts.length);
    });
  });
});
