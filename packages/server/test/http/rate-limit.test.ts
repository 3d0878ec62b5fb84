/**
 * Volume limits per endpoint class on the shipped defaults (auth 20/min per IP, write 120/min and read 600/min per
 * user — per IP on public routes; health probes exempt). One suite, run on memory state and on Redis.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { WatchwordClient } from '@watchword/client';
import { createDpopProof } from '@watchword/protocol';
import { registerRateLimits } from '../../src/http/rate-limit.ts';
import type { App } from '../../src/http/types.ts';
import type { Context } from '../../src/context.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { newRefreshToken } from '../../src/tokens/refresh-token.ts';
import { REALISTIC_LIMITS, type StateKind, stateKindsUnderTest } from '@watchword/testkit';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const PUBLIC = 'http://watchword.test';

function volumeSuite(state: StateKind): void {
  describe(`volume limits per endpoint class (${state} state)`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());
    const open = async () => {
      t = await createTestApp('sqlite', REALISTIC_LIMITS, { state });
      return t;
    };
    const refresh = (remoteAddress = '127.0.0.1') =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', remoteAddress, payload: { refreshToken: newRefreshToken().token } });
    const session = async (email: string) => {
      const c = new WatchwordClient({ passwordPolicy: false,  serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
      await c.register({ email, password: 'a long enough passphrase' });
      const vault = await c.login({ email, password: 'a long enough passphrase' });
      return { authorization: `Bearer ${vault.session.tokens.accessToken}` };
    };
    const count = async (n: number, send: () => Promise<{ statusCode: number }>) => {
      const seen: Record<number, number> = {};
      for (let i = 0; i < n; i++) {
        const { statusCode } = await send();
        seen[statusCode] = (seen[statusCode] ?? 0) + 1;
      }
      return seen;
    };

    it('auth: 20 requests per minute per IP, then 429 with a Retry-After that is honest', async () => {
      await open();
      expect(await count(20, () => refresh())).toEqual({ 401: 20 });
      const limited = await refresh();
      expect(limited.statusCode).toBe(429);
      expect(JSON.parse(limited.body).error.code).toBe('RATE_LIMITED');
      const wait = Number(limited.headers['retry-after']);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(120);
      expect((await refresh('192.0.2.44')).statusCode).toBe(401); // another IP has its own budget
      t.clock.advance(wait * 1000);
      expect((await refresh()).statusCode).toBe(401);
    });

    it('auth: 40 parallel requests from one IP, exactly 20 get through', async () => {
      await open();
      const answers = await Promise.all(Array.from({ length: 40 }, () => refresh('192.0.2.55')));
      expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(20);
    });

    it('read and write are separate budgets per user (600 and 120 per minute)', async () => {
      await open();
      const alice = await session('alice@example.com');
      const bob = await session('bob@example.com');
      t.clock.advance(120_000); // a fresh minute: logging in read the account once
      const read = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/account', headers });
      const write = (headers: Record<string, string>) => t.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${randomUUID()}`, headers });
      expect(await count(600, () => read(alice))).toEqual({ 200: 600 });
      expect((await read(alice)).statusCode).toBe(429);
      expect((await read(bob)).statusCode).toBe(200); // per user, not per IP
      expect(await count(120, () => write(alice))).toEqual({ 404: 120 }); // writes have their own budget
      const limited = await write(alice);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await write(bob)).statusCode).toBe(404);
      t.clock.advance(120_000); // two windows later, everything is forgotten
      expect((await read(alice)).statusCode).toBe(200);
      expect((await write(alice)).statusCode).toBe(404);
    });

    it('counts a user only once their request is proven: a DPoP-bound token without its proof spends nothing; a revoked session is refused', async () => {
      await open();
      const c = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0 });
      await c.register({ email: 'dora@example.com', password: 'a long enough passphrase' });
      const vault = await c.login({ email: 'dora@example.com', password: 'a long enough passphrase' });
      const token = vault.session.tokens.accessToken;
      t.clock.advance(120_000); // a fresh minute
      // The stolen token without its key: refused 1,000 times, none of them counted.
      const stolen = await count(1000, () => t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `DPoP ${token}` } }));
      expect(stolen).toEqual({ 401: 1000 });
      // Proofs dated by the server's (test) clock.
      const proven = async (method: 'GET' | 'POST' = 'GET', url = '/api/v1/account') => {
        const proof = await createDpopProof(vault.session.dpopKey as CryptoKeyPair, { htm: method, htu: `${PUBLIC}${url}`, accessToken: token, iat: Math.floor(t.clock.now / 1000) });
        return t.app.inject({ method, url, headers: { authorization: `DPoP ${token}`, dpop: proof }, ...(method === 'POST' ? { payload: {} } : {}) });
      };
      expect(await count(600, proven)).toEqual({ 200: 600 });
      expect((await proven()).statusCode).toBe(429);
      // Revocation is read in the same state operation as the count: the next minute's first request is refused.
      t.clock.advance(120_000);
      expect((await proven('POST', '/api/v1/auth/logout')).statusCode).toBe(200);
      expect((await proven()).statusCode).toBe(401);
    });

    it("a revoked session's bearer token is refused without spending its owner's budget", async () => {
      await open();
      const revoked = await session('rex@example.com');
      const live = await new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false }).login({
        email: 'rex@example.com',
        password: 'a long enough passphrase',
      });
      const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: revoked, payload: {} });
      expect(logout.statusCode).toBe(200);
      t.clock.advance(120_000); // a fresh minute
      const read = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/account', headers });
      // Whoever holds the revoked token (still within its lifetime) is refused 1,000 times, none of them counted ...
      const refused = await count(1000, () => read(revoked));
      expect(refused).toEqual({ 401: 1000 });
      // ... so the owner's live session still has its whole minute.
      const owner = { authorization: `Bearer ${live.session.tokens.accessToken}` };
      expect(await count(600, () => read(owner))).toEqual({ 200: 600 });
      expect((await read(owner)).statusCode).toBe(429);
      expect((await read(revoked)).statusCode).toBe(401); // revocation still wins over the limit
    });

    it('public reads are limited per IP; the health probes are exempt', async () => {
      await open();
      const jwks = (remoteAddress = '127.0.0.1') => t.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress });
      expect(await count(600, () => jwks())).toEqual({ 200: 600 });
      expect((await jwks()).statusCode).toBe(429);
      expect((await jwks('192.0.2.66')).statusCode).toBe(200);
      expect(await count(1000, () => t.app.inject({ method: 'GET', url: '/healthz' }))).toEqual({ 200: 1000 });
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    });
  });
}

for (const kind of stateKindsUnderTest()) volumeSuite(kind);

describe('rate-limit classes', () => {
  it('a route without a class cannot be registered (deny by default)', async () => {
    const app = Fastify() as unknown as App;
    registerRateLimits(app, { config: loadConfig({}) } as Context);
    expect(() => app.get('/x', { config: { permission: 'public' } }, async () => ({}))).toThrow(/GET \/x does not declare its rate-limit class/);
    expect(() => app.get('/y', { config: { permission: 'public', rateLimit: 'reads' as 'read' } }, async () => ({}))).toThrow(/rate-limit class/);
    expect(() => app.get('/z', { config: { permission: 'public', rateLimit: 'read' } }, async () => ({}))).not.toThrow();
    await app.close();
  });
});

describe('throttling and volume-limit configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      rateLimits: 'on',
      rateLimitAuthPerMinute: 20,
      rateLimitWritePerMinute: 120,
      rateLimitReadPerMinute: 600,
      loginFreeAttempts: 5,
      loginAccountFreeAttempts: 10,
      loginBackoffBaseSeconds: 1,
      loginBackoffMaxSeconds: 900,
      loginFailureWindowSeconds: 86_400,
      loginIpBlockFailures: 50,
      loginIpBlockWindowSeconds: 900,
      loginIpBlockSeconds: 900,
    });
  });

  it.each([
    [{ RATE_LIMITS: 'false' }, /RATE_LIMITS must be one of on, off/],
    [{ RATE_LIMIT_AUTH_PER_MINUTE: '0' }, /RATE_LIMIT_AUTH_PER_MINUTE must be between 1 and/],
    [{ LOGIN_FREE_ATTEMPTS: '-1' }, /LOGIN_FREE_ATTEMPTS must be a whole number/],
    // A cap beyond a day would let per-account throttling act as a lockout (NIST SP 800-63B §5.2.2).
    [{ LOGIN_BACKOFF_MAX: '604800' }, /LOGIN_BACKOFF_MAX must be between 1 and 86400/],
    [{ LOGIN_BACKOFF_BASE: '60', LOGIN_BACKOFF_MAX: '30' }, /LOGIN_BACKOFF_BASE must not exceed LOGIN_BACKOFF_MAX/],
    [{ LOGIN_IP_BLOCK_DURATION: '0' }, /LOGIN_IP_BLOCK_DURATION must be between 1 and 86400/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
