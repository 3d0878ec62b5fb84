/**
 * ADMIN_SECOND_FACTOR=required (the default in production mode; security spec "Production checklist": MFA for
 * admins): every permission beyond account:self needs a session signed in with a second factor. Runs on SQLite +
 * memory state, and on PostgreSQL + Redis when those are available (CI): the session's factor is stored by the
 * one-statement login write on PostgreSQL and by a transaction on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient } from '@watchword/client';
import { parseOtpauthUri, totp } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';

const PUBLIC = 'http://watchword.test';
const PASSWORD = 'a long and fine passphrase';

describe.each(backendsUnderTest())('administration needs a second factor ($name)', ({ dialect, state }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { ADMIN_SECOND_FACTOR: 'required' }, { state });
  });
  afterAll(async () => t?.close());

  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, kdfVersion: 0, dpop: false, fetch: t.fetch });
  const admin = (vault: Vault) => client().admin(vault.session);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses password-only sessions of admins (and audits it), accepts a session signed in with TOTP, and a refresh keeps it', async () => {
    expect(t.config.adminSecondFactor).toBe('required');
    await client().register({ email: 'olga@example.com', password: PASSWORD });
    await client().register({ email: 'abe@example.com', password: PASSWORD });
    const owner = await client().login({ email: 'olga@example.com', password: PASSWORD });
    const abe = await client().login({ email: 'abe@example.com', password: PASSWORD });
    expect(await t.storage.roles.grant(owner.userId, 'owner', null, t.clock.now)).toBe('granted');

    // A password-only session: the owner's own vault works, administration does not.
    expect(await code(admin(owner).users())).toBe('SECOND_FACTOR_REQUIRED');
    expect(await code(admin(owner).disable(abe.userId))).toBe('SECOND_FACTOR_REQUIRED');
    expect((await owner.sync()).full).toBe(true);
    expect(await owner.list()).toEqual([]);
    // Asking what one may do is never refused: the owner hears that a factor is missing, Abe that he holds nothing.
    expect(await admin(owner).access()).toEqual({ permissions: expect.arrayContaining(['users:read', 'roles:manage', 'audit:read']), secondFactorRequired: true });
    expect(await admin(abe).access()).toEqual({ permissions: [], secondFactorRequired: false });
    // Someone without the permission is told only that: FORBIDDEN, not that a factor is missing.
    expect(await code(admin(abe).users())).toBe('FORBIDDEN');
    expect((await t.storage.users.summary(abe.userId))?.disabledAt).toBeNull();

    // Enabling TOTP does not upgrade the session that did it: a new login with the factor is needed.
    const security = client().security(owner.session);
    const secret = parseOtpauthUri((await security.enrolTotp(PASSWORD)).otpauthUri).secret;
    await security.confirmTotp(await totp(secret, t.clock.now));
    expect(await code(admin(owner).users())).toBe('SECOND_FACTOR_REQUIRED');

    t.clock.advance(30_000); // the next TOTP step (each code works once)
    const signedIn = await client().login({
      email: 'olga@example.com',
      password: PASSWORD,
      secondFactor: async () => ({ method: 'totp', code: await totp(secret, t.clock.now) }),
    });
    expect((await admin(signedIn).users()).users.map((u) => u.email)).toEqual(expect.arrayContaining(['abe@example.com', 'olga@example.com']));
    expect((await admin(signedIn).access()).secondFactorRequired).toBe(false);
    // The devices list says how each session was signed in.
    const devices = await signedIn.session.listSessions();
    expect(devices.find((s) => s.current)?.secondFactor).toBe('totp');
    expect(devices.find((s) => !s.current)?.secondFactor).toBeNull();

    // A refreshed access token belongs to the same session: still allowed.
    const refreshed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: signedIn.session.tokens.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const next = await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer((JSON.parse(refreshed.body) as { accessToken: string }).accessToken) });
    expect(next.statusCode).toBe(200);

    // The refused state change and the two refused reads are in the audit log, with their reason; the login says
    // which factor it passed.
    const denied = (await admin(signedIn).audit({ actorId: owner.userId, outcome: 'denied' })).events;
    expect(denied.map((e) => [e.action, e.targetId, e.context.reason]).sort()).toEqual([
      ['admin.read_refused', owner.userId, 'second_factor'],
      ['admin.read_refused', owner.userId, 'second_factor'],
      ['admin.user_disabled', abe.userId, 'second_factor'],
    ]);
    const logins = (await admin(signedIn).audit({ actorId: owner.userId, action: 'auth.login', outcome: 'success' })).events;
    expect(logins.map((e) => e.context.secondFactor)).toEqual(['totp', null]);
  });

  it('is off where the setting is optional: a password-only admin session administers', async () => {
    const relaxed = await createTestApp(dialect, { ADMIN_SECOND_FACTOR: 'optional' }, { state });
    try {
      const c = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, kdfVersion: 0, dpop: false, fetch: relaxed.fetch });
      await c.register({ email: 'pat@example.com', password: PASSWORD });
      const pat = await c.login({ email: 'pat@example.com', password: PASSWORD });
      await relaxed.storage.roles.grant(pat.userId, 'admin', null, relaxed.clock.now);
      expect((await c.admin(pat.session).users()).users).toHaveLength(1);
    } finally {
      await relaxed.close();
    }
  });
});
