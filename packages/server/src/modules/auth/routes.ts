import { createHmac, randomUUID } from 'node:crypto';
import {
  CURRENT_KDF_VERSION,
  ErrorResponse,
  LoginFinishRequest,
  LoginStartRequest,
  LoginStartResponse,
  OkResponse,
  RefreshRequest,
  RegisterFinishRequest,
  RegisterFinishResponse,
  RegisterStartRequest,
  RegisterStartResponse,
  TokenResponse,
  WatchwordError,
  normaliseEmail,
  opaqueServer,
  opaqueClient,
  LogoutRequest,
  LogoutAllResponse,
} from '@watchword/protocol';
import type { FastifyRequest } from 'fastify';
import { requireAuth } from '../../http/authenticate.ts';
import type { App, Context } from '../../http/types.ts';
import { type LoginHandshake, type RegistrationHandshake, saveHandshake, takeHandshake } from './handshakes.ts';
import { closeAllSessions, closeSession, openSession, refreshSession } from './sessions.ts';
import { hashRefreshToken } from '../../tokens/refresh-token.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

/**
 * The OPAQUE identifier of an unknown address: a keyed hash of the normalised e-mail, formatted like a user id, so
 * repeated login starts for the same unknown address get consistent answers (design brief §1, RFC 9807 §10.9).
 */
function fakeUserId(secret: Uint8Array, email: string): string {
  const h = createHmac('sha256', secret).update(`watchword/v1/fake-user\0${email}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A message the OPAQUE library cannot parse is the client's fault: 400, not 500. */
function opaque<T>(fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    throw new WatchwordError('VALIDATION_FAILED', { cause });
  }
}

/** A throw-away KE1 (RFC 9807 §6.3.2.1) used to check that a registration record is well-formed. */
function probeStartLoginRequest(): string {
  return opaqueClient.startLogin(randomUUID()).startLoginRequest;
}

function clientInfo(request: FastifyRequest, deviceName: string | undefined, dpopJkt: string | null) {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 256) : '', deviceName: deviceName ?? 'unnamed device', dpopJkt };
}

/** The DPoP key a token request is made with (RFC 9449 §5), enforced when DPOP_REQUIRED is set. */
async function tokenRequestJkt(ctx: Context, request: FastifyRequest): Promise<string | null> {
  const jkt = await ctx.dpop(request);
  if (jkt === null && ctx.config.dpopRequired) throw new WatchwordError('INVALID_DPOP_PROOF', { cause: 'DPoP is required' });
  return jkt;
}

/** Takes a handshake; an unknown or used id is a failure no start counted (probing), so it counts per IP. */
async function taken<T>(ctx: Context, request: FastifyRequest, action: 'login' | 'register', take: () => Promise<T>): Promise<T> {
  try {
    return await take();
  } catch (error) {
    if (error instanceof WatchwordError && error.code === 'HANDSHAKE_EXPIRED') await ctx.throttle.failed(action, { ip: request.ip });
    throw error;
  }
}

export function authRoutes(app: App, ctx: Context): void {
  app.post('/api/v1/auth/register/start', {
    config: { access: 'public', rateLimit: 'auth' },
    schema: { tags: ['auth'], body: RegisterStartRequest, response: { 200: RegisterStartResponse, ...errors } },
  }, async (request) => {
    const email = normaliseEmail(request.body.email);
    // Counted before any work, keyed on the address as sent (existing or not: no enumeration).
    await ctx.throttle.begin('register', { ip: request.ip, account: email });
    const existing = await ctx.storage.users.findByEmail(email);
    // An existing address gets a throw-away id and the same work; finishing it creates nothing.
    const userId = randomUUID();
    const { registrationResponse } = opaque(() =>
      opaqueServer.createRegistrationResponse({
        serverSetup: ctx.secrets.opaqueServerSetup,
        userId,
        registrationRequest: request.body.registrationRequest,
      }),
    );
    const handshake: RegistrationHandshake = { userId, email, existing: existing !== undefined };
    const registrationId = await saveHandshake(ctx.state, 'register', handshake);
    return { registrationId, userId, registrationResponse };
  });

  app.post('/api/v1/auth/register/finish', {
    config: { access: 'public', rateLimit: 'auth' },
    schema: { tags: ['auth'], body: RegisterFinishRequest, response: { 201: RegisterFinishResponse, ...errors } },
  }, async (request, reply) => {
    const { registrationId, registrationRecord, kdfVersion, keys } = request.body;
    if (!ctx.config.allowedKdfVersions.includes(kdfVersion)) {
      throw new WatchwordError('VALIDATION_FAILED', { details: { field: '/kdfVersion' } });
    }
    await ctx.throttle.assertIpOpen(request.ip);
    const hs = await taken(ctx, request, 'register', () => takeHandshake<RegistrationHandshake>(ctx.state, 'register', registrationId));
    // A record the OPAQUE library cannot use would break this account's logins later: refuse it now.
    opaque(() =>
      opaqueServer.startServerLogin({
        serverSetup: ctx.secrets.opaqueServerSetup,
        userId: hs.userId,
        registrationRecord,
        startLoginRequest: probeStartLoginRequest(),
      }),
    );
    if (!hs.existing) {
      const { personalVault, ...userKeys } = keys;
      // 'exists' (a concurrent registration won) answers exactly like success: no enumeration.
      await ctx.storage.users.create(
        { id: hs.userId, email: hs.email, opaqueRecord: registrationRecord, kdfVersion, ...userKeys },
        { id: personalVault.id, kind: 'personal', wrappedKey: personalVault.wrappedKey },
        ctx.now(),
      );
    }
    // Known gap (e-mail issue): the existing owner should get a notification e-mail here.
    await ctx.throttle.succeeded('register', { ip: request.ip, account: hs.email });
    return reply.code(201).send({ userId: hs.userId });
  });

  app.post('/api/v1/auth/login/start', {
    config: { access: 'public', rateLimit: 'auth' },
    schema: { tags: ['auth'], body: LoginStartRequest, response: { 200: LoginStartResponse, ...errors } },
  }, async (request) => {
    const email = normaliseEmail(request.body.email);
    // With OPAQUE a wrong password only shows on the client: every start counts as a failure until its finish
    // succeeds. Counted atomically before the lookup and the OPAQUE work; unknown addresses alike (no enumeration).
    await ctx.throttle.begin('login', { ip: request.ip, account: email });
    const user = await ctx.storage.users.findByEmail(email);
    // Unknown address: a fake record (registrationRecord null) — same status, same size, same work (RFC 9807 §10.9).
    const userId = user?.id ?? fakeUserId(ctx.secrets.serverSecret, email);
    const { serverLoginState, loginResponse } = opaque(() =>
      opaqueServer.startServerLogin({
        serverSetup: ctx.secrets.opaqueServerSetup,
        userId,
        registrationRecord: user?.opaqueRecord ?? null,
        startLoginRequest: request.body.startLoginRequest,
      }),
    );
    const handshake: LoginHandshake = { serverLoginState, userId: user ? user.id : null, email };
    const loginId = await saveHandshake(ctx.state, 'login', handshake);
    return { loginId, loginResponse, kdfVersion: user?.kdfVersion ?? CURRENT_KDF_VERSION };
  });

  app.post('/api/v1/auth/login/finish', {
    config: { access: 'public', rateLimit: 'auth' },
    schema: { tags: ['auth'], body: LoginFinishRequest, response: { 200: TokenResponse, ...errors } },
  }, async (request) => {
    // The proof is checked before the handshake is consumed: a bad proof does not burn the login.
    await ctx.throttle.assertIpOpen(request.ip);
    const jkt = await tokenRequestJkt(ctx, request);
    const hs = await taken(ctx, request, 'login', () => takeHandshake<LoginHandshake>(ctx.state, 'login', request.body.loginId));
    let verified = false;
    try {
      opaqueServer.finishServerLogin({ serverLoginState: hs.serverLoginState, finishLoginRequest: request.body.finishLoginRequest });
      verified = true;
    } catch {
      verified = false;
    }
    // A wrong proof was already counted by its start (one finish per start: the handshake is taken).
    if (!verified || hs.userId === null) throw new WatchwordError('INVALID_CREDENTIALS');
    const tokens = await openSession(ctx, hs.userId, clientInfo(request, request.body.deviceName, jkt));
    await ctx.throttle.succeeded('login', { ip: request.ip, account: hs.email });
    return tokens;
  });

  app.post('/api/v1/auth/refresh', {
    config: { access: 'public', rateLimit: 'auth' },
    schema: { tags: ['auth'], body: RefreshRequest, response: { 200: TokenResponse, ...errors } },
  }, async (request) => {
    // Refresh tokens cannot be guessed: refused while blocked or in backoff, failures counted after the fact
    // (per IP, and per presented token and IP) — so concurrent refreshes of one token (grace window) all pass.
    const subjects = { ip: request.ip, account: hashRefreshToken(request.body.refreshToken) };
    await ctx.throttle.check('refresh', subjects);
    try {
      return await refreshSession(ctx, request.body.refreshToken, await tokenRequestJkt(ctx, request));
    } catch (error) {
      if (error instanceof WatchwordError && error.code === 'INVALID_REFRESH_TOKEN') await ctx.throttle.failed('refresh', subjects);
      throw error;
    }
  });

  app.post('/api/v1/auth/logout', {
    config: { access: 'user', rateLimit: 'write' },
    schema: { tags: ['auth'], body: LogoutRequest, security: [{ bearer: [] }], response: { 200: OkResponse, ...errors } },
  }, async (request) => {
    const auth = requireAuth(request);
    await closeSession(ctx, auth.userId, auth.sessionId);
    return { ok: true as const };
  });

  app.post('/api/v1/auth/logout-all', {
    config: { access: 'user', rateLimit: 'write' },
    schema: { tags: ['auth'], body: LogoutRequest, security: [{ bearer: [] }], response: { 200: LogoutAllResponse, ...errors } },
  }, async (request) => {
    const auth = requireAuth(request);
    return { ok: true as const, revoked: await closeAllSessions(ctx, auth.userId) };
  });
}
