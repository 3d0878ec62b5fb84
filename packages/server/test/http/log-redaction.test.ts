/**
 * Logs (issue "Observability"): structured pino lines carrying the request id, and no credential in any of them —
 * not the Authorization, DPoP or Cookie headers, not the secret body fields, not a token put in the query string —
 * even at LOG_LEVEL=trace. Where a secret field is logged, it shows `[redacted]`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { ensureOpaqueReady, opaqueClient } from '@watchword/protocol';
import { REDACT_PATHS } from '../../src/app.ts';
import { findSecrets } from '@watchword/testkit';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const PUBLIC = 'http://watchword.test';
const secret = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

/** Values that must never reach a log line (in any encoding the scanner knows: plain, hex, base64). */
const SECRETS = {
  password: `pw-${randomBytes(12).toString('hex')}-horse-battery`,
  bearer: secret('bearer-'),
  dpop: `eyJ${secret('dpop-proof-')}`,
  cookie: secret('cookie-'),
  bodyPassword: secret('body-password-'),
  bodyRefreshToken: secret('body-refresh-'),
  bodyToken: randomBytes(32).toString('base64url'),
  mfaToken: randomBytes(32).toString('base64url'),
  bodyCode: '918273',
  queryToken: secret('query-token-'),
};

interface Line {
  level: number;
  msg: string;
  requestId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  [key: string]: unknown;
}

describe('request logs: ids and redaction (LOG_LEVEL=trace)', () => {
  let t: TestApp;
  /** Secrets the server handed out during the test (tokens of a real login). */
  const issued: Record<string, string> = {};
  /** Every request sent, with what the answer said. */
  const sent: { method: string; url: string; status: number; requestId: string }[] = [];
  const lines = () => t.logs.map((l) => JSON.parse(l) as Line);

  const send = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: string) => {
    const r = await t.app.inject({ method, url, headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(payload === undefined ? {} : { payload }) });
    sent.push({ method, url, status: r.statusCode, requestId: String(r.headers['x-request-id']) });
    return r;
  };

  beforeAll(async () => {
    await ensureOpaqueReady();
    t = await createTestApp('sqlite', { LOG_LEVEL: 'trace' });
    const client = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
    await client.register({ email: 'logs@example.com', password: SECRETS.password });
    const vault = await client.login({ email: 'logs@example.com', password: SECRETS.password });
    issued.accessToken = vault.session.tokens.accessToken;
    issued.refreshToken = vault.session.tokens.refreshToken;

    const credentials = { authorization: `Bearer ${issued.accessToken}`, dpop: SECRETS.dpop, cookie: `session=${SECRETS.cookie}; theme=dark` };
    // A real authenticated read, carrying every credential header.
    expect((await send('GET', '/api/v1/account', credentials)).statusCode).toBe(200);
    // A forged bearer token and a refresh with a real token (rotated: the answer holds new ones).
    expect((await send('GET', '/api/v1/items', { ...credentials, authorization: `Bearer ${SECRETS.bearer}` })).statusCode).toBe(401);
    const refreshed = await send('POST', '/api/v1/auth/refresh', { cookie: `refresh=${SECRETS.cookie}` }, JSON.stringify({ refreshToken: issued.refreshToken }));
    expect(refreshed.statusCode).toBe(200);
    issued.rotatedAccessToken = JSON.parse(refreshed.body).accessToken;
    issued.rotatedRefreshToken = JSON.parse(refreshed.body).refreshToken;
    // Secret body fields on refused requests (unknown field, unknown token, unknown handshake, malformed JSON).
    const { startLoginRequest } = opaqueClient.startLogin(SECRETS.password);
    expect((await send('POST', '/api/v1/auth/login/start', {}, JSON.stringify({ email: 'logs@example.com', startLoginRequest, password: SECRETS.bodyPassword }))).statusCode).toBe(400);
    expect((await send('POST', '/api/v1/auth/refresh', {}, JSON.stringify({ refreshToken: SECRETS.bodyRefreshToken }))).statusCode).toBe(401);
    expect((await send('POST', '/api/v1/auth/verify-email', {}, JSON.stringify({ token: SECRETS.bodyToken }))).statusCode).toBeGreaterThanOrEqual(400);
    expect((await send('POST', '/api/v1/auth/mfa', {}, JSON.stringify({ mfaToken: SECRETS.mfaToken, method: 'totp', code: SECRETS.bodyCode }))).statusCode).toBeGreaterThanOrEqual(400);
    expect((await send('POST', '/api/v1/auth/refresh', {}, `{"refreshToken":"${SECRETS.bodyRefreshToken}"`)).statusCode).toBe(400);
    // RFC 6750 §2.3 (tokens in the query string) is refused — and the token must not be logged with the URL either.
    expect((await send('GET', `/api/v1/account?access_token=${SECRETS.queryToken}`, {})).statusCode).toBeGreaterThanOrEqual(400);
    // A client cannot choose its request id (it would let callers forge log correlation).
    await send('GET', '/healthz', { 'x-request-id': 'forged-request-id' });
  });
  afterAll(async () => t?.close());

  it('no credential or secret field reaches any log line, in any encoding', () => {
    expect(t.logs.length).toBeGreaterThan(2 * sent.length);
    const hits = t.logs.flatMap((line) => findSecrets(line, { ...SECRETS, ...issued }).map((label) => `${label} in ${line}`));
    expect(hits).toEqual([]);
  });

  it("each request's lines carry one request id, the x-request-id of its answer", () => {
    const all = lines();
    const ids = sent.map((s) => s.requestId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const request of sent) {
      expect(request.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const own = all.filter((l) => l.requestId === request.requestId);
      const incoming = own.filter((l) => l.msg === 'incoming request');
      const completed = own.filter((l) => l.msg === 'request completed');
      expect(incoming, request.url).toHaveLength(1);
      expect(completed, request.url).toHaveLength(1);
      expect(incoming[0]?.req?.method).toBe(request.method);
      expect(incoming[0]?.req?.url).toBe(request.url.split('?')[0] + (request.url.includes('?') ? '?[redacted]' : ''));
      expect(completed[0]?.res?.statusCode).toBe(request.status);
    }
    // Every line about a request carries a request id: no request line without one.
    expect(all.filter((l) => (l.req !== undefined || l.res !== undefined) && typeof l.requestId !== 'string')).toEqual([]);
    expect(t.logs.some((l) => l.includes('forged-request-id'))).toBe(false);
  });

  it('logs request headers never, and the query string only as [redacted]', () => {
    const incoming = lines().filter((l) => l.msg === 'incoming request');
    expect(incoming.length).toBeGreaterThanOrEqual(sent.length);
    const allowed = ['method', 'url', 'version', 'host', 'remoteAddress', 'remotePort'];
    expect(incoming.flatMap((l) => Object.keys(l.req ?? {})).filter((key) => !allowed.includes(key))).toEqual([]);
    expect(incoming.filter((l) => l.req?.url.includes('?')).map((l) => l.req?.url)).toEqual(['/api/v1/account?[redacted]']);
  });

  it('secret fields are [redacted] wherever a log line puts them: top level, one level down, header objects', () => {
    const before = t.logs.length;
    const request = { id: 'probe' };
    t.app.log.child({ requestId: request.id }).warn(
      {
        password: SECRETS.password,
        refreshToken: SECRETS.bodyRefreshToken,
        token: SECRETS.bodyToken,
        body: { password: SECRETS.bodyPassword, refreshToken: SECRETS.bodyRefreshToken, code: SECRETS.bodyCode, mfaToken: SECRETS.mfaToken, token: SECRETS.bodyToken },
        headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie, dpop: SECRETS.dpop, 'user-agent': 'kept' },
        code: 'INVALID_TOKEN',
      },
      'probe',
    );
    const [logged] = t.logs.slice(before).map((l) => JSON.parse(l) as Line);
    expect(logged).toMatchObject({
      requestId: 'probe',
      password: '[redacted]',
      refreshToken: '[redacted]',
      token: '[redacted]',
      body: { password: '[redacted]', refreshToken: '[redacted]', code: '[redacted]', mfaToken: '[redacted]', token: '[redacted]' },
      headers: { authorization: '[redacted]', cookie: '[redacted]', dpop: '[redacted]', 'user-agent': 'kept' },
      // At the top, `code` is an error code ("request rejected" lines), kept.
      code: 'INVALID_TOKEN',
    });
    expect(findSecrets(t.logs.slice(before).join('\n'), SECRETS)).toEqual([]);
  });

  it('the request and response header paths stay in the redaction list (should a serializer ever log headers)', () => {
    for (const path of ['req.headers.authorization', 'req.headers.cookie', 'req.headers.dpop', 'res.headers["set-cookie"]']) expect(REDACT_PATHS).toContain(path);
  });
});
