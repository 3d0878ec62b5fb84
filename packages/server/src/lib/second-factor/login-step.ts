/**
 * The second step of a login with a second factor. login/finish proves the password and, when the account has a
 * factor, answers `{ mfaRequired, mfaToken, methods }` instead of tokens: the pending login is kept in the state
 * store (any instance can finish it) for 5 minutes, bound to the login's client (IP-independent, but to its DPoP
 * key), and allows at most MAX_ATTEMPTS wrong factors before the password must be proven again.
 */
import { randomBytes } from 'node:crypto';
import { type MfaChallengeResponse, type MfaRequest, type WebauthnAuthenticationResponse, WatchwordError, toBase64Url } from '@watchword/protocol';
import type { FastifyRequest } from 'fastify';
import type { Context } from '../../context.ts';
import { audit } from '../../audit/audit.ts';
import { credentialAttempt } from '../../lib/credential-attempt.ts';
import { checkAssertion, startAssertion } from '../webauthn/ceremony.ts';
import { type FactorSummary, methodsOf, useBackupCode, useTotpCode } from './factors.ts';
import { secretKey } from '../handshakes.ts';
import type { ClientInfo } from '../sessions.ts';

export const MFA_TTL_MS = 5 * 60_000;
const MAX_ATTEMPTS = 5;
const key = (token: string) => secretKey('mfa', token);

interface PendingLogin {
  userId: string;
  email: string;
  client: ClientInfo;
  /** WebAuthn challenge (base64url) when the user has security keys. */
  challenge: string | null;
  attempts: number;
  expiresAt: number;
  /** The login handshake's `credential` (absent in a pending login started before the server recorded it). */
  credential?: string;
}

export async function startMfa(
  ctx: Context,
  userId: string,
  email: string,
  client: ClientInfo,
  factors: FactorSummary,
  credential: string,
): Promise<MfaChallengeResponse> {
  let webauthn: MfaChallengeResponse['webauthn'];
  let challenge: string | null = null;
  if (factors.webauthn.length > 0) {
    const generated = await startAssertion(ctx, 'second-factor', factors.webauthn);
    webauthn = generated.options;
    challenge = generated.challenge;
  }
  const mfaToken = toBase64Url(randomBytes(32));
  const pending: PendingLogin = { userId, email, client, challenge, attempts: 0, expiresAt: ctx.now() + MFA_TTL_MS, credential };
  await ctx.state.set(key(mfaToken), JSON.stringify(pending), MFA_TTL_MS);
  ctx.metrics.login('mfa_required');
  return { mfaRequired: true, mfaToken, expiresIn: MFA_TTL_MS / 1000, methods: methodsOf(factors), ...(webauthn ? { webauthn } : {}) };
}

/** Checks a security key's assertion against the account's credential it names and uses its counter up. */
async function useWebauthnAssertion(ctx: Context, userId: string, response: WebauthnAuthenticationResponse, challenge: string): Promise<boolean> {
  const credential = (await ctx.storage.mfa.listWebauthn(userId)).find((c) => c.id === response.id);
  if (!credential) return false;
  const use = (owner: string, id: string, expected: number, counter: number, now: number) => ctx.storage.mfa.useWebauthn(owner, id, expected, counter, now);
  try {
    return (await checkAssertion(ctx, { purpose: 'second-factor', response, challenge, credential, use })).ok;
  } catch {
    return false;
  }
}

/**
 * Checks the factor; on success the pending login is used up and returned (the caller opens the session). A wrong
 * factor puts it back with one attempt fewer. Taking it first makes every attempt exclusive: two concurrent
 * attempts with one token cannot both pass.
 */
export async function completeMfa(ctx: Context, request: FastifyRequest, body: MfaRequest, dpopJkt: string | null): Promise<PendingLogin> {
  const raw = await ctx.state.take(key(body.mfaToken));
  if (raw === null) {
    await credentialAttempt(ctx, request, 'mfa').failed();
    throw new WatchwordError('HANDSHAKE_EXPIRED');
  }
  const pending = JSON.parse(raw) as PendingLogin;
  // Expiry is decided by the server clock; the store's TTL only collects garbage.
  if (pending.expiresAt <= ctx.now()) throw new WatchwordError('HANDSHAKE_EXPIRED');
  /** Puts the pending login back with `attempts` used, unless they are all used or it has expired. */
  const keep = async (attempts: number) => {
    const remaining = pending.expiresAt - ctx.now();
    if (attempts < MAX_ATTEMPTS && remaining > 0) await ctx.state.set(key(body.mfaToken), JSON.stringify({ ...pending, attempts }), remaining);
  };
  // Bound to the login's DPoP key (RFC 9449 §5): a token stolen from the client is useless without the key, and
  // cannot be used to end the client's own login either (no factor was checked: nothing counts).
  if (pending.client.dpopJkt !== dpopJkt) {
    await keep(pending.attempts);
    throw new WatchwordError('INVALID_DPOP_PROOF', { cause: 'mfa token bound to another key' });
  }
  // TOTP and backup codes are guessable: counted before checking, per account and IP like a password. A refusal
  // checked nothing, so the login stays open: retrying after Retry-After with the same token must work.
  try {
    // Keyed by the user id, as the account's other code checks are (TOTP confirm and disable): one budget of guesses.
    await credentialAttempt(ctx, request, 'mfa', { account: pending.userId, targetId: pending.userId }).begin();
  } catch (error) {
    await keep(pending.attempts);
    throw error;
  }
  let ok = false;
  if (body.method === 'totp') ok = await useTotpCode(ctx, pending.userId, body.code);
  else if (body.method === 'backup_code') ok = await useBackupCode(ctx, pending.userId, body.code);
  else ok = pending.challenge !== null && (await useWebauthnAssertion(ctx, pending.userId, body.response, pending.challenge));

  if (!ok) {
    ctx.metrics.login('mfa_failure');
    await audit(ctx, request, { action: 'auth.mfa', actorId: pending.userId, outcome: 'failure', context: { method: body.method } });
    await keep(pending.attempts + 1);
    throw new WatchwordError('INVALID_SECOND_FACTOR');
  }
  await credentialAttempt(ctx, request, 'mfa', { account: pending.userId }).succeeded();
  await audit(ctx, request, { action: 'auth.mfa', actorId: pending.userId, outcome: 'success', context: { method: body.method } });
  if (body.method === 'backup_code') await audit(ctx, request, { action: 'mfa.backup_code_used', actorId: pending.userId, outcome: 'success' });
  return pending;
}
