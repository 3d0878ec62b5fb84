/**
 * The admin API (issue 6) end to end through the SDK's AdminClient and raw requests: listing and searching accounts
 * (metadata only), disable/enable, deletion, ending sessions, clearing throttling, roles (who may grant what, to whom),
 * the last-owner rule, custom roles, redacted settings, and the audit log (filters, cursor pagination, JSON Lines and
 * CSV export). The first owner is made the way `ww-server admin grant` does it: straight in storage.
 * Runs on SQLite + memory state, and on PostgreSQL + Redis when those are available (CI).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminClient, type Vault, WatchwordClient, WatchwordError, reauthenticate } from '@watchword/client';
import { type AuditEvent, api, ensureOpaqueReady, opaqueClient } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';

const PUBLIC = 'http://watchword.test';
const PASSWORD = 'an admin test passphrase';
const SERVER_SECRET = 'c2VydmVyLXNlY3JldC1mb3ItdGhlLWFkbWluLXRlc3RzLW9ubHk';
const ITEM_SECRET = 'the-item-password-Zq81';

interface Reply {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

const errorOf = (r: Reply) => (JSON.parse(r.body) as { error?: { code: string } }).error?.code;

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF or LF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe.each(backendsUnderTest())('admin API ($name)', ({ dialect, state }) => {
  let t: TestApp;
  /** Every body the admin API answered with (scanned for vault material at the end). */
  const adminBodies: string[] = [];
  const accounts = new Map<string, { vault: Vault; admin: AdminClient }>();
  let wrongStart: string;

  const client = () =>
    new WatchwordClient({
      passwordPolicy: false,
      serverUrl: PUBLIC,
      kdfVersion: 0,
      dpop: false,
      fetch: async (input, init) => {
        const res = await t.fetch(input, init);
        if (input.includes('/api/v1/admin')) adminBodies.push(await res.clone().text());
        return res;
      },
    });

  /** Registers and logs in; the SDK's admin client for that session. */
  async function account(email: string): Promise<{ vault: Vault; admin: AdminClient; id: string }> {
    await client().register({ email, password: PASSWORD });
    const vault = await client().login({ email, password: PASSWORD });
    const entry = { vault, admin: client().admin(vault.session) };
    accounts.set(email, entry);
    return { ...entry, id: vault.userId };
  }

  const login = (email: string, password = PASSWORD) => client().login({ email, password });
  const raw = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, payload?: unknown): Promise<Reply> =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const grant = (userId: string, role: string) => t.storage.roles.grant(userId, role, null, t.clock.now);

  let owner: Awaited<ReturnType<typeof account>>;
  let adm: Awaited<ReturnType<typeof account>>;
  let auditor: Awaited<ReturnType<typeof account>>;
  let alice: Awaited<ReturnType<typeof account>>;

  beforeAll(async () => {
    await ensureOpaqueReady();
    wrongStart = opaqueClient.startLogin('not the password').startLoginRequest;
    t = await createTestApp(dialect, { SERVER_SECRET, LOGIN_FREE_ATTEMPTS: '3' }, { state });
    owner = await account('owner@example.com');
    // The first owner: no default credentials — the host grants it (as `ww-server admin grant` does).
    expect(await grant(owner.id, 'owner')).toBe('granted');
    adm = await account('admin@example.com');
    auditor = await account('auditor@example.com');
    alice = await account('alice@example.com');
    await owner.admin.grantRole(adm.id, 'admin');
    await owner.admin.grantRole(auditor.id, 'auditor');
    await alice.vault.add({ type: 'login', name: 'bank', fields: [], login: { password: ITEM_SECRET } });
  });
  afterAll(async () => t?.close());

  it('lists and searches accounts with metadata only, paginated by cursor', async () => {
    const all = await owner.admin.users();
    expect(all.users.map((u) => u.email)).toEqual(['admin@example.com', 'alice@example.com', 'auditor@example.com', 'owner@example.com']);
    expect(all.nextCursor).toBeNull();
    const a = all.users.find((u) => u.email === 'alice@example.com');
    expect(a).toMatchObject({ id: alice.id, status: 'active', disabledAt: null, emailVerified: false, factors: { totp: false, webauthnKeys: 0 }, roles: ['user'] });
    expect(Object.keys(a ?? {}).sort()).toEqual(['createdAt', 'disabledAt', 'email', 'emailVerified', 'factors', 'id', 'lastLoginAt', 'roles', 'status']);
    expect(a?.lastLoginAt).toBe(t.clock.now);
    expect(all.users.find((u) => u.id === owner.id)?.roles).toEqual(['owner', 'user']);

    const first = await owner.admin.users({ limit: 3 });
    expect(first.users).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    const second = await owner.admin.users({ limit: 3, cursor: first.nextCursor ?? '' });
    expect([...first.users, ...second.users].map((u) => u.id)).toEqual(all.users.map((u) => u.id));
    expect(second.nextCursor).toBeNull();

    expect((await auditor.admin.users({ query: 'ALI' })).users.map((u) => u.email)).toEqual(['alice@example.com']);
    // LIKE metacharacters match literally.
    expect((await owner.admin.users({ query: '%' })).users).toEqual([]);
    expect((await owner.admin.userByEmail('Alice@Example.com')).id).toBe(alice.id);
    expect(await code(owner.admin.userByEmail('nobody@example.com'))).toBe('USER_NOT_FOUND');
    expect((await auditor.admin.user(alice.id)).email).toBe('alice@example.com');
    expect(await code(auditor.admin.user(randomUUID()))).toBe('USER_NOT_FOUND');

    const bad = await raw('GET', '/api/v1/admin/users?limit=101', owner.vault.session.tokens.accessToken);
    expect([bad.statusCode, errorOf(bad)]).toEqual([400, 'VALIDATION_FAILED']);
    const badCursor = await raw('GET', '/api/v1/admin/users?cursor=_w', owner.vault.session.tokens.accessToken);
    expect([badCursor.statusCode, errorOf(badCursor)]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('refuses callers without the permission, before looking at the request', async () => {
    expect(await code(alice.admin.users())).toBe('FORBIDDEN');
    expect(await code(alice.admin.roles())).toBe('FORBIDDEN');
    expect(await code(auditor.admin.disable(alice.id))).toBe('FORBIDDEN');
    expect(await code(auditor.admin.settings())).toBe('FORBIDDEN');
    expect(await code(adm.admin.createRole({ name: 'sneaky', parent: 'user', description: '', permissions: [] }))).toBe('FORBIDDEN');
    // Authorisation runs before validation: a malformed body tells a caller without the permission nothing.
    const r = await raw('POST', `/api/v1/admin/users/${alice.id}/disable`, auditor.vault.session.tokens.accessToken, { junk: true });
    expect([r.statusCode, errorOf(r)]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/admin/users' });
    expect([anonymous.statusCode, errorOf(anonymous)]).toEqual([401, 'UNAUTHENTICATED']);
    // The refused attempt is in the audit log.
    const denied = await owner.admin.audit({ action: 'admin.user_disabled', actorId: auditor.id, outcome: 'denied' });
    expect(denied.events[0]).toMatchObject({ targetId: alice.id, context: { reason: 'permission' } });
    // Refused reads are audited too: alice's users and roles, the auditor's settings.
    const refusedReads = await owner.admin.audit({ action: 'admin.read_refused', outcome: 'denied' });
    expect(refusedReads.events.map((e) => [e.actorId, e.context.reason]).sort()).toEqual(
      [[alice.id, 'permission'], [alice.id, 'permission'], [auditor.id, 'permission']].sort(),
    );
  });

  it('disable: live tokens fail at once, refresh fails, the right password answers ACCOUNT_DISABLED; enable restores login', async () => {
    const bob = await account('bob@example.com');
    const token = bob.vault.session.tokens.accessToken;
    expect((await raw('GET', '/api/v1/account', token)).statusCode).toBe(200);

    const disabled = await adm.admin.disable(bob.id);
    expect(disabled).toMatchObject({ status: 'disabled', disabledAt: t.clock.now });
    const after = await raw('GET', '/api/v1/account', token);
    expect([after.statusCode, errorOf(after)]).toEqual([401, 'INVALID_TOKEN']);
    expect(await code(bob.vault.session.refresh())).toBe('INVALID_REFRESH_TOKEN');
    expect(await code(login('bob@example.com'))).toBe('ACCOUNT_DISABLED');
    expect(await code(login('bob@example.com', 'a wrong password'))).toBe('INVALID_CREDENTIALS');
    expect((await adm.admin.user(bob.id)).status).toBe('disabled');

    const enabled = await adm.admin.enable(bob.id);
    expect(enabled).toMatchObject({ status: 'active', disabledAt: null });
    const again = await login('bob@example.com');
    expect(again.userId).toBe(bob.id);

    // A login in flight when the account is disabled (password proven, no session yet) gets none.
    const racing = new WatchwordClient({
      passwordPolicy: false,
      serverUrl: PUBLIC,
      kdfVersion: 0,
      dpop: false,
      fetch: async (input, init) => {
        if (input.endsWith('/api/v1/auth/login/finish')) await adm.admin.disable(bob.id);
        return t.fetch(input, init);
      },
    });
    expect(await code(racing.login({ email: 'bob@example.com', password: PASSWORD }))).toBe('ACCOUNT_DISABLED');
    expect(await t.storage.sessions.listForUser(bob.id).then((all) => all.filter((s) => s.revokedAt === null))).toEqual([]);
    await adm.admin.enable(bob.id);

    const events = (await auditor.admin.audit({ targetId: bob.id })).events.map((e) => [e.action, e.outcome, e.actorId]);
    expect(events).toContainEqual(['admin.user_disabled', 'success', adm.id]);
    expect(events).toContainEqual(['admin.user_enabled', 'success', adm.id]);
    expect(events).toContainEqual(['auth.login', 'denied', bob.id]);
  });

  it('a disabled admin loses its permissions at once', async () => {
    const second = await account('second-admin@example.com');
    await owner.admin.grantRole(second.id, 'admin');
    const fresh = await login('second-admin@example.com');
    expect((await client().admin(fresh.session).users()).users.length).toBeGreaterThan(0);
    await owner.admin.disable(second.id);
    expect(await code(client().admin(fresh.session).users())).toBe('INVALID_REFRESH_TOKEN');
    await owner.admin.deleteUser(second.id, 'second-admin@example.com');
  });

  it('deletes an account with the address typed again; its sessions end and it cannot log in', async () => {
    const dave = await account('dave@example.com');
    await dave.vault.add({ type: 'note', name: 'doomed', fields: [] });
    expect(await code(adm.admin.deleteUser(dave.id, 'someone-else@example.com'))).toBe('VALIDATION_FAILED');
    expect((await adm.admin.user(dave.id)).email).toBe('dave@example.com');
    await adm.admin.deleteUser(dave.id, 'Dave@Example.com');
    expect(await code(adm.admin.user(dave.id))).toBe('USER_NOT_FOUND');
    const r = await raw('GET', '/api/v1/items', dave.vault.session.tokens.accessToken);
    expect(r.statusCode).toBe(401);
    expect(await code(login('dave@example.com'))).toBe('INVALID_CREDENTIALS');
    expect(await code(adm.admin.deleteUser(dave.id, 'dave@example.com'))).toBe('USER_NOT_FOUND');
    const [deleted] = (await auditor.admin.audit({ action: 'admin.user_deleted', targetId: dave.id, outcome: 'success' })).events;
    expect(deleted).toMatchObject({ actorId: adm.id, outcome: 'success', context: { sessionsRevoked: 1 } });
  });

  it('revokes every session of an account', async () => {
    const erin = await account('erin@example.com');
    const laptop = await login('erin@example.com');
    expect(await adm.admin.revokeSessions(erin.id)).toBe(2);
    for (const vault of [erin.vault, laptop]) {
      const r = await raw('GET', '/api/v1/account', vault.session.tokens.accessToken);
      expect(r.statusCode).toBe(401);
      expect(await code(vault.session.refresh())).toBe('INVALID_REFRESH_TOKEN');
    }
    expect(await adm.admin.revokeSessions(erin.id)).toBe(0);
    expect((await login('erin@example.com')).userId).toBe(erin.id);
  });

  it('clears an account\'s login throttling', async () => {
    const carol = await account('carol@example.com');
    const start = () => t.app.inject({ method: 'POST', url: '/api/v1/auth/login/start', payload: { email: 'carol@example.com', startLoginRequest: wrongStart } });
    for (let i = 0; i < 3; i++) expect((await start()).statusCode).toBe(200);
    const throttled = await start();
    expect([throttled.statusCode, errorOf(throttled)]).toEqual([429, 'RATE_LIMITED']);
    await adm.admin.clearThrottle(carol.id);
    expect((await start()).statusCode).toBe(200);
    expect((await login('carol@example.com')).userId).toBe(carol.id);
    const [cleared] = (await auditor.admin.audit({ action: 'admin.throttle_cleared', targetId: carol.id })).events;
    expect(cleared).toMatchObject({ actorId: adm.id, outcome: 'success' });
    // Counters keyed by the account's id (fresh authentication, second-factor codes) are lifted too.
    const carolVault = await login('carol@example.com');
    for (let i = 0; i < 3; i++) expect(await code(reauthenticate(carolVault.session, 'not her password'))).toBe('INVALID_CREDENTIALS');
    expect(await code(reauthenticate(carolVault.session, PASSWORD))).toBe('RATE_LIMITED');
    await adm.admin.clearThrottle(carol.id);
    expect(await reauthenticate(carolVault.session, PASSWORD)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('roles: an admin grants auditor but not owner, cannot act on an owner, and nobody changes their own roles', async () => {
    const frank = await account('frank@example.com');
    expect((await adm.admin.grantRole(frank.id, 'auditor')).roles).toEqual(['auditor', 'user']);
    // Granting again changes nothing.
    expect((await adm.admin.grantRole(frank.id, 'auditor')).roles).toEqual(['auditor', 'user']);
    expect(await code(adm.admin.grantRole(frank.id, 'owner'))).toBe('FORBIDDEN');
    expect(await code(adm.admin.grantRole(frank.id, 'no-such-role'))).toBe('ROLE_NOT_FOUND');
    expect(await code(adm.admin.grantRole(randomUUID(), 'auditor'))).toBe('USER_NOT_FOUND');
    expect(await code(adm.admin.revokeRole(frank.id, 'user'))).toBe('VALIDATION_FAILED');

    expect(await code(adm.admin.disable(owner.id))).toBe('FORBIDDEN');
    expect(await code(adm.admin.revokeSessions(owner.id))).toBe('FORBIDDEN');
    expect(await code(adm.admin.deleteUser(owner.id, 'owner@example.com'))).toBe('FORBIDDEN');
    expect(await code(adm.admin.revokeRole(owner.id, 'owner'))).toBe('FORBIDDEN');
    expect(await code(adm.admin.clearThrottle(owner.id))).toBe('FORBIDDEN');

    expect(await code(adm.admin.grantRole(adm.id, 'auditor'))).toBe('FORBIDDEN');
    expect(await code(adm.admin.revokeRole(adm.id, 'admin'))).toBe('FORBIDDEN');
    expect(await code(owner.admin.revokeRole(owner.id, 'owner'))).toBe('FORBIDDEN');
    expect(await code(owner.admin.disable(owner.id))).toBe('FORBIDDEN');

    // An auditor cannot be used as a stepping stone either: it has no roles:assign.
    expect(await code(auditor.admin.grantRole(frank.id, 'admin'))).toBe('FORBIDDEN');
    expect((await adm.admin.revokeRole(frank.id, 'auditor')).roles).toEqual(['user']);

    const denied = (await owner.admin.audit({ actorId: adm.id, outcome: 'denied' })).events;
    expect(denied.map((e) => [e.action, e.context.reason])).toEqual(
      expect.arrayContaining([
        ['admin.role_granted', 'role_above_actor'],
        ['admin.user_disabled', 'not_subordinate'],
        ['admin.role_granted', 'self'],
      ]),
    );
  });

  it('the last active owner cannot be disabled, deleted or lose the owner role', async () => {
    // A custom role above admin that is not `owner` itself: its holder may act on owners, and still meets the rule.
    const root = await owner.admin.createRole({ name: 'root', parent: 'owner', description: 'Break-glass', permissions: [] });
    expect(root.effectivePermissions).toContain('settings:write');
    const rooty = await account('rooty@example.com');
    await owner.admin.grantRole(rooty.id, 'root');
    expect(await code(rooty.admin.disable(owner.id))).toBe('LAST_OWNER');
    expect(await code(rooty.admin.deleteUser(owner.id, 'owner@example.com'))).toBe('LAST_OWNER');
    expect(await code(rooty.admin.revokeRole(owner.id, 'owner'))).toBe('LAST_OWNER');
    // Nor can the last owner delete their own account: they must hand the role on first.
    expect(await code(client().security(owner.vault.session).deleteAccount(PASSWORD, 'owner@example.com'))).toBe('LAST_OWNER');
    expect((await t.storage.users.summary(owner.id))?.roles).toContain('owner');
    const selfDelete = (await owner.admin.audit({ actorId: owner.id, action: 'account.deleted' })).events;
    expect(selfDelete.map((e) => [e.outcome, e.context.reason])).toEqual([['denied', 'last_owner']]);
    // The refusal comes before the fresh authentication is used up: the same token still opens a step that needs it.
    const reauthToken = await reauthenticate(owner.vault.session, PASSWORD);
    const deleteOwnAccount = owner.vault.session.call(api.account.delete, { body: { reauthToken, confirmEmail: 'owner@example.com' } });
    expect(await code(deleteOwnAccount)).toBe('LAST_OWNER');
    await ensureOpaqueReady();
    const { registrationRequest } = opaqueClient.startRegistration(PASSWORD);
    const passwordStart = await owner.vault.session.call(api.account.passwordStart, { body: { reauthToken, registrationRequest } });
    expect(passwordStart.changeId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const openapi = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(openapi.paths['/api/v1/account']?.delete?.responses['409']).toBeDefined();
    // Other operations on the owner are fine for a role above it.
    expect(await rooty.admin.revokeSessions(owner.id)).toBeGreaterThanOrEqual(0);
    owner.vault = await login('owner@example.com');
    owner.admin = client().admin(owner.vault.session);

    // With a second owner, one of them may lose the role.
    await owner.admin.grantRole(rooty.id, 'owner');
    expect((await rooty.admin.revokeRole(rooty.id, 'owner').catch((e: WatchwordError) => e.code))).toBe('FORBIDDEN');
    expect((await owner.admin.revokeRole(rooty.id, 'owner')).roles).toEqual(['root', 'user']);
    const lastOwner = (await owner.admin.audit({ actorId: rooty.id, outcome: 'denied' })).events.filter((e) => e.context.reason === 'last_owner');
    expect(lastOwner.map((e) => e.action).sort()).toEqual(['admin.role_revoked', 'admin.user_deleted', 'admin.user_disabled']);
  });

  it('custom roles: a subset of the creator\'s permissions, never more', async () => {
    const helpdesk = await owner.admin.createRole({ name: 'helpdesk', parent: 'user', description: 'Unlocks accounts', permissions: ['users:read', 'throttle:clear'] });
    expect(helpdesk).toEqual({
      name: 'helpdesk',
      parent: 'user',
      description: 'Unlocks accounts',
      builtin: false,
      permissions: ['throttle:clear', 'users:read'],
      effectivePermissions: ['account:self', 'throttle:clear', 'users:read'],
    });
    expect(await code(owner.admin.createRole({ name: 'helpdesk', parent: 'user', description: '', permissions: [] }))).toBe('ROLE_EXISTS');
    expect(await code(owner.admin.createRole({ name: 'orphan', parent: 'nobody', description: '', permissions: [] }))).toBe('ROLE_NOT_FOUND');
    const unknown = await raw('POST', '/api/v1/admin/roles', owner.vault.session.tokens.accessToken, { name: 'x-role', parent: 'user', description: '', permissions: ['users:everything'] });
    expect([unknown.statusCode, errorOf(unknown)]).toEqual([400, 'VALIDATION_FAILED']);
    const badName = await raw('POST', '/api/v1/admin/roles', owner.vault.session.tokens.accessToken, { name: 'Root!', parent: 'user', description: '', permissions: [] });
    expect(badName.statusCode).toBe(400);

    // An admin may hand out a role below it; its holder can do exactly that much.
    const gina = await account('gina@example.com');
    await adm.admin.grantRole(gina.id, 'helpdesk');
    expect((await gina.admin.users({ query: 'alice' })).users).toHaveLength(1);
    await gina.admin.clearThrottle(alice.id);
    expect(await code(gina.admin.disable(alice.id))).toBe('FORBIDDEN');
    expect(await code(gina.admin.clearThrottle(adm.id))).toBe('FORBIDDEN');

    // Someone who may manage roles but holds little cannot make a role above themselves.
    await owner.admin.createRole({ name: 'rolemaker', parent: 'user', description: '', permissions: ['roles:manage', 'users:read'] });
    const hank = await account('hank@example.com');
    await owner.admin.grantRole(hank.id, 'rolemaker');
    expect(await code(hank.admin.createRole({ name: 'escalate', parent: 'admin', description: '', permissions: [] }))).toBe('FORBIDDEN');
    expect(await code(hank.admin.createRole({ name: 'escalate', parent: 'user', description: '', permissions: ['users:delete'] }))).toBe('FORBIDDEN');
    expect((await hank.admin.createRole({ name: 'reader', parent: 'user', description: '', permissions: ['users:read'] })).effectivePermissions).toEqual(['account:self', 'users:read']);

    const roles = await auditor.admin.roles();
    expect(roles.map((r) => r.name)).toEqual(expect.arrayContaining(['user', 'auditor', 'admin', 'owner', 'helpdesk', 'reader']));
    expect(roles.find((r) => r.name === 'admin')).toMatchObject({ builtin: true, parent: 'auditor' });
    expect(roles.find((r) => r.name === 'owner')?.effectivePermissions).toHaveLength(15);
  });

  it('shows the settings with every secret redacted', async () => {
    const settings = await adm.admin.settings();
    expect(settings.serverSecret).toBe('[redacted]');
    expect(settings.opaqueServerSetup).toBeNull();
    expect(settings.publicUrl).toBe(PUBLIC);
    expect(settings.loginFreeAttempts).toBe(3);
    expect(settings.allowedKdfVersions).toEqual(['0', '1']);
    expect(JSON.stringify(settings)).not.toContain(SERVER_SECRET);
    if (dialect === 'postgres') expect(String(settings.databaseUrl)).not.toMatch(/:[^:@/]+@/);
  });

  it('queries the audit log with filters and cursor pagination: no duplicates, no gaps', async () => {
    // Several events in the same millisecond (the test clock stands still): (at, id) keeps the order total.
    t.clock.advance(60_000);
    const from = t.clock.now;
    const ivan = await account('ivan@example.com');
    for (let i = 0; i < 4; i++) await adm.admin.revokeSessions(ivan.id);
    t.clock.advance(60_000);
    await adm.admin.disable(ivan.id);
    t.clock.advance(1);
    await adm.admin.enable(ivan.id);

    const all = (await auditor.admin.audit({ since: from }, { limit: 500 })).events;
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1] as AuditEvent, all[i] as AuditEvent];
      expect(a.at > b.at || (a.at === b.at && a.id > b.id)).toBe(true);
    }
    const paged: AuditEvent[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await auditor.admin.audit({ since: from }, { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.events.length).toBeLessThanOrEqual(3);
      paged.push(...page.events);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(all.length / 3));
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
    const viaHelper: string[] = [];
    for await (const e of auditor.admin.auditEvents({ since: from }, { pageSize: 2 })) viaHelper.push(e.id);
    expect(viaHelper).toEqual(all.map((e) => e.id));

    expect((await auditor.admin.audit({ since: from, action: 'admin.sessions_revoked' })).events).toHaveLength(4);
    expect((await auditor.admin.audit({ targetId: ivan.id, actorId: adm.id })).events.map((e) => e.action)).toEqual([
      'admin.user_enabled',
      'admin.user_disabled',
      'admin.sessions_revoked',
      'admin.sessions_revoked',
      'admin.sessions_revoked',
      'admin.sessions_revoked',
    ]);
    expect((await auditor.admin.audit({ since: from, until: from + 60_000, actorId: adm.id })).events.map((e) => e.action)).toEqual(Array(4).fill('admin.sessions_revoked'));
    expect((await auditor.admin.audit({ outcome: 'denied' })).events.every((e) => e.outcome === 'denied')).toBe(true);
    const event = all.find((e) => e.action === 'admin.user_disabled');
    expect(event).toMatchObject({ actorId: adm.id, targetId: ivan.id, ip: '127.0.0.1', outcome: 'success', context: { sessionsRevoked: 0 } });

    const token = auditor.vault.session.tokens.accessToken;
    for (const query of ['limit=501', 'limit=0', 'limit=007', 'limit=1000', 'cursor=bm9wZQ', 'since=yesterday', 'outcome=maybe', 'action=DROP%20TABLE', 'actorId=1']) {
      const r = await raw('GET', `/api/v1/admin/audit?${query}`, token);
      expect([query, r.statusCode, errorOf(r)]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
  });

  it('exports as JSON Lines and CSV: streamed past a page, escaped, formula cells defused', async () => {
    const target = randomUUID();
    const base = t.clock.now - 10_000;
    const tricky = ['=HYPERLINK("http://evil.example","x")', 'comma, "quoted"\nand a newline', '+1+1', '-2', '@SUM(A1)', 'plain'];
    const total = 1205;
    for (let i = 0; i < total; i++) {
      await t.storage.audit.append({
        id: randomUUID(),
        at: base + Math.floor(i / 3),
        actorId: null,
        action: 'auth.login',
        targetId: target,
        ip: '192.0.2.7',
        userAgent: tricky[i % tricky.length] as string,
        outcome: 'failure',
        requestId: randomUUID(),
        context: { n: i },
      });
    }
    const jsonl = await auditor.admin.exportAudit('jsonl', { targetId: target });
    const lines = jsonl.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(total);
    const events = lines.map((l) => JSON.parse(l) as AuditEvent);
    expect(new Set(events.map((e) => e.id)).size).toBe(total);
    expect(events.map((e) => e.context.n).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(events[0]?.at).toBeGreaterThanOrEqual(events.at(-1)?.at ?? Infinity);

    const token = auditor.vault.session.tokens.accessToken;
    const csvReply = await raw('GET', `/api/v1/admin/audit/export?format=csv&targetId=${target}`, token);
    expect(csvReply.statusCode).toBe(200);
    expect(String(csvReply.headers['content-type'])).toMatch(/^text\/csv/);
    expect(String(csvReply.headers['content-disposition'])).toMatch(/^attachment; filename="watchword-audit-.*\.csv"$/);
    expect(csvReply.headers['cache-control']).toBe('no-store');
    const rows = parseCsv(csvReply.body);
    expect(rows[0]).toEqual(['id', 'at', 'time', 'actor_id', 'action', 'target_id', 'ip', 'user_agent', 'outcome', 'request_id', 'context']);
    expect(rows).toHaveLength(total + 1);
    const agents = new Set(rows.slice(1).map((r) => r[7]));
    expect([...agents].sort()).toEqual(["'+1+1", "'-2", "'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(A1)", 'comma, "quoted"\nand a newline', 'plain']);
    expect(rows.slice(1).every((r) => r.length === 11 && r[5] === target && JSON.parse(r[10] ?? '') !== null)).toBe(true);
    expect(csvReply.body).toContain('"comma, ""quoted""\nand a newline"');

    const jsonlReply = await raw('GET', `/api/v1/admin/audit/export?format=jsonl&targetId=${target}&outcome=success`, token);
    expect(String(jsonlReply.headers['content-type'])).toMatch(/^application\/x-ndjson/);
    expect(jsonlReply.body).toBe('');
    const noFormat = await raw('GET', '/api/v1/admin/audit/export', token);
    expect(noFormat.statusCode).toBe(400);
    expect(await code(alice.admin.exportAudit('csv'))).toBe('FORBIDDEN');

    const exported = (await owner.admin.audit({ action: 'admin.audit_exported', actorId: auditor.id })).events;
    expect(exported.length).toBeGreaterThanOrEqual(3);
    expect(exported.find((e) => e.context.format === 'csv')?.context).toMatchObject({ targetId: target });
    expect((await owner.admin.audit({ action: 'admin.audit_exported', actorId: alice.id, outcome: 'denied' })).events).toHaveLength(1);
  });

  it('never shows vault contents or keys in any admin answer', async () => {
    expect(adminBodies.length).toBeGreaterThan(50);
    const needles: string[] = [ITEM_SECRET];
    for (const email of accounts.keys()) {
      const user = await t.storage.users.findByEmail(email);
      if (!user) continue;
      needles.push(user.opaqueRecord, user.wrappedAccountKey, user.kekSalt, user.wrappedX25519PrivateKey, user.wrappedEd25519PrivateKey, user.recoveryWrappedKey);
      for (const v of await t.storage.vaults.listForUser(user.id)) needles.push(v.wrappedKey);
      for (const item of (await t.storage.items.list(user.id)).items) if (item.data) needles.push(item.data.slice(0, 64));
    }
    expect(needles.length).toBeGreaterThan(30);
    for (const body of adminBodies) for (const needle of needles) expect(body.includes(needle)).toBe(false);
  });
});
