/**
 * The audit log (security spec "Audit"): every listed security event leaves one row — actor, action, target, IP,
 * user agent, outcome, request id (the response's x-request-id) and context — on SQLite and on PostgreSQL; no row
 * and no log line (LOG_LEVEL trace) holds a secret the flows used; old rows go only through the retention job.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchLike, type Vault, WatchwordClient } from '@watchword/client';
import { exportVault } from '@watchword/client/export';
import { ensureOpaqueReady, opaqueClient, parseOtpauthUri, totp } from '@watchword/protocol';
import { AUDIT_ACTIONS } from '../../src/audit/audit.ts';
import { AUDIT_RETENTION_INTERVAL_MS, pruneAuditLog, startAuditRetention } from '../../src/audit/retention.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { openStorage } from '../../src/storage/index.ts';
import type { AuditEventRecord } from '../../src/storage/audit.ts';
import { createTempDir, findSecrets, startServerProcess } from '@watchword/testkit';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp.ts';
import { code } from '../support/error-code.ts';

const BASE = 'http://watchword.test';
const UA = 'AuditProbe/7.3 (audit-events test)';
const DAY = 86_400_000;
/** Body fields that carry secrets, in requests and responses. */
const SECRET_FIELDS = new Set(['password', 'refreshToken', 'accessToken', 'reauthToken', 'mfaToken', 'token', 'code', 'backupCodes', 'secret', 'otpauthUri', 'recoveryVerifier', 'recoveryKey', 'data', 'clientSecret']);

interface Exchange {
  method: string;
  path: string;
  status: number;
  requestId: string;
}

const sidOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sid: string }).sid;

describe.each(backendsUnderTest())('audit events ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  const exchanges: Exchange[] = [];
  const secrets: Record<string, string> = {};
  /** Six-digit TOTP codes: too short for findSecrets' encodings, looked for as whole numbers instead. */
  const totpCodes = new Set<string>();
  let n = 0;
  const remember = (label: string, value: string) => {
    if (value.length >= 8) secrets[`${label} #${++n}`] = value;
  };
  /** Every secret-bearing field of a JSON body, at any depth. */
  const harvest = (text: string, where: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const walk = (value: unknown, key: string | null) => {
      // A response's `code` is an error code (catalogue), not a second-factor code.
      if (typeof value === 'string' && key !== null && SECRET_FIELDS.has(key) && !(where === 'response' && key === 'code')) {
        if (/^[0-9]{6}$/.test(value)) totpCodes.add(value);
        else remember(`${where} ${key}`, value);
      } else if (Array.isArray(value)) for (const v of value) walk(v, key);
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
    };
    walk(parsed, null);
  };

  /** Through the app with our user agent; records each exchange and harvests the secrets of both bodies. */
  const fetch: FetchLike = async (input, init) => {
    const headers = { ...(init.headers as Record<string, string>), 'user-agent': UA };
    if (typeof init.body === 'string') harvest(init.body, 'request');
    const res = await t.fetch(input, { ...init, headers });
    const text = await res.clone().text();
    harvest(text, 'response');
    exchanges.push({ method: init.method ?? 'GET', path: new URL(input).pathname, status: res.status, requestId: res.headers.get('x-request-id') ?? '' });
    return res;
  };
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: BASE, fetch, kdfVersion: 0, dpop: false });
  const raw = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
    const res = await fetch(`${BASE}${path}`, {
      method,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null, requestId: res.headers.get('x-request-id') ?? '' };
  };
  const last = (method: string, path: string | RegExp): Exchange => {
    const found = exchanges.findLast((e) => e.method === method && (typeof path === 'string' ? e.path === path : path.test(e.path)));
    if (!found) throw new Error(`no ${method} ${String(path)} was sent`);
    return found;
  };

  const signUp = async (email: string, password: string) => {
    remember('master password', password);
    const { userId, recoveryKey } = await client().register({ email, password });
    remember('recovery key', recoveryKey);
    return { userId, recoveryKey };
  };
  const login = async (email: string, password: string, extra: Partial<Parameters<WatchwordClient['login']>[0]> = {}) => {
    const vault = await client().login({ email, password, deviceName: 'audit-laptop', ...extra });
    remember('access token', vault.session.tokens.accessToken);
    remember('refresh token', vault.session.tokens.refreshToken);
    return vault;
  };

  /** The one row of `action` written by the request `ex` answered, with the fields every row must have. */
  const expectEvent = async (action: string, ex: Exchange, expected: Partial<AuditEventRecord>): Promise<AuditEventRecord> => {
    expect(ex.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const rows = (await t.storage.audit.query({ action }, undefined, 1000)).filter((r) => r.requestId === ex.requestId);
    expect(rows, `${action} for ${ex.method} ${ex.path}`).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ action, ip: '127.0.0.1', userAgent: UA, requestId: ex.requestId, ...expected });
    expect(Math.abs(row.at - t.clock.now)).toBeLessThan(1000);
    expect(AUDIT_ACTIONS as readonly string[]).toContain(row.action);
    return row;
  };

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    t = await createTestApp(
      dialect,
      {
        LOG_LEVEL: 'trace',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Watchword <vault@watchword.test>',
        LOGIN_FREE_ATTEMPTS: '3',
        LOGIN_ACCOUNT_FREE_ATTEMPTS: '3',
      },
      { state },
    );
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('registration', async () => {
    const { userId } = await signUp('reg@example.com', 'reg master passphrase');
    await expectEvent('account.register', last('POST', '/api/v1/auth/register/finish'), { actorId: userId, targetId: userId, outcome: 'success' });
  });

  it('login success and failure', async () => {
    const { userId } = await signUp('lou@example.com', 'lou master passphrase');
    await login('lou@example.com', 'lou master passphrase');
    await expectEvent('auth.login', last('POST', '/api/v1/auth/login/finish'), { actorId: userId, targetId: userId, outcome: 'success', context: { device: 'audit-laptop', dpop: false } });
    // With OPAQUE a wrong password already fails on the client, which then sends nothing: the server sees a failure
    // only as a proof that does not verify — here the proof of another handshake of the same account.
    expect(await code(login('lou@example.com', 'not lou’s passphrase'))).toBe('INVALID_CREDENTIALS');
    remember('wrong password', 'not lou’s passphrase');
    await ensureOpaqueReady();
    const handshake = async () => {
      const { clientLoginState, startLoginRequest } = opaqueClient.startLogin('lou master passphrase');
      const start = await raw('POST', '/api/v1/auth/login/start', { body: { email: 'lou@example.com', startLoginRequest } });
      const { loginId, loginResponse, kdfVersion } = start.body as { loginId: string; loginResponse: string; kdfVersion: number };
      const finished = opaqueClient.finishLogin({ clientLoginState, loginResponse, password: 'lou master passphrase', kdfVersion });
      if (!finished) throw new Error('OPAQUE login failed on the client');
      return { loginId, finishLoginRequest: finished.finishLoginRequest };
    };
    const [a, b] = [await handshake(), await handshake()];
    const mixed = await raw('POST', '/api/v1/auth/login/finish', { body: { loginId: a.loginId, finishLoginRequest: b.finishLoginRequest, deviceName: 'audit-laptop' } });
    expect(mixed.status).toBe(401);
    await expectEvent('auth.login', last('POST', '/api/v1/auth/login/finish'), { actorId: userId, targetId: userId, outcome: 'failure', context: {} });
  });

  it('login throttled: the refused attempt names the account (when there is one) and the wait', async () => {
    const { userId } = await signUp('thr@example.com', 'thr master passphrase');
    await ensureOpaqueReady();
    const start = (email: string) => raw('POST', '/api/v1/auth/login/start', { body: { email, startLoginRequest: opaqueClient.startLogin('guess').startLoginRequest } });
    for (const email of ['thr@example.com', 'nobody-thr@example.com']) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await start(email)).status);
      expect(statuses, email).toEqual([200, 200, 200, 429]);
      const row = await expectEvent('auth.throttled', last('POST', '/api/v1/auth/login/start'), {
        actorId: null,
        targetId: email === 'thr@example.com' ? userId : null,
        outcome: 'denied',
      });
      expect(row.context).toEqual({ step: 'login', retryAfter: expect.any(Number) });
    }
    // The owner sees it among their own events.
    t.clock.advance(3600_000);
    const vault = await login('thr@example.com', 'thr master passphrase');
    expect((await client().security(vault.session).activity()).map((e) => `${e.action}:${e.outcome}`)).toContain('auth.throttled:denied');
  });

  it('second factor: failure and success', async () => {
    const password = 'mia master passphrase';
    const { userId } = await signUp('mia@example.com', password);
    const vault = await login('mia@example.com', password);
    const security = client().security(vault.session);
    const enrolment = await security.enrolTotp(password);
    const secret = parseOtpauthUri(enrolment.otpauthUri).secret;
    remember('totp secret (hex)', Buffer.from(secret).toString('hex'));
    remember('totp secret (base64url)', Buffer.from(secret).toString('base64url'));
    const backupCodes = (await security.confirmTotp(await totp(secret, t.clock.now))) ?? [];
    for (const c of backupCodes) {
      remember('backup code', c);
      remember('backup code (normalised)', c.replaceAll('-', ''));
    }
    expect(backupCodes).toHaveLength(10);

    t.clock.advance(60_000);
    const right = await totp(secret, t.clock.now);
    const wrong = right === '000000' ? '111111' : '000000';
    totpCodes.add(right);
    expect(await code(login('mia@example.com', password, { secondFactor: async () => ({ method: 'totp', code: wrong }) }))).toBe('INVALID_SECOND_FACTOR');
    await expectEvent('auth.mfa', last('POST', '/api/v1/auth/mfa'), { actorId: userId, targetId: userId, outcome: 'failure', context: { method: 'totp' } });
    await login('mia@example.com', password, { secondFactor: async () => ({ method: 'totp', code: right }) });
    await expectEvent('auth.mfa', last('POST', '/api/v1/auth/mfa'), { actorId: userId, targetId: userId, outcome: 'success', context: { method: 'totp' } });
    await expectEvent('auth.login', last('POST', '/api/v1/auth/mfa'), { actorId: userId, outcome: 'success' });
  });

  it('password change', async () => {
    const { userId } = await signUp('pam@example.com', 'pam master passphrase');
    const vault = await login('pam@example.com', 'pam master passphrase');
    await vault.add({ type: 'note', name: 'pam note', fields: [], notes: 'pam item content: the blue key is under the mat' });
    remember('item content', 'the blue key is under the mat');
    remember('new master password', 'pam new passphrase');
    await client().changePassword(vault, { currentPassword: 'pam master passphrase', newPassword: 'pam new passphrase' });
    await expectEvent('account.password_changed', last('POST', '/api/v1/account/password/finish'), { actorId: userId, targetId: userId, outcome: 'success' });
  });

  it('vault export: after fresh authentication, the format and item count — never the content', async () => {
    const { userId } = await signUp('exa@example.com', 'exa master passphrase');
    const vault = await login('exa@example.com', 'exa master passphrase');
    await vault.add({ type: 'note', name: 'exa note', fields: [], notes: 'exa item content: the red key is in the drawer' });
    remember('item content', 'the red key is in the drawer');
    await exportVault(vault, { format: 'csv', masterPassword: 'exa master passphrase' });
    await expectEvent('account.exported', last('POST', '/api/v1/account/export-events'), { actorId: userId, targetId: userId, outcome: 'success', context: { format: 'csv', items: 1 } });
  });

  it('recovery: request and completion', async () => {
    const { userId, recoveryKey } = await signUp('rio@example.com', 'rio master passphrase');
    const count = smtp.messages.length;
    await client().requestRecovery('rio@example.com');
    await expectEvent('recovery.requested', last('POST', '/api/v1/auth/recovery/request'), { actorId: null, targetId: userId, outcome: 'success' });
    const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= count && m.to.includes('rio@example.com') && /Recover your/.test(m.subject));
    const token = /[#?&]token=([A-Za-z0-9_-]{43,64})/.exec(mail.text)?.[1] ?? '';
    remember('recovery mail token', token);
    remember('new master password', 'rio new passphrase');
    const { recoveryKey: rotated } = await client().recover({ token, recoveryKey, newPassword: 'rio new passphrase', email: 'rio@example.com' });
    remember('rotated recovery key', rotated);
    await expectEvent('recovery.completed', last('POST', '/api/v1/auth/recovery/finish'), { actorId: userId, targetId: userId, outcome: 'success' });
  });

  it('refresh-token reuse ends the session and is recorded against the account, not the presenter', async () => {
    const { userId } = await signUp('ray@example.com', 'ray master passphrase');
    const vault = await login('ray@example.com', 'ray master passphrase');
    const first = vault.session.tokens.refreshToken;
    expect((await raw('POST', '/api/v1/auth/refresh', { body: { refreshToken: first } })).status).toBe(200);
    t.clock.advance(11_000);
    const reuse = await raw('POST', '/api/v1/auth/refresh', { body: { refreshToken: first } });
    expect(reuse.status).toBe(401);
    await expectEvent('token.reuse_detected', last('POST', '/api/v1/auth/refresh'), {
      actorId: null,
      targetId: userId,
      outcome: 'denied',
      context: { session: sidOf(vault.session.tokens.accessToken), reason: 'reuse' },
    });
  });

  it('logout, logout everywhere and ending one session', async () => {
    const { userId } = await signUp('leo@example.com', 'leo master passphrase');
    const one = await login('leo@example.com', 'leo master passphrase');
    await one.session.logout();
    await expectEvent('auth.logout', last('POST', '/api/v1/auth/logout'), { actorId: userId, targetId: userId, outcome: 'success', context: { session: sidOf(one.session.tokens.accessToken) } });

    const laptop = await login('leo@example.com', 'leo master passphrase');
    const phone = await login('leo@example.com', 'leo master passphrase', { deviceName: 'audit-phone' });
    await laptop.session.revokeSession(sidOf(phone.session.tokens.accessToken));
    await expectEvent('session.revoked', last('DELETE', /^\/api\/v1\/sessions\//), {
      actorId: userId,
      targetId: userId,
      outcome: 'success',
      context: { session: sidOf(phone.session.tokens.accessToken), current: false },
    });

    await login('leo@example.com', 'leo master passphrase', { deviceName: 'audit-tablet' });
    expect(await laptop.session.logoutAll()).toBe(2);
    await expectEvent('auth.logout_all', last('POST', '/api/v1/auth/logout-all'), { actorId: userId, targetId: userId, outcome: 'success', context: { sessionsRevoked: 2 } });
  });

  it('role grant and revocation, and an admin operation', async () => {
    const { userId: ownerId } = await signUp('own@example.com', 'own master passphrase');
    expect(await t.storage.roles.grant(ownerId, 'owner', null, t.clock.now)).toBe('granted');
    const owner = await login('own@example.com', 'own master passphrase');
    const { userId } = await signUp('ada@example.com', 'ada master passphrase');
    const token = owner.session.tokens.accessToken;

    expect((await raw('PUT', `/api/v1/admin/users/${userId}/roles/auditor`, { token, body: {} })).status).toBe(200);
    await expectEvent('admin.role_granted', last('PUT', /\/roles\/auditor$/), { actorId: ownerId, targetId: userId, outcome: 'success', context: expect.objectContaining({ role: 'auditor' }) });
    expect(await t.storage.roles.rolesOf(userId)).toContain('auditor');
    expect((await raw('DELETE', `/api/v1/admin/users/${userId}/roles/auditor`, { token })).status).toBe(200);
    await expectEvent('admin.role_revoked', last('DELETE', /\/roles\/auditor$/), { actorId: ownerId, targetId: userId, outcome: 'success', context: expect.objectContaining({ role: 'auditor' }) });
    expect(await t.storage.roles.rolesOf(userId)).not.toContain('auditor');

    expect((await raw('POST', `/api/v1/admin/users/${userId}/disable`, { token, body: {} })).status).toBe(200);
    await expectEvent('admin.user_disabled', last('POST', /\/disable$/), { actorId: ownerId, targetId: userId, outcome: 'success' });
    expect((await raw('POST', `/api/v1/admin/users/${userId}/sessions/revoke`, { token, body: {} })).status).toBe(200);
    await expectEvent('admin.sessions_revoked', last('POST', /\/sessions\/revoke$/), { actorId: ownerId, targetId: userId, outcome: 'success' });
  });

  it('OAuth clients and API keys: every change is an event, the secrets in none', async () => {
    const { userId: adminId } = await signUp('oauth-admin@example.com', 'oauth admin passphrase');
    expect(await t.storage.roles.grant(adminId, 'admin', null, t.clock.now)).toBe('granted');
    const admin = await login('oauth-admin@example.com', 'oauth admin passphrase');
    const token = admin.session.tokens.accessToken;
    const created = await raw('POST', '/api/v1/admin/oauth/clients', { token, body: { name: 'Wiki', redirectUris: ['https://wiki.example/cb'] } });
    expect(created.status).toBe(201);
    const clientId = (created.body?.client as { clientId: string }).clientId;
    await expectEvent('admin.oauth_client_created', last('POST', '/api/v1/admin/oauth/clients'), { actorId: adminId, outcome: 'success', context: { client: clientId, public: false } });
    expect((await raw('POST', `/api/v1/admin/oauth/clients/${clientId}/secret`, { token, body: {} })).status).toBe(200);
    await expectEvent('admin.oauth_client_secret_rotated', last('POST', /\/secret$/), { actorId: adminId, outcome: 'success', context: { client: clientId } });
    expect((await raw('POST', `/api/v1/admin/oauth/clients/${clientId}/disable`, { token, body: {} })).status).toBe(200);
    await expectEvent('admin.oauth_client_disabled', last('POST', /\/oauth\/clients\/.*\/disable$/), { actorId: adminId, outcome: 'success', context: { client: clientId } });
    expect((await raw('POST', `/api/v1/admin/oauth/clients/${clientId}/enable`, { token, body: {} })).status).toBe(200);
    await expectEvent('admin.oauth_client_enabled', last('POST', /\/oauth\/clients\/.*\/enable$/), { actorId: adminId, outcome: 'success', context: { client: clientId } });
    expect((await raw('DELETE', `/api/v1/admin/oauth/clients/${clientId}`, { token })).status).toBe(200);
    await expectEvent('admin.oauth_client_deleted', last('DELETE', /\/oauth\/clients\//), { actorId: adminId, outcome: 'success', context: { client: clientId } });

    const key = await raw('POST', '/api/v1/api-keys', { token, body: { name: 'backups', readOnly: true } });
    expect(key.status).toBe(201);
    const keyId = (key.body?.key as { clientId: string }).clientId;
    await expectEvent('apikey.created', last('POST', '/api/v1/api-keys'), { actorId: adminId, outcome: 'success', context: { key: keyId, readOnly: true } });
    expect((await raw('DELETE', `/api/v1/api-keys/${keyId}`, { token })).status).toBe(200);
    await expectEvent('apikey.revoked', last('DELETE', /\/api-keys\//), { actorId: adminId, outcome: 'success', context: { key: keyId } });
  });

  it('users read their own security events (ww activity), and only their own', async () => {
    const vault = await login('leo@example.com', 'leo master passphrase');
    const events = await client().security(vault.session).activity();
    const actions = events.map((e) => e.action);
    for (const action of ['account.register', 'auth.login', 'auth.logout', 'auth.logout_all', 'session.revoked']) expect(actions).toContain(action);
    expect(events.every((e) => e.userAgent === UA && e.ip === '127.0.0.1')).toBe(true);
    expect(actions).not.toContain('admin.role_granted');
  });

  it('no audit row and no log line holds a secret, token, code, key or item content', async () => {
    const rows = await t.storage.audit.query({}, undefined, 100_000);
    expect(rows.length).toBeGreaterThan(30);
    expect(t.logs.length).toBeGreaterThan(100);
    // The most talkative level, with every request and response line.
    expect(t.app.log.level).toBe('trace');
    expect(t.logs.some((l) => l.includes('incoming request'))).toBe(true);
    expect(Object.keys(secrets).length).toBeGreaterThan(40);
    for (const kind of ['master password', 'access token', 'refresh token', 'recovery key', 'backup code', 'totp secret', 'item content', 'recovery mail token', 'response mfaToken', 'response reauthToken']) {
      expect(Object.keys(secrets).filter((k) => k.includes(kind)), kind).not.toEqual([]);
    }
    // The scan works: the request bodies the flows sent are full of these secrets.
    expect(findSecrets(t.requests.map((r) => r.body).join('\n'), secrets).length).toBeGreaterThan(20);
    const auditText = JSON.stringify(rows);
    const logText = t.logs.join('\n');
    expect(findSecrets(auditText, secrets)).toEqual([]);
    expect(findSecrets(logText, secrets)).toEqual([]);
    expect(totpCodes.size).toBeGreaterThan(0);
    for (const c of totpCodes) {
      const asNumber = new RegExp(`(?<![0-9A-Za-z])${c}(?![0-9A-Za-z])`);
      expect(asNumber.test(auditText), `TOTP code ${c} in the audit log`).toBe(false);
      expect(asNumber.test(logText), `TOTP code ${c} in the log`).toBe(false);
    }
  });
});

describe.each(backendsUnderTest())('audit retention ($name)', ({ dialect }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const event = (at: number, action = 'auth.login'): AuditEventRecord => ({
    id: randomUUID(),
    at,
    actorId: null,
    action,
    targetId: null,
    ip: '192.0.2.1',
    userAgent: 'retention',
    outcome: 'success',
    requestId: randomUUID(),
    context: { retention: true },
  });
  const retained = async () => (await t.storage.audit.query({ actorId: undefined }, undefined, 100_000)).filter((e) => e.userAgent === 'retention');

  it('prunes only events older than AUDIT_RETENTION_DAYS (by the injected clock) and logs how many', async () => {
    const now = t.clock.now;
    const old = [event(now - 400 * DAY), event(now - 365 * DAY - 1)];
    const young = [event(now - 365 * DAY + 60_000), event(now - DAY), event(now)];
    for (const e of [...old, ...young]) await t.storage.audit.append(e);
    const lines: unknown[] = [];
    const log = { info: (obj: unknown) => void lines.push(obj), error: (obj: unknown) => void lines.push(obj) };
    const deps = { storage: t.storage, retentionDays: 365, now: () => t.clock.now, log: log as never };
    expect(await pruneAuditLog(deps)).toBe(2);
    expect((await retained()).map((e) => e.id).sort()).toEqual(young.map((e) => e.id).sort());
    expect(lines).toEqual([expect.objectContaining({ event: 'audit_retention', pruned: 2, retentionDays: 365 })]);
    // Nothing more to do until the clock moves on; then the next day's worth goes.
    expect(await pruneAuditLog(deps)).toBe(0);
    t.clock.advance(2 * DAY);
    expect(await pruneAuditLog(deps)).toBe(1);
    expect((await retained()).map((e) => e.id).sort()).toEqual(young.slice(1).map((e) => e.id).sort());
  });

  it('runs at start-up and then on its interval, with an unref’d timer, until stopped', async () => {
    const lines: { pruned?: number }[] = [];
    const log = { info: (obj: { pruned?: number }) => void lines.push(obj), error: (obj: { pruned?: number }) => void lines.push(obj) };
    await t.storage.audit.append(event(t.clock.now - 1000 * DAY));
    const job = startAuditRetention({ storage: t.storage, retentionDays: 30, now: () => t.clock.now, log: log as never }, 25);
    try {
      await job.first;
      expect(lines[0]?.pruned).toBe(1);
      await t.storage.audit.append(event(t.clock.now - 1000 * DAY));
      const deadline = Date.now() + 5000;
      while (!lines.some((l) => l.pruned === 1 && l !== lines[0]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(lines.filter((l) => l.pruned === 1)).toHaveLength(2);
    } finally {
      job.stop();
    }
    const after = lines.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(lines.length).toBe(after);
    expect(AUDIT_RETENTION_INTERVAL_MS).toBe(6 * 3600_000);
  });

  it('the repository can append, read and prune — nothing updates or deletes a row otherwise', () => {
    const writers = Object.keys(t.storage.audit).filter((k) => !/^(list|query|count|find|get|export|stream)/.test(k));
    expect(writers.sort()).toEqual(['append', 'prune']);
  });
});

describe('audit retention in the server process', () => {
  it('prunes at start-up and logs how many events went', async () => {
    const dir = await createTempDir();
    try {
      const storage = await openStorage({ dataDir: dir.path });
      await storage.migrateToLatest();
      const old = { id: randomUUID(), at: Date.now() - 31 * DAY, actorId: null, action: 'auth.login', targetId: null, ip: '192.0.2.1', userAgent: 'old', outcome: 'success' as const, requestId: randomUUID(), context: {} };
      const young = { ...old, id: randomUUID(), at: Date.now() - 29 * DAY };
      await storage.audit.append(old);
      await storage.audit.append(young);
      await storage.close();

      const server = await startServerProcess({ DATA_DIR: dir.path, AUDIT_RETENTION_DAYS: '30' });
      try {
        const deadline = Date.now() + 20_000;
        while (!/audit retention: pruned/.test(server.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        const line = server.output().split('\n').find((l) => l.includes('audit retention'));
        expect(JSON.parse(line ?? '{}')).toMatchObject({ event: 'audit_retention', pruned: 1, retentionDays: 30 });
      } finally {
        expect(await server.stop()).toBe(0);
      }
      const after = await openStorage({ dataDir: dir.path });
      expect((await after.audit.query({}, undefined, 10)).map((e) => e.id)).toEqual([young.id]);
      await after.close();
    } finally {
      await dir.remove();
    }
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  it('defaults to 365 and accepts 1..3650 only', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays).toBe(30);
    for (const bad of ['0', '3651', 'forever', '1.5']) expect(() => loadConfig({ AUDIT_RETENTION_DAYS: bad })).toThrow(ConfigError);
  });
});
