/**
 * Credential throttling (issue 4 "Brute force"): on the shipped throttle defaults (5 free attempts per account+IP,
 * 10 per account, backoff 1 s doubling to 15 min, IP block after 50 failures in 15 min), with the fake clock — never
 * sleeps. The volume limits are lifted here (they have their own file) so that only the throttle answers 429.
 * Runs on SQLite + memory state, and on PostgreSQL + Redis when those are available (CI).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { ensureOpaqueReady, opaqueClient } from '@watchword/protocol';
import { createCredentialThrottle } from '../../src/lib/throttle.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { newRefreshToken } from '../../src/tokens/refresh-token.ts';
import { dialectsUnderTest, type StateKind, stateKindsUnderTest } from '@watchword/testkit';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const PUBLIC = 'http://watchword.test';
const DAY_MS = 86_400_000;
const PASSWORD = 'the owner knows this one';
const setups = stateKindsUnderTest().map((state) => [state, state === 'redis' && dialectsUnderTest().includes('postgres') ? 'postgres' : 'sqlite'] as const);

interface Reply {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

describe.each(setups)('credential throttling (%s state, %s)', (state: StateKind, dialect) => {
  let t: TestApp;
  let wrongStart: string;
  const open = async (env: Record<string, string> = {}) => {
    await ensureOpaqueReady();
    wrongStart = opaqueClient.startLogin('a wrong guess').startLoginRequest;
    // Volume limits (20 auth requests per minute per IP) are out of the way here: rate-limit.test.ts covers them.
    // The fake clock starts just after the start of a failure window (fixed UTC-day windows by default), so a test
    // that advances it by the better part of an hour never crosses into the next window, whatever the real time.
    t = await createTestApp(dialect, env, { state, clockStart: Math.floor(Date.now() / DAY_MS) * DAY_MS + 1_000 });
    return t;
  };
  afterEach(async () => t?.close());

  const client = () => new WatchwordClient({ passwordPolicy: false,  serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
  const loginStart = (email: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}): Promise<Reply> =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login/start', remoteAddress, headers, payload: { email, startLoginRequest: wrongStart } });
  const retryAfter = (r: Reply) => Number(r.headers['retry-after']);
  const code = (r: Reply) => (JSON.parse(r.body) as { error?: { code: string } }).error?.code;
  const statuses = async (n: number, send: () => Promise<Reply>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await send()).statusCode);
    return out;
  };

  it('kicks in after the free attempts (429 + Retry-After), recovers when the backoff has passed, and a success resets it', async () => {
    await open();
    await client().register({ email: 'ann@example.com', password: PASSWORD });
    expect(await statuses(5, () => loginStart('ann@example.com'))).toEqual([200, 200, 200, 200, 200]);
    const throttled = await loginStart('ann@example.com');
    expect(throttled.statusCode).toBe(429);
    expect(code(throttled)).toBe('RATE_LIMITED');
    expect(retryAfter(throttled)).toBe(1);
    t.clock.advance(999);
    expect((await loginStart('ann@example.com')).statusCode).toBe(429);
    t.clock.advance(1);
    expect((await loginStart('ann@example.com')).statusCode).toBe(200);
    const next = await loginStart('ann@example.com');
    expect([next.statusCode, retryAfter(next)]).toEqual([429, 2]);
    t.clock.advance(2000);
    await client().login({ email: 'ann@example.com', password: PASSWORD });
    // Reset: the free attempts are back.
    expect(await statuses(6, () => loginStart('ann@example.com'))).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('backs off exponentially up to the cap and never locks the owner out, even after 200 failures', async () => {
    await open();
    await client().register({ email: 'ann@example.com', password: PASSWORD });
    const waits: number[] = [];
    let failures = 0;
    while (failures < 200) {
      const r = await loginStart('ann@example.com');
      if (r.statusCode === 200) {
        failures++;
        continue;
      }
      expect(r.statusCode).toBe(429);
      waits.push(retryAfter(r));
      t.clock.advance(retryAfter(r) * 1000);
    }
    expect(waits.slice(0, 12)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    expect(Math.max(...waits)).toBe(900);
    // The owner always gets in within the cap (15 min).
    t.clock.advance(900_000);
    const vault = await client().login({ email: 'ann@example.com', password: PASSWORD });
    expect(vault.userId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('blocks an IP after 50 failures across accounts on every credential path, for 15 minutes', async () => {
    await open();
    for (let i = 0; i < 50; i++) expect((await loginStart(`user${i}@example.com`, '198.51.100.7')).statusCode).toBe(200);
    const blocked = await loginStart('user50@example.com', '198.51.100.7');
    expect([blocked.statusCode, retryAfter(blocked)]).toEqual([429, 900]);
    // Another IP is unaffected; the blocked one is refused on every credential path.
    expect((await loginStart('user50@example.com', '198.51.100.8')).statusCode).toBe(200);
    const refresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', remoteAddress: '198.51.100.7', payload: { refreshToken: newRefreshToken().token } });
    expect(refresh.statusCode).toBe(429);
    const { registrationRequest } = opaqueClient.startRegistration('some new password');
    const register = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register/start', remoteAddress: '198.51.100.7', payload: { email: 'new@example.com', registrationRequest } });
    expect(register.statusCode).toBe(429);
    t.clock.advance(899_000);
    expect((await loginStart('user51@example.com', '198.51.100.7')).statusCode).toBe(429);
    t.clock.advance(1_000);
    expect((await loginStart('user51@example.com', '198.51.100.7')).statusCode).toBe(200);
  });

  it('successful logins are not failures: many users behind one IP are not blocked', async () => {
    await open();
    for (let i = 0; i < 3; i++) await client().register({ email: `u${i}@example.com`, password: PASSWORD });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 3; i++) await client().login({ email: `u${i}@example.com`, password: PASSWORD });
    }
    expect((await loginStart('someone@example.com')).statusCode).toBe(200);
  });

  it('a spoofed X-Forwarded-For from an untrusted peer does not change the bucket', async () => {
    await open();
    for (let i = 0; i < 5; i++) {
      expect((await loginStart('ann@example.com', '203.0.113.9', { 'x-forwarded-for': `10.0.0.${i}` })).statusCode).toBe(200);
    }
    expect((await loginStart('ann@example.com', '203.0.113.9', { 'x-forwarded-for': '10.9.9.9' })).statusCode).toBe(429);
    expect((await loginStart('ann@example.com', '203.0.113.9')).statusCode).toBe(429);
  });

  it("a trusted proxy's X-Forwarded-For selects the client's bucket (right-most untrusted hop)", async () => {
    await open({ TRUSTED_PROXIES: '127.0.0.1' });
    const viaProxy = (xff: string) => loginStart('ann@example.com', '127.0.0.1', { 'x-forwarded-for': xff });
    expect(await statuses(5, () => viaProxy('192.0.2.1'))).toEqual([200, 200, 200, 200, 200]);
    expect((await viaProxy('192.0.2.1')).statusCode).toBe(429);
    // A client cannot escape by prepending its own entries: the proxy appends the real peer last.
    expect((await viaProxy('10.1.1.1, 192.0.2.1')).statusCode).toBe(429);
    expect((await viaProxy('192.0.2.2')).statusCode).toBe(200);
  });

  it('30 parallel wrong login starts cannot exceed the limit (per account+IP, and per account across IPs)', async () => {
    await open();
    const sameIp = await Promise.all(Array.from({ length: 30 }, () => loginStart('ann@example.com')));
    expect(sameIp.filter((r) => r.statusCode === 200)).toHaveLength(5);
    expect(sameIp.filter((r) => r.statusCode === 429)).toHaveLength(25);
    const manyIps = await Promise.all(Array.from({ length: 30 }, (_, i) => loginStart('bob@example.com', `192.0.2.${i + 1}`)));
    expect(manyIps.filter((r) => r.statusCode === 200)).toHaveLength(10);
    // And once in backoff, parallel attempts after the lock expires: exactly one gets through.
    t.clock.advance(60_000);
    const after = await Promise.all(Array.from({ length: 30 }, () => loginStart('ann@example.com')));
    expect(after.filter((r) => r.statusCode === 200)).toHaveLength(1);
  });

  it('known and unknown e-mails are throttled identically (status, Retry-After, body shape)', async () => {
    await open();
    await client().register({ email: 'ann@example.com', password: PASSWORD });
    const sixth = async (email: string) => {
      for (let i = 0; i < 5; i++) await loginStart(email);
      return loginStart(email);
    };
    const [known, unknown] = [await sixth('ann@example.com'), await sixth('nobody@example.com')];
    const shape = (r: Reply) => {
      const body = JSON.parse(r.body) as { error: Record<string, unknown> };
      return { status: r.statusCode, retryAfter: r.headers['retry-after'], error: { ...body.error, requestId: typeof body.error.requestId }, length: r.body.length };
    };
    expect(shape(known)).toEqual(shape(unknown));
    expect(known.statusCode).toBe(429);
    t.clock.advance(1_000);
    await loginStart('ann@example.com');
    await loginStart('nobody@example.com');
    expect(shape(await loginStart('ann@example.com'))).toEqual(shape(await loginStart('nobody@example.com')));
  });

  it('refresh is throttled per presented token and IP (after 5 failures), and per IP', async () => {
    await open();
    const bad = newRefreshToken().token;
    const refresh = (refreshToken: string, remoteAddress = '127.0.0.1') =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', remoteAddress, payload: { refreshToken } });
    for (let i = 0; i < 5; i++) expect(code(await refresh(bad))).toBe('INVALID_REFRESH_TOKEN');
    const throttled = await refresh(bad);
    expect([throttled.statusCode, retryAfter(throttled)]).toEqual([429, 1]);
    // A valid session from the same IP keeps refreshing: a guessed-at token does not lock others out.
    await client().register({ email: 'ann@example.com', password: PASSWORD });
    const vault = await client().login({ email: 'ann@example.com', password: PASSWORD });
    expect((await refresh(vault.session.tokens.refreshToken)).statusCode).toBe(200);
    // Different bad tokens add up per IP: 50 failures block the IP.
    for (let i = 0; i < 49; i++) await refresh(newRefreshToken().token, '198.51.100.20');
    expect((await refresh(newRefreshToken().token, '198.51.100.20')).statusCode).toBe(401); // the 50th failure
    const blocked = await refresh(newRefreshToken().token, '198.51.100.20');
    expect([blocked.statusCode, retryAfter(blocked)]).toEqual([429, 900]);
  });

  it('registration is throttled per address like login (existing or not)', async () => {
    await open();
    await client().register({ email: 'ann@example.com', password: PASSWORD });
    const start = (email: string) => {
      const { registrationRequest } = opaqueClient.startRegistration('some password');
      return t.app.inject({ method: 'POST', url: '/api/v1/auth/register/start', payload: { email, registrationRequest } });
    };
    // ann's own registration counted one attempt and its finish reset the counters.
    expect(await statuses(6, () => start('ann@example.com'))).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await statuses(6, () => start('fresh@example.com'))).toEqual([200, 200, 200, 200, 200, 429]);
    // Probing finishes with made-up handshake ids count per IP.
    const finish = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login/finish',
      payload: { loginId: 'A'.repeat(64), finishLoginRequest: 'A'.repeat(100) },
    });
    expect(code(finish)).toBe('HANDSHAKE_EXPIRED');
  });

  it('RATE_LIMITS=off turns throttling and volume limits off (never in production)', async () => {
    await open({ RATE_LIMITS: 'off' });
    expect(await statuses(30, () => loginStart('ann@example.com'))).toEqual(Array.from({ length: 30 }, () => 200));
  });
});

describe('an attempt kept from begin (the login and registration handshakes keep it)', () => {
  const settings = { enabled: true, freeAttempts: 2, accountFreeAttempts: 10, backoffBaseMs: 1000, backoffMaxMs: 60_000, failureWindowMs: 3_600_000, ipBlockFailures: 50, ipBlockWindowMs: 60_000, ipBlockMs: 60_000 };
  const who = { ip: '192.0.2.1', account: 'ann@example.com' };

  /** A real in-memory store that records every key read. */
  const recordingStore = () => {
    const state = new MemoryStateStore();
    const reads: string[] = [];
    const get = state.get.bind(state);
    const getMany = state.getMany.bind(state);
    Object.assign(state, {
      get: (key: string) => (reads.push(key), get(key)),
      getMany: (keys: readonly string[]) => (reads.push(...keys), getMany(keys)),
    });
    return { state, reads };
  };

  it('lets succeeded reset what begin counted without reading the account generation again', async () => {
    const { state, reads } = recordingStore();
    const throttle = createCredentialThrottle({ state, now: () => 1_000_000, secret: randomBytes(32), settings });
    await throttle.begin('login', who);
    const attempt = await throttle.begin('login', who);
    await expect(throttle.begin('login', who)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    reads.length = 0;
    await throttle.succeeded('login', who, attempt);
    expect(reads.filter((key) => key.startsWith('thr:g:'))).toEqual([]);
    // The backoff is gone: the free attempts are back.
    await throttle.begin('login', who);
    await throttle.begin('login', who);
    await expect(throttle.begin('login', who)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('without one (a handshake an earlier version started) succeeded reads the generation and resets the same', async () => {
    const { state, reads } = recordingStore();
    const throttle = createCredentialThrottle({ state, now: () => 1_000_000, secret: randomBytes(32), settings });
    await throttle.begin('login', who);
    await throttle.begin('login', who);
    reads.length = 0;
    await throttle.succeeded('login', who);
    expect(reads.filter((key) => key.startsWith('thr:g:'))).toHaveLength(1);
    await throttle.begin('login', who);
    await throttle.begin('login', who);
    await expect(throttle.begin('login', who)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('the account scope counts every attempt the account+IP scope lets through', () => {
  it('including one that claims an expired backoff, in the same or a later state operation', async () => {
    let now = 1_000_000;
    const settings = { enabled: true, freeAttempts: 2, accountFreeAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 60_000, failureWindowMs: 3_600_000, ipBlockFailures: 50, ipBlockWindowMs: 60_000, ipBlockMs: 60_000 };
    const throttle = createCredentialThrottle({ state: new MemoryStateStore({ now: () => now }), now: () => now, secret: randomBytes(32), settings });
    const from = (ip: string) => ({ ip, account: 'ann@example.com' });
    await throttle.begin('login', from('192.0.2.1'));
    await throttle.begin('login', from('192.0.2.1'));
    await expect(throttle.begin('login', from('192.0.2.1'))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // The refused attempt counted nowhere: the account has had 2 of its 3.
    now += 1000;
    // The first address's backoff has passed: its next attempt claims it (account+IP count 3, past its 2), and is the
    // account's third, which arms the account-wide backoff...
    await throttle.begin('login', from('192.0.2.1'));
    // ...so a third address is refused.
    await expect(throttle.begin('login', from('192.0.2.3'))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});
