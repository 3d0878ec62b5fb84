/**
 * Account recovery (design brief §1). The server cannot reset a password in a zero-knowledge design:
 * - with the RECOVERY KEY (a second wrap of the account key, shown once at registration) and a single-use e-mail
 *   token (30 min, stored as SHA-256), the client sets a new password: new OPAQUE record, new password wrap, and a
 *   rotated recovery key. Every item stays readable; every session ends; second factors are removed (the recovery
 *   key and the mailbox together replace them — the way back in for someone who lost their factor);
 * - without it, the only way is an explicit "reset and lose the vault": new keys, every item deleted.
 * The request step answers the same whether or not the address has an account (no enumeration).
 */
import {
  api,
  normaliseEmail,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { audit } from '../../audit/audit.ts';
import { accountByEmail, credentialAttempt } from '../../lib/credential-attempt.ts';
import * as templates from '../../mail/templates.ts';
import { EMAIL_TOKEN_TTL_MS, consumeEmailToken, emailLink, issueEmailToken } from '../../tokens/email-token.ts';
import { saveHandshake, takeHandshake } from '../../lib/handshakes.ts';
import { assertAllowedKdf, assertUsableRecord, registrationResponse } from '../../lib/opaque-steps.ts';
import { denySessions } from '../../lib/sessions.ts';
import { notify } from '../../lib/notify.ts';
import { hashRecoveryVerifier, recoveryVerifierMatches } from '../../lib/recovery-verifier.ts';
import { createAnswerFloor } from '../../http/answer-floor.ts';


interface RecoveryHandshake {
  userId: string;
  email: string;
}

/** Takes the recovery exchange started with a valid e-mail token (one finish per token). */
async function takeRecovery(ctx: Context, request: FastifyRequest, recoveryId: string): Promise<RecoveryHandshake> {
  try {
    return await takeHandshake<RecoveryHandshake>(ctx.state, 'recovery', recoveryId);
  } catch (error) {
    await credentialAttempt(ctx, request, 'email_token').failed();
    throw error;
  }
}

export function recoveryRoutes(app: App, ctx: Context): void {
  // A known address writes a token and an audit event, an unknown one nothing: the answer is held to a floor so its
  // timing does not tell them apart (http/answer-floor.ts).
  const requestFloor = createAnswerFloor();

  route(app, api.recovery.request, async (request, reply) => {
    const email = normaliseEmail(request.body.email);
    // Counted per address and IP (known or not): bounds the mail one can make the server send.
    await credentialAttempt(ctx, request, 'recovery', { account: email, targetId: accountByEmail(ctx, email) }).begin();
    const user = await ctx.storage.users.findByEmail(email);
    if (user) {
      const token = await issueEmailToken(ctx, user.id, 'recovery');
      void notify(ctx, email, templates.recoveryRequested({ link: emailLink(ctx, 'recover', token), token, expiresMinutes: EMAIL_TOKEN_TTL_MS.recovery / 60_000 }));
      await audit(ctx, request, { action: 'recovery.requested', actorId: null, targetId: user.id, outcome: 'success' });
    }
    await requestFloor.hold(reply.elapsedTime);
    return reply.code(202).send({ accepted: true as const });
  });

  route(app, api.recovery.start, async (request) => {
    const userId = await credentialAttempt(ctx, request, 'email_token').guard(() => consumeEmailToken(ctx, request.body.token, 'recovery'));
    const user = await ctx.storage.users.findById(userId);
    if (!user) throw new WatchwordError('INVALID_EMAIL_TOKEN');
    const response = registrationResponse(ctx, user.id, request.body.registrationRequest);
    const handshake: RecoveryHandshake = { userId: user.id, email: user.email };
    const recoveryId = await saveHandshake(ctx.state, 'recovery', handshake);
    return {
      recoveryId,
      userId: user.id,
      registrationResponse: response,
      recoverySalt: user.recoverySalt,
      recoveryWrappedKey: user.recoveryWrappedKey,
      recoveryAvailable: user.recoveryVerifierHash !== null,
    };
  });

  route(app, api.recovery.finish, async (request) => {
    const body = request.body;
    assertAllowedKdf(ctx, body.kdfVersion);
    await credentialAttempt(ctx, request, 'recovery').ipOpen();
    const hs = await takeRecovery(ctx, request, body.recoveryId);
    const user = await ctx.storage.users.findById(hs.userId);
    if (!user || !recoveryVerifierMatches(user.recoveryVerifierHash, body.recoveryVerifier)) {
      // The e-mail token is used up with this exchange: a wrong recovery key means requesting a new mail.
      await credentialAttempt(ctx, request, 'recovery', { account: hs.email }).failed();
      await audit(ctx, request, { action: 'recovery.completed', actorId: hs.userId, outcome: 'failure', context: { reason: 'recovery key' } });
      throw new WatchwordError('INVALID_CREDENTIALS');
    }
    assertUsableRecord(ctx, hs.userId, body.registrationRecord);
    const revoked = await ctx.storage.account.recover(
      hs.userId,
      {
        opaqueRecord: body.registrationRecord,
        kdfVersion: body.kdfVersion,
        kekSalt: body.keys.kekSalt,
        wrappedAccountKey: body.keys.wrappedAccountKey,
        accountData: body.accountData ?? user.accountData,
        recoverySalt: body.keys.recoverySalt,
        recoveryWrappedKey: body.keys.recoveryWrappedKey,
        recoveryVerifierHash: hashRecoveryVerifier(body.keys.recoveryVerifier),
      },
      ctx.now(),
    );
    if (revoked === undefined) throw new WatchwordError('INVALID_EMAIL_TOKEN');
    await denySessions(ctx, revoked);
    await credentialAttempt(ctx, request, 'recovery', { account: hs.email }).succeeded();
    await audit(ctx, request, { action: 'recovery.completed', actorId: hs.userId, outcome: 'success', context: { sessionsRevoked: revoked.length } });
    void notify(ctx, hs.email, templates.recoveryUsed({ at: new Date(ctx.now()), ip: request.ip }));
    return { ok: true as const };
  });

  route(app, api.recovery.resetVault, async (request) => {
    const body = request.body;
    assertAllowedKdf(ctx, body.kdfVersion);
    await credentialAttempt(ctx, request, 'recovery').ipOpen();
    const hs = await takeRecovery(ctx, request, body.recoveryId);
    assertUsableRecord(ctx, hs.userId, body.registrationRecord);
    const { personalVault, recoveryVerifier, ...keys } = body.keys;
    const reset = await ctx.storage.account.resetVault(
      hs.userId,
      {
        opaqueRecord: body.registrationRecord,
        kdfVersion: body.kdfVersion,
        accountData: body.accountData ?? null,
        ...keys,
        recoveryVerifierHash: hashRecoveryVerifier(recoveryVerifier),
      },
      { id: personalVault.id, kind: 'personal', wrappedKey: personalVault.wrappedKey },
      ctx.now(),
    );
    if (reset === undefined) throw new WatchwordError('INVALID_EMAIL_TOKEN');
    await denySessions(ctx, reset.revoked);
    await credentialAttempt(ctx, request, 'recovery', { account: hs.email }).succeeded();
    await audit(ctx, request, {
      action: 'recovery.vault_reset',
      actorId: hs.userId,
      outcome: 'success',
      context: { sessionsRevoked: reset.revoked.length, rolesRemoved: reset.rolesRemoved.join(',') },
    });
    void notify(ctx, hs.email, templates.vaultReset({ at: new Date(ctx.now()), ip: request.ip }));
    return { ok: true as const };
  });
}
