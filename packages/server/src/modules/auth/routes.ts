import { randomUUID } from 'node:crypto';
import {
  api,
  CURRENT_KDF_VERSION,
  type MfaMethod,
  normaliseEmail,
  opaqueServer,
  RegisterFinishRequest,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import type { FastifyRequest } from 'fastify';
import { requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import type { DeviceHistory, LoginGate } from '../../storage/mfa.ts';
import { type LoginHandshake, type RegistrationHandshake, credentialFingerprint, saveHandshake, takeHandshake } from '../../lib/handshakes.ts';
import { type ClientInfo, closeAllSessions, closeSession, openSession, refreshSession } from '../../lib/sessions.ts';
import { assertAllowedKdf, assertUsableRecord, clientInfo, fakeUserId, finishLoginVerified, opaque, registrationResponse as registrationResponseFor, tokenRequestJkt } from '../../lib/opaque-steps.ts';
import { completeMfa, startMfa } from '../../lib/second-factor/login-step.ts';
import { factorSummary } from '../../lib/second-factor/factors.ts';
import { audit, auditEvent } from '../../audit/audit.ts';
import { accountByEmail, credentialAttempt } from '../../lib/credential-attempt.ts';
import { notify, notifyIfNewDevice } from '../../lib/notify.ts';
import * as templates from '../../mail/templates.ts';
import { EMAIL_TOKEN_TTL_MS, consumeEmailToken, emailLink, issueEmailToken } from '../../tokens/email-token.ts';
import { hashRecoveryVerifier } from '../../lib/recovery-verifier.ts';
import { hashRefreshToken } from '../../tokens/refresh-token.ts';
import { createAnswerFloor } from '../../http/answer-floor.ts';


/** Takes a handshake; an unknown or used id is a failure no start counted (probing), so it counts per IP. */
async function taken<T>(ctx: Context, request: FastifyRequest, action: 'login' | 'register', take: () => Promise<T>): Promise<T> {
  try {
    return await take();
  } catch (error) {
    if (error instanceof WatchwordError && error.code === 'HANDSHAKE_EXPIRED') await credentialAttempt(ctx, request, action).failed();
    throw error;
  }
}

/** The credential a login's start recorded; a login started before the server recorded credentials has none: start again. */
function startedAgainst(credential: string | undefined): string {
  if (credential === undefined) throw new WatchwordError('HANDSHAKE_EXPIRED');
  return credential;
}

/**
 * The account's gate, read once the password (or the second factor) is proven — so only such a caller learns that
 * the account is disabled, and an account disabled while the login was in flight gets no session. `credential` is
 * the fingerprint of the record the login's start ran against: if the password has changed since (change, recovery,
 * vault reset), the proof was of a former password and the login fails like a wrong one.
 */
async function passGate(ctx: Context, request: FastifyRequest, userId: string, client: ClientInfo, credential: string): Promise<LoginGate> {
  const gate = await ctx.storage.mfa.loginGate(userId, { name: client.deviceName, userAgent: client.userAgent });
  if (gate.opaqueRecord !== null && credentialFingerprint(gate.opaqueRecord) !== credential) {
    // The password was proven against a record that has since been replaced: it is not the account's password.
    await audit(ctx, request, { action: 'auth.login', actorId: userId, outcome: 'failure', context: { reason: 'credential_changed' } });
    ctx.metrics.login('failure');
    throw new WatchwordError('INVALID_CREDENTIALS');
  }
  if (gate.disabled) {
    await audit(ctx, request, { action: 'auth.login', actorId: userId, outcome: 'denied', context: { reason: 'disabled' } });
    throw new WatchwordError('ACCOUNT_DISABLED');
  }
  return gate;
}

/**
 * Tokens for a fully authenticated login past its gate, with the new-device notice and the audit event.
 * `secondFactor`: the factor the login passed, null for a password-only login (the session remembers it);
 * `device`: what the gate read of the login's device.
 */
async function completeLogin(ctx: Context, request: FastifyRequest, userId: string, email: string, client: ClientInfo, secondFactor: MfaMethod | null, device: DeviceHistory) {
  notifyIfNewDevice(ctx, email, client, device);
  const event = auditEvent(ctx, request, {
    action: 'auth.login',
    actorId: userId,
    outcome: 'success',
    context: { device: client.deviceName, dpop: client.dpopJkt !== null, secondFactor },
  });
  const tokens = await openSession(ctx, userId, client, event, secondFactor);
  ctx.metrics.login('success');
  return tokens;
}

async function createAccount(
  ctx: Context,
  hs: RegistrationHandshake,
  opaqueRecord: string,
  kdfVersion: number,
  keys: RegisterFinishRequest['keys'],
  accountData: string | undefined,
): Promise<'created' | 'exists'> {
  const { personalVault, recoveryVerifier, ...userKeys } = keys;
  return ctx.storage.users.create(
    { id: hs.userId, email: hs.email, opaqueRecord, kdfVersion, ...userKeys, recoveryVerifierHash: hashRecoveryVerifier(recoveryVerifier), accountData: accountData ?? null },
    { id: personalVault.id, kind: 'personal', wrappedKey: personalVault.wrappedKey },
    ctx.now(),
  );
}

export function authRoutes(app: App, ctx: Context): void {
  // Answers that must not tell whether the address has an account, held to a floor so their timing does not either
  // (http/answer-floor.ts). A login's successful finish is not held: only the password's owner gets one.
  const floors = { registerStart: createAnswerFloor(), registerFinish: createAnswerFloor(), loginFailure: createAnswerFloor() };

  route(app, api.auth.registerStart, async (request, reply) => {
    const email = normaliseEmail(request.body.email);
    // Counted before any work, keyed on the address as sent (existing or not: no enumeration).
    const attempt = await credentialAttempt(ctx, request, 'register', { account: email }).begin();
    const existing = await ctx.storage.users.findByEmail(email);
    // An existing address gets a throw-away id and the same work; finishing it creates nothing.
    const userId = randomUUID();
    const registrationResponse = registrationResponseFor(ctx, userId, request.body.registrationRequest);
    const handshake: RegistrationHandshake = { userId, email, existing: existing !== undefined, attempt };
    const registrationId = await saveHandshake(ctx.state, 'register', handshake);
    await floors.registerStart.hold(reply.elapsedTime);
    return { registrationId, userId, registrationResponse };
  });

  route(app, api.auth.registerFinish, async (request, reply) => {
    const { registrationId, registrationRecord, kdfVersion, keys, accountData } = request.body;
    assertAllowedKdf(ctx, kdfVersion);
    await credentialAttempt(ctx, request, 'register').ipOpen();
    const hs = await taken(ctx, request, 'register', () => takeHandshake<RegistrationHandshake>(ctx.state, 'register', registrationId));
    assertUsableRecord(ctx, hs.userId, registrationRecord);
    // 'exists' (a concurrent registration won) answers exactly like success: no enumeration.
    const created = hs.existing ? 'exists' : await createAccount(ctx, hs, registrationRecord, kdfVersion, keys, accountData);
    if (created === 'created') {
      await audit(ctx, request, { action: 'account.register', actorId: hs.userId, outcome: 'success' });
      const token = await issueEmailToken(ctx, hs.userId, 'verify_email');
      void notify(ctx, hs.email, templates.verifyEmail({ link: emailLink(ctx, 'verify-email', token), expiresMinutes: EMAIL_TOKEN_TTL_MS.verify_email / 60_000 }));
    } else {
      // The address's owner learns that someone tried; the caller learns nothing (design brief §1).
      void notify(ctx, hs.email, templates.registrationAttempt());
    }
    await credentialAttempt(ctx, request, 'register', { account: hs.email }).succeeded(hs.attempt);
    await floors.registerFinish.hold(reply.elapsedTime);
    return reply.code(201).send({ userId: hs.userId });
  });

  route(app, api.auth.loginStart, async (request) => {
    const email = normaliseEmail(request.body.email);
    // With OPAQUE a wrong password only shows on the client: every start counts as a failure until its finish
    // succeeds. Counted atomically before the lookup and the OPAQUE work; unknown addresses alike (no enumeration).
    const attempt = await credentialAttempt(ctx, request, 'login', { account: email, targetId: accountByEmail(ctx, email) }).begin();
    ctx.metrics.loginStarted();
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
    const handshake: LoginHandshake = { serverLoginState, userId: user ? user.id : null, email, attempt, ...(user ? { credential: credentialFingerprint(user.opaqueRecord) } : {}) };
    const loginId = await saveHandshake(ctx.state, 'login', handshake);
    return { loginId, loginResponse, kdfVersion: user?.kdfVersion ?? CURRENT_KDF_VERSION };
  });

  route(app, api.auth.loginFinish, async (request, reply) => {
    // The handshake is taken before the proof is checked: one finish per start, right or wrong.
    await credentialAttempt(ctx, request, 'login').ipOpen();
    const jkt = await tokenRequestJkt(ctx, request);
    const hs = await taken(ctx, request, 'login', () => takeHandshake<LoginHandshake>(ctx.state, 'login', request.body.loginId));
    const verified = finishLoginVerified(hs.serverLoginState, request.body.finishLoginRequest);
    // A wrong proof was already counted by its start (one finish per start: the handshake is taken).
    if (!verified || hs.userId === null) {
      if (hs.userId !== null) await audit(ctx, request, { action: 'auth.login', actorId: hs.userId, outcome: 'failure' });
      ctx.metrics.login('failure');
      await floors.loginFailure.hold(reply.elapsedTime);
      throw new WatchwordError('INVALID_CREDENTIALS');
    }
    const client = clientInfo(request, request.body.deviceName, jkt);
    const credential = startedAgainst(hs.credential);
    const gate = await passGate(ctx, request, hs.userId, client, credential);
    // The password is proven (and still the account's): its counters reset; a second factor has its own ('mfa').
    await credentialAttempt(ctx, request, 'login', { account: hs.email }).succeeded(hs.attempt);
    if (gate.secondFactor) return startMfa(ctx, hs.userId, hs.email, client, await factorSummary(ctx, hs.userId), credential);
    return completeLogin(ctx, request, hs.userId, hs.email, client, null, gate.device);
  });

  route(app, api.auth.mfa, async (request) => {
    await credentialAttempt(ctx, request, 'mfa').ipOpen();
    const jkt = await tokenRequestJkt(ctx, request);
    const pending = await completeMfa(ctx, request, request.body, jkt);
    const gate = await passGate(ctx, request, pending.userId, pending.client, startedAgainst(pending.credential));
    return completeLogin(ctx, request, pending.userId, pending.email, pending.client, request.body.method, gate.device);
  });

  route(app, api.auth.verifyEmail, async (request) => {
    // The token is unguessable (256 bits): refused while the IP is blocked, failures counted after the fact.
    const userId = await credentialAttempt(ctx, request, 'email_token').guard(() => consumeEmailToken(ctx, request.body.token, 'verify_email'));
    await ctx.storage.account.markEmailVerified(userId, ctx.now());
    await audit(ctx, request, { action: 'account.email_verified', actorId: userId, outcome: 'success' });
    return { ok: true as const };
  });

  route(app, api.auth.refresh, async (request) => {
    // Refresh tokens cannot be guessed: refused while blocked or in backoff, failures counted after the fact
    // (per IP, and per presented token and IP) — so concurrent refreshes of one token (grace window) all pass.
    const attempt = credentialAttempt(ctx, request, 'refresh', { account: hashRefreshToken(request.body.refreshToken) });
    return attempt.guard(async () => refreshSession(ctx, request.body.refreshToken, await tokenRequestJkt(ctx, request), request), ['INVALID_REFRESH_TOKEN']);
  });

  route(app, api.auth.logout, async (request) => {
    const auth = requireAuth(request);
    await closeSession(ctx, auth.userId, auth.sessionId);
    await audit(ctx, request, { action: 'auth.logout', actorId: auth.userId, outcome: 'success', context: { session: auth.sessionId } });
    return { ok: true as const };
  });

  route(app, api.auth.logoutAll, async (request) => {
    const auth = requireAuth(request);
    const revoked = await closeAllSessions(ctx, auth.userId);
    await audit(ctx, request, { action: 'auth.logout_all', actorId: auth.userId, outcome: 'success', context: { sessionsRevoked: revoked } });
    return { ok: true as const, revoked };
  });
}
