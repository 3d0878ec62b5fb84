/**
 * Passkeys that sign in and unlock (issue 22; docs/crypto.md "Passkey unlock").
 *
 * - Adding one needs fresh authentication (as a second factor does): a stolen access token must not bind an
 *   attacker's authenticator. The credential must be discoverable and user-verifying; the PRF extension is requested.
 *   With it the client sends the account key wrapped under a key it derived from the PRF output: the server stores the
 *   blob (bounded, opaque) and never sees the PRF output or the account key.
 * - Sign-in needs no e-mail address: start hands out a challenge for any discoverable credential of this relying
 *   party (single use, 5 minutes); finish finds the account by the credential id, verifies the assertion with user
 *   verification and a rising counter, and opens a session bound to the request's DPoP key like an OPAQUE login.
 *   A passkey verified by its authenticator (possession plus PIN or biometrics) counts as a second factor: the
 *   session records 'webauthn', and no further factor is asked.
 * - Failures are counted by credentialAttempt('login') per IP (and per account once the credential is known), each
 *   with an audit event when the account is known, and every refusal is held to a timing floor (http/answer-floor.ts).
 */
import { randomBytes } from 'node:crypto';
import { api, fromBase64Url, toBase64Url, WatchwordError } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireAuth } from '../../http/authenticate.ts';
import { createAnswerFloor } from '../../http/answer-floor.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { audit, auditEvent } from '../../audit/audit.ts';
import { credentialAttempt } from '../../lib/credential-attempt.ts';
import { notify, notifyIfNewDevice } from '../../lib/notify.ts';
import { consumeReauth } from '../../lib/reauth.ts';
import { clientInfo, tokenRequestJkt } from '../../lib/opaque-steps.ts';
import { openSession } from '../../lib/sessions.ts';
import { secretKey } from '../../lib/handshakes.ts';
import { accountEmail } from '../../lib/account-email.ts';
import { CEREMONY_TTL_MS, type RegistrationCeremony, checkAssertion, finishRegistration, startAssertion, startRegistration } from '../../lib/webauthn/ceremony.ts';
import * as templates from '../../mail/templates.ts';
import type { PasskeyRecord } from '../../storage/passkeys.ts';

/** Passkeys: they sign in and unlock, kept in `passkey_credentials`. */
const PASSKEY: RegistrationCeremony = { purpose: 'passkey', rpName: 'Watchword', stateKey: 'passkey-registration' };
/** At most this many passkeys per account (the list is bounded in the protocol too). */
export const MAX_PASSKEYS = 20;
const signInKey = (signInId: string) => secretKey('passkey-sign-in', signInId);

const info = (c: PasskeyRecord) => ({ id: c.id, name: c.name, transports: c.transports, createdAt: c.createdAt, lastUsedAt: c.lastUsedAt, wrappedAccountKey: c.wrappedAccountKey });

/** The user handle the credential was created with is the account's UUID (16 bytes): it must match when sent. */
function userHandleMatches(userHandle: string | undefined, userId: string): boolean {
  if (userHandle === undefined) return true;
  try {
    return toBase64Url(fromBase64Url(userHandle)) === toBase64Url(Buffer.from(userId.replaceAll('-', ''), 'hex'));
  } catch {
    return false;
  }
}

export function passkeyRoutes(app: App, ctx: Context): void {
  const floors = { signInFailure: createAnswerFloor() };

  route(app, api.passkeys.list, async (request) => {
    const { userId } = requireAuth(request);
    return { passkeys: (await ctx.storage.passkeys.list(userId)).map(info) };
  });

  route(app, api.passkeys.registerStart, async (request) => {
    const auth = requireAuth(request);
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const existing = await ctx.storage.passkeys.list(auth.userId);
    if (existing.length >= MAX_PASSKEYS) throw new WatchwordError('PASSKEY_LIMIT');
    return { options: await startRegistration(ctx, auth, PASSKEY, existing) };
  });

  route(app, api.passkeys.registerFinish, async (request) => {
    const auth = requireAuth(request);
    const verified = await finishRegistration(ctx, auth, PASSKEY, {
      response: request.body.response,
      name: request.body.name,
      onInvalid: async (cause) => {
        await audit(ctx, request, { action: 'passkey.added', actorId: auth.userId, outcome: 'failure', context: { reason: 'invalid_attestation' } });
        return new WatchwordError('INVALID_CREDENTIALS', { cause });
      },
    });
    const record = { ...verified, wrappedAccountKey: request.body.wrappedAccountKey };
    if ((await ctx.storage.passkeys.add(record)) === 'exists') throw new WatchwordError('PASSKEY_EXISTS');
    await audit(ctx, request, { action: 'passkey.added', actorId: auth.userId, outcome: 'success', context: { credential: record.id.slice(0, 16) } });
    void notify(ctx, await accountEmail(ctx, auth.userId), templates.passkeyAdded({ name: record.name }));
    return { ok: true as const, passkey: info({ ...record, lastUsedAt: null }) };
  });

  route(app, api.passkeys.remove, async (request) => {
    const auth = requireAuth(request);
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const removed = await ctx.storage.passkeys.delete(auth.userId, request.params.id);
    if (!removed) throw new WatchwordError('PASSKEY_NOT_FOUND');
    await audit(ctx, request, { action: 'passkey.removed', actorId: auth.userId, outcome: 'success', context: { credential: removed.id.slice(0, 16) } });
    void notify(ctx, await accountEmail(ctx, auth.userId), templates.passkeyRemoved({ name: removed.name }));
    return { ok: true as const };
  });

  route(app, api.passkeys.signInStart, async (request) => {
    // Not a guess (no secret is sent): refused only while the IP is blocked.
    await credentialAttempt(ctx, request, 'login').ipOpen();
    const { options, challenge } = await startAssertion(ctx, 'passkey', []);
    const signInId = toBase64Url(randomBytes(32));
    await ctx.state.set(signInKey(signInId), JSON.stringify({ challenge, expiresAt: ctx.now() + CEREMONY_TTL_MS }), CEREMONY_TTL_MS);
    return { signInId, options };
  });

  route(app, api.passkeys.signInFinish, async (request, reply) => {
    await credentialAttempt(ctx, request, 'login').ipOpen();
    const jkt = await tokenRequestJkt(ctx, request);
    const refuse = async (userId: string | null, reason: string, error: WatchwordError): Promise<never> => {
      await credentialAttempt(ctx, request, 'login', userId === null ? {} : { account: userId }).failed();
      if (userId !== null) await audit(ctx, request, { action: 'auth.login', actorId: userId, outcome: 'failure', context: { method: 'passkey', reason } });
      ctx.metrics.login('failure');
      await floors.signInFailure.hold(reply.elapsedTime);
      throw error;
    };

    // Single use, right or wrong: the challenge is taken before the assertion is checked.
    const raw = await ctx.state.take(signInKey(request.body.signInId));
    const pending = raw === null ? null : (JSON.parse(raw) as { challenge: string; expiresAt: number });
    if (pending === null || pending.expiresAt <= ctx.now()) return refuse(null, 'expired', new WatchwordError('HANDSHAKE_EXPIRED'));

    const { response } = request.body;
    const credential = await ctx.storage.passkeys.find(response.id);
    if (!credential) return refuse(null, 'unknown_credential', new WatchwordError('INVALID_CREDENTIALS'));
    // A locked-out account stays locked out whatever the credential.
    await credentialAttempt(ctx, request, 'login', { account: credential.userId, targetId: credential.userId }).check();
    if (!userHandleMatches(response.response.userHandle, credential.userId)) return refuse(credential.userId, 'user_handle', new WatchwordError('INVALID_CREDENTIALS'));

    // The counter moves once: a concurrent use of the same assertion (or a clone) loses.
    const use = (userId: string, id: string, expected: number, counter: number, now: number) => ctx.storage.passkeys.use(userId, id, expected, counter, now);
    const check = await checkAssertion(ctx, { purpose: 'passkey', response, challenge: pending.challenge, credential, use });
    if (!check.ok) {
      if (check.reason === 'invalid_assertion') ctx.log.info({ err: check.error }, 'passkey assertion refused');
      return refuse(credential.userId, check.reason, new WatchwordError('INVALID_CREDENTIALS'));
    }

    const client = clientInfo(request, request.body.deviceName, jkt);
    const gate = await ctx.storage.mfa.loginGate(credential.userId, { name: client.deviceName, userAgent: client.userAgent });
    if (gate.disabled) {
      await audit(ctx, request, { action: 'auth.login', actorId: credential.userId, outcome: 'denied', context: { method: 'passkey', reason: 'disabled' } });
      throw new WatchwordError('ACCOUNT_DISABLED');
    }
    await credentialAttempt(ctx, request, 'login', { account: credential.userId }).succeeded();
    const email = await accountEmail(ctx, credential.userId);
    notifyIfNewDevice(ctx, email, client, gate.device);
    const event = auditEvent(ctx, request, {
      action: 'auth.login',
      actorId: credential.userId,
      outcome: 'success',
      context: { device: client.deviceName, dpop: client.dpopJkt !== null, method: 'passkey', secondFactor: 'webauthn' },
    });
    const tokens = await openSession(ctx, credential.userId, client, event, 'webauthn');
    ctx.metrics.login('success');
    return { ...tokens, userId: credential.userId, credentialId: credential.id, wrappedAccountKey: credential.wrappedAccountKey };
  });
}
