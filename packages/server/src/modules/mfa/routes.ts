/**
 * Managing second factors. Adding a factor or regenerating backup codes needs fresh authentication (a
 * stolen access token must not be able to bind an attacker's authenticator); turning TOTP off needs a current code.
 * The first factor enabled comes with a set of backup codes, shown once.
 */
import {
  api,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import type { FastifyRequest } from 'fastify';
import { requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { audit } from '../../audit/audit.ts';
import { credentialAttempt } from '../../lib/credential-attempt.ts';
import * as templates from '../../mail/templates.ts';
import type { WebauthnCredentialRecord } from '../../storage/mfa.ts';
import { notify } from '../../lib/notify.ts';
import { consumeReauth } from '../../lib/reauth.ts';
import { accountEmail } from '../../lib/account-email.ts';
import { factorSummary, issueBackupCodes, totpSeedCipher, useTotpCode } from '../../lib/second-factor/factors.ts';
import { enrolmentFor, matchTotp, newTotpSeed } from '../../lib/second-factor/totp.ts';
import { type RegistrationCeremony, finishRegistration, startRegistration } from '../../lib/webauthn/ceremony.ts';

const ISSUER = 'Watchword';
/** Security keys: a second factor, kept in `webauthn_credentials`. */
const SECURITY_KEY: RegistrationCeremony = { purpose: 'second-factor', rpName: ISSUER, stateKey: 'webauthn-registration' };

const credentialInfo = (c: Pick<WebauthnCredentialRecord, 'id' | 'name' | 'createdAt' | 'lastUsedAt'>) => ({ id: c.id, name: c.name, createdAt: c.createdAt, lastUsedAt: c.lastUsedAt });

/** Backup codes come with the first factor; later factors leave an existing set alone. */
async function firstFactorCodes(ctx: Context, request: FastifyRequest, userId: string): Promise<{ backupCodes?: string[] }> {
  const summary = await factorSummary(ctx, userId);
  if (summary.backupCodes > 0) return {};
  const backupCodes = await issueBackupCodes(ctx, userId);
  await audit(ctx, request, { action: 'mfa.backup_codes_generated', actorId: userId, outcome: 'success' });
  return { backupCodes };
}

/** TOTP and WebAuthn are the factors; with neither left, the backup codes go too (they only stand in for them). */
async function dropOrphanedBackupCodes(ctx: Context, userId: string): Promise<void> {
  const summary = await factorSummary(ctx, userId);
  if (!summary.totp && summary.webauthn.length === 0) await ctx.storage.mfa.deleteBackupCodes(userId);
}

export function mfaRoutes(app: App, ctx: Context): void {
  route(app, api.mfa.status, async (request) => {
    const { userId } = requireAuth(request);
    const s = await factorSummary(ctx, userId);
    return { totp: { enabled: s.totp, pending: s.totpPending }, webauthn: s.webauthn.map(credentialInfo), backupCodes: { remaining: s.backupCodes } };
  });

  route(app, api.mfa.totpEnable, async (request) => {
    const auth = requireAuth(request);
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const seed = newTotpSeed();
    try {
      const state = await ctx.storage.mfa.putPendingTotp(auth.userId, totpSeedCipher(ctx).seal(auth.userId, seed), ctx.now());
      if (state === 'active') throw new WatchwordError('FACTOR_ALREADY_ENABLED');
      return enrolmentFor(seed, await accountEmail(ctx, auth.userId), ISSUER);
    } finally {
      seed.fill(0);
    }
  });

  route(app, api.mfa.totpConfirm, async (request) => {
    const { userId } = requireAuth(request);
    // A code is a guessable secret: counted like one.
    await credentialAttempt(ctx, request, 'mfa', { account: userId, actorId: userId }).begin();
    const factor = await ctx.storage.mfa.getTotp(userId);
    if (!factor) throw new WatchwordError('FACTOR_NOT_FOUND');
    if (factor.confirmedAt !== null) throw new WatchwordError('FACTOR_ALREADY_ENABLED');
    const seed = totpSeedCipher(ctx).open(userId, factor.seedSealed);
    let step: number | null;
    try {
      step = await matchTotp(seed, request.body.code, ctx.now());
    } finally {
      seed.fill(0);
    }
    if (step === null || !(await ctx.storage.mfa.confirmTotp(userId, factor.seedSealed, step, ctx.now()))) {
      await audit(ctx, request, { action: 'mfa.totp_enabled', actorId: userId, outcome: 'failure', context: { reason: 'wrong_code' } });
      throw new WatchwordError('INVALID_SECOND_FACTOR');
    }
    await credentialAttempt(ctx, request, 'mfa', { account: userId }).succeeded();
    await audit(ctx, request, { action: 'mfa.totp_enabled', actorId: userId, outcome: 'success' });
    void notify(ctx, await accountEmail(ctx, userId), templates.factorAdded({ kind: 'totp' }));
    return { ok: true as const, ...(await firstFactorCodes(ctx, request, userId)) };
  });

  route(app, api.mfa.totpDisable, async (request) => {
    const { userId } = requireAuth(request);
    await credentialAttempt(ctx, request, 'mfa', { account: userId, actorId: userId }).begin();
    const factor = await ctx.storage.mfa.getTotp(userId);
    if (!factor || factor.confirmedAt === null) throw new WatchwordError('FACTOR_NOT_FOUND');
    // Only with a fresh code (single use like any other).
    if (!(await useTotpCode(ctx, userId, request.body.code))) {
      await audit(ctx, request, { action: 'mfa.totp_disabled', actorId: userId, outcome: 'failure', context: { reason: 'wrong_code' } });
      throw new WatchwordError('INVALID_SECOND_FACTOR');
    }
    await credentialAttempt(ctx, request, 'mfa', { account: userId }).succeeded();
    await ctx.storage.mfa.deleteTotp(userId);
    await dropOrphanedBackupCodes(ctx, userId);
    await audit(ctx, request, { action: 'mfa.totp_disabled', actorId: userId, outcome: 'success' });
    void notify(ctx, await accountEmail(ctx, userId), templates.factorRemoved({ kind: 'totp' }));
    return { ok: true as const };
  });

  route(app, api.mfa.backupCodes, async (request) => {
    const auth = requireAuth(request);
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const summary = await factorSummary(ctx, auth.userId);
    if (!summary.totp && summary.webauthn.length === 0) throw new WatchwordError('FACTOR_NOT_FOUND');
    const backupCodes = await issueBackupCodes(ctx, auth.userId);
    await audit(ctx, request, { action: 'mfa.backup_codes_generated', actorId: auth.userId, outcome: 'success' });
    void notify(ctx, await accountEmail(ctx, auth.userId), templates.factorAdded({ kind: 'backup_codes' }));
    return { backupCodes };
  });

  route(app, api.mfa.webauthnOptions, async (request) => {
    const auth = requireAuth(request);
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const options = await startRegistration(ctx, auth, SECURITY_KEY, await ctx.storage.mfa.listWebauthn(auth.userId));
    return { options };
  });

  route(app, api.mfa.webauthnAdd, async (request) => {
    const auth = requireAuth(request);
    const record = await finishRegistration(ctx, auth, SECURITY_KEY, {
      response: request.body.response,
      name: request.body.name,
      onInvalid: (cause) => new WatchwordError('INVALID_SECOND_FACTOR', { cause }),
    });
    if ((await ctx.storage.mfa.addWebauthn(record)) === 'exists') throw new WatchwordError('FACTOR_ALREADY_ENABLED');
    await audit(ctx, request, { action: 'mfa.webauthn_added', actorId: auth.userId, outcome: 'success', context: { credential: record.id.slice(0, 16) } });
    void notify(ctx, await accountEmail(ctx, auth.userId), templates.factorAdded({ kind: 'webauthn', name: record.name }));
    return { ok: true as const, credential: credentialInfo({ ...record, lastUsedAt: null }), ...(await firstFactorCodes(ctx, request, auth.userId)) };
  });

  route(app, api.mfa.webauthnRemove, async (request) => {
    const auth = requireAuth(request);
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const removed = await ctx.storage.mfa.deleteWebauthn(auth.userId, request.params.id);
    if (!removed) throw new WatchwordError('FACTOR_NOT_FOUND');
    await dropOrphanedBackupCodes(ctx, auth.userId);
    await audit(ctx, request, { action: 'mfa.webauthn_removed', actorId: auth.userId, outcome: 'success', context: { credential: removed.id.slice(0, 16) } });
    void notify(ctx, await accountEmail(ctx, auth.userId), templates.factorRemoved({ kind: 'webauthn', name: removed.name }));
    return { ok: true as const };
  });
}
