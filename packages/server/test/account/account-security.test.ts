/**
 * E-mail verification, password change, recovery, vault reset and account deletion, end to end through the SDK,
 * with mail delivered to a real in-process SMTP server (issue 5). Runs on SQLite + memory and PostgreSQL + Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, VAULT_RESET_CONFIRMATION, WatchwordClient } from '@watchword/client';
import { parseOtpauthUri, recoverAccountKey, totp } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp.ts';
import { code } from '../support/error-code.ts';

const BASE = 'http://watchword.test';

/** The token of the newest mail to `to` whose subject matches. */
async function tokenFrom(smtp: SmtpCapture, to: string, subject: RegExp, after = 0): Promise<string> {
  const mail = await smtp.waitFor((m) => m.to.includes(to) && subject.test(m.subject) && smtp.messages.indexOf(m) >= after);
  const match = /[#?&]token=([A-Za-z0-9_-]{43,64})/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no token in mail "${mail.subject}"`);
  return match[1];
}

describe.each(backendsUnderTest())('account security ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  const client = (dpop: 'generate' | false = false) => new WatchwordClient({ passwordPolicy: false, serverUrl: BASE, fetch: t.fetch, kdfVersion: 0, dpop });
  const login = (email: string, password: string, deviceName = 'laptop') => client().login({ email, password, deviceName });

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    // Feature tests: the credential throttle out of the way (its own test below uses the defaults).
    t = await createTestApp(
      dialect,
      { SMTP_URL: smtp.url, MAIL_FROM: 'Watchword <vault@watchword.test>', LOGIN_FREE_ATTEMPTS: '100', LOGIN_ACCOUNT_FREE_ATTEMPTS: '100' },
      { state },
    );
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  describe('e-mail verification', () => {
    it('mails a single-use link at registration; the account is verified once it is used', async () => {
      const { recoveryKey } = await client().register({ email: 'vera@example.com', password: 'vera passphrase' });
      expect(recoveryKey).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){13}$/);
      const token = await tokenFrom(smtp, 'vera@example.com', /Confirm your e-mail/);
      const mail = smtp.messages.find((m) => m.to.includes('vera@example.com'))!;
      expect(mail.from).toBe('vault@watchword.test');
      expect(mail.text).toContain(`${BASE}/#/verify-email?token=${token}`);
      let vault = await login('vera@example.com', 'vera passphrase');
      expect(vault.account.emailVerified).toBe(false);
      await client().verifyEmail(token);
      vault = await login('vera@example.com', 'vera passphrase');
      expect(vault.account.emailVerified).toBe(true);
      // Single use; a forged token of the right shape is refused the same way.
      expect(await code(client().verifyEmail(token))).toBe('INVALID_EMAIL_TOKEN');
      expect(await code(client().verifyEmail('A'.repeat(43)))).toBe('INVALID_EMAIL_TOKEN');
    });

    it('expires after 24 hours; a resend replaces the old link', async () => {
      await client().register({ email: 'late@example.com', password: 'late passphrase' });
      const first = await tokenFrom(smtp, 'late@example.com', /Confirm your e-mail/);
      const vault = await login('late@example.com', 'late passphrase');
      const count = smtp.messages.length;
      await client().security(vault.session).resendVerification();
      const second = await tokenFrom(smtp, 'late@example.com', /Confirm your e-mail/, count);
      expect(second).not.toBe(first);
      expect(await code(client().verifyEmail(first))).toBe('INVALID_EMAIL_TOKEN');
      t.clock.advance(24 * 3600_000 + 1000);
      expect(await code(client().verifyEmail(second))).toBe('INVALID_EMAIL_TOKEN');
    });

    it('registering an existing address mails its owner and tells the caller nothing', async () => {
      await client().register({ email: 'owner@example.com', password: 'owner passphrase' });
      const before = await t.storage.users.findByEmail('owner@example.com');
      const count = smtp.messages.length;
      const again = await client().register({ email: 'Owner@Example.com', password: 'someone else' });
      expect(again.userId).not.toBe(before?.id);
      await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('owner@example.com') && /tried to register/.test(m.subject));
      expect(await t.storage.users.findByEmail('owner@example.com')).toEqual(before);
    });
  });

  describe('password change', () => {
    it('keeps every item readable, ends the other sessions, and needs the current password', async () => {
      await client().register({ email: 'pat@example.com', password: 'pat old passphrase' });
      const laptop = await login('pat@example.com', 'pat old passphrase', 'laptop');
      const phone = await login('pat@example.com', 'pat old passphrase', 'phone');
      const items = await Promise.all(
        ['a', 'b', 'c'].map((name) => laptop.add({ type: 'login', name, fields: [], login: { username: name, password: `pw-${name}`, urls: [] } })),
      );
      const before = await t.storage.items.list(laptop.userId);

      expect(await code(client().changePassword(laptop, { currentPassword: 'not my password', newPassword: 'pat new passphrase' }))).toBe('INVALID_CREDENTIALS');
      const count = smtp.messages.length;
      const { revokedSessions } = await client().changePassword(laptop, { currentPassword: 'pat old passphrase', newPassword: 'pat new passphrase' });
      expect(revokedSessions).toBe(1);

      // No item was re-encrypted: the ciphertexts are byte-identical.
      expect(await t.storage.items.list(laptop.userId)).toEqual(before);
      // The current session goes on; the phone's is over at once (access token and refresh token).
      expect((await laptop.list()).map((i) => i.content.name).sort()).toEqual(['a', 'b', 'c']);
      expect(await code(phone.session.listSessions())).toMatch(/INVALID_TOKEN|INVALID_REFRESH_TOKEN/);
      expect(await code(phone.session.refresh())).toBe('INVALID_REFRESH_TOKEN');
      // Old password out, new password in, same account key, every item decrypts.
      expect(await code(login('pat@example.com', 'pat old passphrase'))).toBe('INVALID_CREDENTIALS');
      const again = await login('pat@example.com', 'pat new passphrase');
      expect(again.exportAccountKey()).toEqual(laptop.exportAccountKey());
      for (const item of items) expect((await again.get(item.id)).content).toEqual(item.content);
      await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('pat@example.com') && /password was changed/i.test(m.subject));
      const actions = (await t.storage.audit.listForUser(laptop.userId, 50)).map((e) => e.action);
      expect(actions).toContain('account.password_changed');
    });

    it('refuses a recent password on the client (history of 5, sealed in the account data)', async () => {
      const policyClient = new WatchwordClient({ serverUrl: BASE, fetch: t.fetch, kdfVersion: 0, dpop: false });
      const first = 'Granite-Meadow-Oyster-71';
      await policyClient.register({ email: 'hist@example.com', password: first });
      let vault = await policyClient.login({ email: 'hist@example.com', password: first });
      expect(vault.account.accountData).not.toBeNull();
      const second = 'Velvet-Compass-Harbor-38';
      await policyClient.changePassword(vault, { currentPassword: first, newPassword: second });
      vault = await policyClient.login({ email: 'hist@example.com', password: second });
      const refused = await policyClient.changePassword(vault, { currentPassword: second, newPassword: first }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ name: 'PasswordPolicyError', problems: ['reused'] });
      // Too weak is refused before anything is sent.
      const sent = t.requests.length;
      const weak = await policyClient.changePassword(vault, { currentPassword: second, newPassword: 'password1234' }).catch((e: unknown) => e);
      expect(weak).toMatchObject({ name: 'PasswordPolicyError' });
      expect(t.requests.length).toBe(sent);
    });

    it('rejects a change started by another session or without fresh authentication', async () => {
      await client().register({ email: 'pc@example.com', password: 'pc passphrase' });
      const vault = await login('pc@example.com', 'pc passphrase');
      const token = await vault.session.accessToken();
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/account/password/start',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ reauthToken: 'A'.repeat(43), registrationRequest: 'AAAA' }),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('REAUTH_REQUIRED');
    });
  });

  describe('a login in flight when the password changes', () => {
    const post = (url: string, body: unknown) => t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    /** A raw login start with `password`; `finish` later proves it (as a client that kept the start pending would). */
    async function startLogin(email: string, password: string) {
      const { opaqueClient } = await import('@watchword/protocol');
      const { clientLoginState, startLoginRequest } = opaqueClient.startLogin(password);
      const start = (await post('/api/v1/auth/login/start', { email, startLoginRequest })).json();
      return () => {
        const { finishLoginRequest } = opaqueClient.finishLogin({ clientLoginState, loginResponse: start.loginResponse, password, kdfVersion: start.kdfVersion });
        return post('/api/v1/auth/login/finish', { loginId: start.loginId, finishLoginRequest, deviceName: 'kept pending' });
      };
    }
    const credentialChanged = async (userId: string) =>
      (await t.storage.audit.listForUser(userId, 50)).filter((e) => e.action === 'auth.login' && e.outcome === 'failure' && e.context.reason === 'credential_changed');

    it('cannot finish after a password change: the old password proves nothing any more', async () => {
      await client().register({ email: 'pending@example.com', password: 'pending old passphrase' });
      const vault = await login('pending@example.com', 'pending old passphrase');
      const control = await startLogin('pending@example.com', 'pending old passphrase');
      expect((await control()).statusCode).toBe(200);
      const finish = await startLogin('pending@example.com', 'pending old passphrase');
      await client().changePassword(vault, { currentPassword: 'pending old passphrase', newPassword: 'pending new passphrase' });
      const res = await finish();
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(await credentialChanged(vault.userId)).toHaveLength(1);
      // The new password works; the refused finish opened no session (the one there is the control's).
      await login('pending@example.com', 'pending new passphrase');
      expect((await t.storage.sessions.listForUser(vault.userId)).filter((s) => s.deviceName === 'kept pending')).toHaveLength(1);
    });

    it('cannot finish after a recovery either', async () => {
      const { recoveryKey } = await client().register({ email: 'pending-rec@example.com', password: 'pending rec passphrase' });
      const finish = await startLogin('pending-rec@example.com', 'pending rec passphrase');
      const count = smtp.messages.length;
      await client().requestRecovery('pending-rec@example.com');
      const token = await tokenFrom(smtp, 'pending-rec@example.com', /Recover your/, count);
      await client().recover({ token, recoveryKey, newPassword: 'pending rec new passphrase', email: 'pending-rec@example.com' });
      const res = await finish();
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
    });

    it('a login waiting for its second factor cannot complete after a password change', async () => {
      const password = 'pending two-step passphrase';
      await client().register({ email: 'pending-2fa@example.com', password });
      const vault = await login('pending-2fa@example.com', password);
      const security = client().security(vault.session);
      const secret = parseOtpauthUri((await security.enrolTotp(password)).otpauthUri).secret;
      await security.confirmTotp(await totp(secret, t.clock.now));
      const pending = (await (await startLogin('pending-2fa@example.com', password))()).json();
      expect(pending.mfaRequired).toBe(true);
      await client().changePassword(vault, { currentPassword: password, newPassword: 'pending two-step new passphrase' });
      t.clock.advance(30_000);
      const res = await post('/api/v1/auth/mfa', { mfaToken: pending.mfaToken, method: 'totp', code: await totp(secret, t.clock.now) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(await credentialChanged(vault.userId)).toHaveLength(1);
    });
  });

  describe('recovery', () => {
    let owner: Vault;
    let recoveryKey: string;
    let itemId: string;

    beforeAll(async () => {
      ({ recoveryKey } = await client().register({ email: 'rita@example.com', password: 'rita passphrase' }));
      owner = await login('rita@example.com', 'rita passphrase');
      itemId = (await owner.add({ type: 'note', name: 'diary', fields: [], notes: 'dear diary' })).id;
    });

    it('answers a request identically for known and unknown addresses; only the owner gets a mail', async () => {
      const ask = (email: string) =>
        t.app.inject({ method: 'POST', url: '/api/v1/auth/recovery/request', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email }) });
      const known = await ask('rita@example.com');
      const unknown = await ask('nobody-here@example.com');
      expect(known.statusCode).toBe(202);
      expect(unknown.statusCode).toBe(known.statusCode);
      expect(unknown.body).toBe(known.body);
      await tokenFrom(smtp, 'rita@example.com', /Recover your/);
      await new Promise((r) => setTimeout(r, 200));
      expect(smtp.messages.some((m) => m.to.includes('nobody-here@example.com'))).toBe(false);
    });

    it('refuses expired, used and forged tokens', async () => {
      let count = smtp.messages.length;
      await client().requestRecovery('rita@example.com');
      const expired = await tokenFrom(smtp, 'rita@example.com', /Recover your/, count);
      t.clock.advance(31 * 60_000);
      const input = { recoveryKey, newPassword: 'rita new passphrase', email: 'rita@example.com' };
      expect(await code(client().recover({ ...input, token: expired }))).toBe('INVALID_EMAIL_TOKEN');
      expect(await code(client().recover({ ...input, token: 'B'.repeat(43) }))).toBe('INVALID_EMAIL_TOKEN');
      // A newer request supersedes an older token.
      count = smtp.messages.length;
      await client().requestRecovery('rita@example.com');
      const older = await tokenFrom(smtp, 'rita@example.com', /Recover your/, count);
      count = smtp.messages.length;
      await client().requestRecovery('rita@example.com');
      await tokenFrom(smtp, 'rita@example.com', /Recover your/, count);
      expect(await code(client().recover({ ...input, token: older }))).toBe('INVALID_EMAIL_TOKEN');
    });

    it('a mistyped recovery key is caught on the client before the mail token is spent', async () => {
      const count = smtp.messages.length;
      await client().requestRecovery('rita@example.com');
      const token = await tokenFrom(smtp, 'rita@example.com', /Recover your/, count);
      const typo = recoveryKey.slice(0, 5) + (recoveryKey[5] === 'A' ? 'B' : 'A') + recoveryKey.slice(6);
      const sent = t.requests.length;
      expect(await code(client().recover({ token, recoveryKey: typo, newPassword: 'rita other passphrase', email: 'rita@example.com' }))).toBe('VALIDATION_FAILED');
      expect(t.requests.length).toBe(sent);
      // The token is still good (it is superseded by the next request in the tests below).
      const { opaqueClient } = await import('@watchword/protocol');
      const start = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/recovery/start',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ token, registrationRequest: opaqueClient.startRegistration('x passphrase').registrationRequest }),
      });
      expect(start.statusCode).toBe(200);
    });

    it('refuses a wrong recovery key: nothing changes, the password still works', async () => {
      const other = (await client().register({ email: 'x-other@example.com', password: 'other passphrase' })).recoveryKey;
      const count = smtp.messages.length;
      await client().requestRecovery('rita@example.com');
      const token = await tokenFrom(smtp, 'rita@example.com', /Recover your/, count);
      const before = await t.storage.users.findByEmail('rita@example.com');
      // Another account's key cannot unwrap this account key: the SDK stops before sending anything.
      await expect(client().recover({ token, recoveryKey: other, newPassword: 'rita new passphrase', email: 'rita@example.com' })).rejects.toThrow();
      expect(await t.storage.users.findByEmail('rita@example.com')).toEqual(before);
      await login('rita@example.com', 'rita passphrase');
    });

    it('sets a new password with the recovery key: items readable, sessions ended, key rotated, owner told', async () => {
      const count = smtp.messages.length;
      await client().requestRecovery('rita@example.com');
      const token = await tokenFrom(smtp, 'rita@example.com', /Recover your/, count);
      const { recoveryKey: rotated } = await client().recover({ token, recoveryKey, newPassword: 'rita new passphrase', email: 'rita@example.com' });
      expect(rotated).not.toBe(recoveryKey);
      expect(await code(owner.session.refresh())).toBe('INVALID_REFRESH_TOKEN');
      expect(await code(login('rita@example.com', 'rita passphrase'))).toBe('INVALID_CREDENTIALS');
      const vault = await login('rita@example.com', 'rita new passphrase');
      expect(vault.exportAccountKey()).toEqual(owner.exportAccountKey());
      expect((await vault.get(itemId)).content).toMatchObject({ name: 'diary', notes: 'dear diary' });
      // The token worked once.
      expect(await code(client().recover({ token, recoveryKey: rotated, newPassword: 'rita third passphrase', email: 'rita@example.com' }))).toBe('INVALID_EMAIL_TOKEN');
      // The old recovery key no longer opens the account key; the new one does.
      const user = (await t.storage.users.findByEmail('rita@example.com'))!;
      await expect(recoverAccountKey({ recoveryKey, userId: user.id, recoverySalt: user.recoverySalt, recoveryWrappedKey: user.recoveryWrappedKey })).rejects.toThrow();
      expect(await recoverAccountKey({ recoveryKey: rotated, userId: user.id, recoverySalt: user.recoverySalt, recoveryWrappedKey: user.recoveryWrappedKey })).toEqual(
        vault.exportAccountKey(),
      );
      await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('rita@example.com') && /recovered/.test(m.subject));
      const actions = (await t.storage.audit.listForUser(user.id, 50)).map((e) => `${e.action}:${e.outcome}`);
      expect(actions).toContain('recovery.completed:success');
      expect(actions).toContain('recovery.requested:success');
    });

    it('a raw finish with a wrong verifier is refused and uses the token up', async () => {
      const count = smtp.messages.length;
      await client().requestRecovery('rita@example.com');
      const token = await tokenFrom(smtp, 'rita@example.com', /Recover your/, count);
      const post = (url: string, body: unknown) =>
        t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      const { opaqueClient } = await import('@watchword/protocol');
      const { registrationRequest } = opaqueClient.startRegistration('whatever passphrase');
      const start = await post('/api/v1/auth/recovery/start', { token, registrationRequest });
      expect(start.statusCode).toBe(200);
      const before = await t.storage.users.findByEmail('rita@example.com');
      const s = 'A'.repeat(43);
      const finish = await post('/api/v1/auth/recovery/finish', {
        recoveryId: start.json().recoveryId,
        recoveryVerifier: s,
        registrationRecord: s,
        kdfVersion: 0,
        keys: { kekSalt: s, wrappedAccountKey: s, recoverySalt: s, recoveryWrappedKey: s, recoveryVerifier: s },
      });
      expect(finish.statusCode).toBe(401);
      expect(finish.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(await t.storage.users.findByEmail('rita@example.com')).toEqual(before);
      expect((await post('/api/v1/auth/recovery/start', { token, registrationRequest })).json().error.code).toBe('INVALID_EMAIL_TOKEN');
    });
  });

  describe('reset and lose the vault', () => {
    it('needs the exact confirmation phrase; then every item is gone and the account starts over', async () => {
      await client().register({ email: 'vic@example.com', password: 'vic passphrase' });
      const vault = await login('vic@example.com', 'vic passphrase');
      await vault.add({ type: 'note', name: 'lost', fields: [], notes: 'gone soon' });
      const userId = vault.userId;
      let count = smtp.messages.length;
      await client().requestRecovery('vic@example.com');
      const token = await tokenFrom(smtp, 'vic@example.com', /Recover your/, count);
      expect(await code(client().resetVault({ token, newPassword: 'vic new passphrase', email: 'vic@example.com', confirm: 'yes' }))).toBe('VALIDATION_FAILED');
      count = smtp.messages.length;
      const { recoveryKey } = await client().resetVault({ token, newPassword: 'vic new passphrase', email: 'vic@example.com', confirm: VAULT_RESET_CONFIRMATION });
      expect(recoveryKey).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){13}$/);
      expect(await code(vault.session.refresh())).toBe('INVALID_REFRESH_TOKEN');
      const fresh = await login('vic@example.com', 'vic new passphrase');
      expect(fresh.userId).toBe(userId);
      expect(fresh.exportAccountKey()).not.toEqual(vault.exportAccountKey());
      expect(await fresh.list()).toEqual([]);
      expect((await t.storage.items.list(userId)).items).toEqual([]);
      await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('vic@example.com') && /reset|erased|lost/i.test(m.subject));
      expect((await t.storage.audit.listForUser(userId, 50)).map((e) => e.action)).toContain('recovery.vault_reset');
    });

    it("takes an administrator's granted roles: the mailbox alone must not keep administration", async () => {
      await client().register({ email: 'ada@example.com', password: 'ada passphrase' });
      const vault = await login('ada@example.com', 'ada passphrase');
      expect(await t.storage.roles.grant(vault.userId, 'admin', null, t.clock.now)).toBe('granted');
      const adminHeaders = async (v: Vault) => ({ authorization: `Bearer ${await v.session.accessToken()}` });
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: await adminHeaders(vault) })).statusCode).toBe(200);
      const count = smtp.messages.length;
      await client().requestRecovery('ada@example.com');
      const token = await tokenFrom(smtp, 'ada@example.com', /Recover your/, count);
      await client().resetVault({ token, newPassword: 'ada new passphrase', email: 'ada@example.com', confirm: VAULT_RESET_CONFIRMATION });
      const fresh = await login('ada@example.com', 'ada new passphrase');
      const denied = await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: await adminHeaders(fresh) });
      expect([denied.statusCode, denied.json().error.code]).toEqual([403, 'FORBIDDEN']);
      expect(await t.storage.roles.rolesOf(vault.userId)).toEqual(['user']);
      const reset = (await t.storage.audit.listForUser(vault.userId, 50)).find((e) => e.action === 'recovery.vault_reset');
      expect(reset?.context).toMatchObject({ rolesRemoved: 'admin' });
    });

    it('a raw reset without the phrase is refused by the schema', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/recovery/reset-vault',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ recoveryId: 'A'.repeat(43), confirm: 'erase', registrationRecord: 'A', kdfVersion: 0, keys: {} }),
      });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('account deletion', () => {
    it('needs fresh authentication and the address typed again; removes everything but the audit event', async () => {
      await client().register({ email: 'del@example.com', password: 'del passphrase' });
      const vault = await login('del@example.com', 'del passphrase');
      const other = await login('del@example.com', 'del passphrase', 'phone');
      await vault.add({ type: 'note', name: 'bye', fields: [], notes: 'bye' });
      const userId = vault.userId;
      const security = client().security(vault.session);
      expect(await code(security.deleteAccount('wrong passphrase', 'del@example.com'))).toBe('INVALID_CREDENTIALS');
      expect(await code(security.deleteAccount('del passphrase', 'someone@example.com'))).toBe('VALIDATION_FAILED');
      expect(await t.storage.users.findById(userId)).toBeDefined();
      const count = smtp.messages.length;
      await security.deleteAccount('del passphrase', 'DEL@example.com');
      expect(await t.storage.users.findById(userId)).toBeUndefined();
      expect((await t.storage.items.list(userId)).items).toEqual([]);
      expect(await t.storage.sessions.listForUser(userId)).toEqual([]);
      expect(await t.storage.vaults.listForUser(userId)).toEqual([]);
      expect(await code(other.list())).toMatch(/INVALID_TOKEN|INVALID_REFRESH_TOKEN/);
      expect(await code(login('del@example.com', 'del passphrase'))).toBe('INVALID_CREDENTIALS');
      const events = await t.storage.audit.listForUser(userId, 50);
      expect(events.map((e) => e.action)).toContain('account.deleted');
      expect(JSON.stringify(events)).not.toContain('del passphrase');
      await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('del@example.com') && /deleted/i.test(m.subject));
      // The address is free again.
      await client().register({ email: 'del@example.com', password: 'del again passphrase' });
      await login('del@example.com', 'del again passphrase');
    });
  });

  it('tells the owner about a login from a new device, not about a known one', async () => {
    await client().register({ email: 'dev@example.com', password: 'dev passphrase' });
    await login('dev@example.com', 'dev passphrase', 'laptop');
    let count = smtp.messages.length;
    await login('dev@example.com', 'dev passphrase', 'laptop');
    await login('dev@example.com', 'dev passphrase', 'Pocket <b>phone</b>\r\nBcc: evil@example.com');
    const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('dev@example.com') && /New sign-in/.test(m.subject));
    expect(mail.text).toContain('Pocket <b>phone</b>');
    expect(mail.headers.has('bcc')).toBe(false);
    expect(smtp.messages.slice(count).filter((m) => /New sign-in/.test(m.subject))).toHaveLength(1);
    count = smtp.messages.length;
  });

  it('tells the owner about a new device on a login that passed a second factor too', async () => {
    const password = 'two-step passphrase';
    await client().register({ email: 'two@example.com', password });
    const vault = await login('two@example.com', password, 'laptop');
    const security = client().security(vault.session);
    const secret = parseOtpauthUri((await security.enrolTotp(password)).otpauthUri).secret;
    await security.confirmTotp(await totp(secret, t.clock.now));
    // Each login's code from a step of its own (a step is used once).
    const withCode = (deviceName: string) => {
      t.clock.advance(30_000);
      return client().login({ email: 'two@example.com', password, deviceName, secondFactor: async () => ({ method: 'totp', code: await totp(secret, t.clock.now) }) });
    };
    const newSignIns = (after: number) => smtp.messages.slice(after).filter((m) => m.to.includes('two@example.com') && /New sign-in/.test(m.subject));
    const count = smtp.messages.length;
    await withCode('laptop');
    await withCode('tablet');
    const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('two@example.com') && /New sign-in/.test(m.subject));
    expect(mail.text).toContain('tablet');
    expect(newSignIns(count)).toHaveLength(1);
  });

  it('every mail and log line is free of tokens and keys the flows used', async () => {
    const logs = t.logs.join('\n');
    for (const m of smtp.messages) {
      const token = /token=([A-Za-z0-9_-]{43,64})/.exec(m.text)?.[1];
      if (token) expect(logs).not.toContain(token);
    }
  });
});

describe('recovery requests are throttled like a credential path, identically for known and unknown addresses', () => {
  it('refuses the sixth request for one address from one IP with 429 and Retry-After', async () => {
    const t = await createTestApp('sqlite');
    try {
      await new WatchwordClient({ passwordPolicy: false, serverUrl: BASE, fetch: t.fetch, kdfVersion: 0 }).register({ email: 'known@example.com', password: 'known passphrase' });
      for (const email of ['known@example.com', 'unknown@example.com']) {
        const statuses: number[] = [];
        let last;
        for (let i = 0; i < 6; i++) {
          last = await t.app.inject({ method: 'POST', url: '/api/v1/auth/recovery/request', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email }) });
          statuses.push(last.statusCode);
        }
        expect(statuses, email).toEqual([202, 202, 202, 202, 202, 429]);
        expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await t.close();
    }
  });
});
