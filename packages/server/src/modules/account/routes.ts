import {
  api,
  normaliseEmail,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireAuth, requireInteractiveAuth } from '../../http/authenticate.ts';
import { KEEP_AN_OWNER, isLastActiveOwner, permissionsOf } from '../../rbac/permissions.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { audit } from '../../audit/audit.ts';
import * as templates from '../../mail/templates.ts';
import { EMAIL_TOKEN_TTL_MS, emailLink, issueEmailToken } from '../../tokens/email-token.ts';
import { saveHandshake, takeHandshake } from '../../lib/handshakes.ts';
import { assertAllowedKdf, assertUsableRecord, registrationResponse } from '../../lib/opaque-steps.ts';
import { consumeReauth } from '../../lib/reauth.ts';
import { denySessions } from '../../lib/sessions.ts';
import { notify } from '../../lib/notify.ts';


interface PasswordChangeHandshake {
  userId: string;
  sessionId: string;
}

/** How many recent security events a user sees about their own account. */
const ACTIVITY_LIMIT = 100;

export function accountRoutes(app: App, ctx: Context): void {
  route(app, api.account.get, async (request) => {
    const { userId } = requireAuth(request);
    const user = await ctx.storage.users.findById(userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    const [vaults, sharingKeys, accountData] = await Promise.all([ctx.storage.vaults.listForUser(userId), ctx.storage.sharingKeys.own(userId), ctx.storage.account.accountData(userId)]);
    return {
      userId: user.id,
      email: user.email,
      createdAt: user.createdAt,
      kdfVersion: user.kdfVersion,
      keys: {
        kekSalt: user.kekSalt,
        wrappedAccountKey: user.wrappedAccountKey,
        x25519PublicKey: user.x25519PublicKey,
        ed25519PublicKey: user.ed25519PublicKey,
        wrappedX25519PrivateKey: user.wrappedX25519PrivateKey,
        wrappedEd25519PrivateKey: user.wrappedEd25519PrivateKey,
      },
      vaults: vaults.map((v) => ({ id: v.id, kind: v.kind, wrappedKey: v.wrappedKey, createdAt: v.createdAt })),
      revision: user.revision,
      emailVerified: user.emailVerifiedAt !== null,
      accountData: accountData?.sealed ?? null,
      accountDataRevision: accountData?.revision ?? 0,
      sharingKeys: sharingKeys ?? null,
    };
  });

  /**
   * The client-sealed account data (password history, key pins), replaced only at the revision the client read: two
   * devices writing at once cannot overwrite each other — the second reads again, merges and retries. The server
   * cannot open it; the audit event records that it changed, never what it holds.
   */
  route(app, api.account.writeData, async (request) => {
    const { userId } = requireInteractiveAuth(request);
    const result = await ctx.storage.account.writeAccountData(userId, request.body.accountData, request.body.revision, ctx.now());
    if (result === undefined) throw new WatchwordError('INVALID_TOKEN');
    if (result === 'conflict') throw new WatchwordError('ACCOUNT_DATA_CONFLICT');
    await audit(ctx, request, { action: 'account.data_updated', actorId: userId, outcome: 'success', context: { revision: result } });
    return { revision: result };
  });

  /**
   * What this account may do beyond its own vault, so that a client shows only what it may use without trying (and
   * being refused by, and audited as denied by) the admin API. The same answers the admin routes' checks give: the
   * permissions read fresh from the roles, and whether this session lacks the second factor they require.
   */
  route(app, api.account.permissions, async (request) => {
    const { userId, sessionId } = requireAuth(request);
    const permissions = [...(await permissionsOf(ctx, userId))].filter((p) => p !== 'account:self').sort();
    const secondFactorRequired =
      permissions.length > 0 && ctx.config.adminSecondFactor === 'required' && (await ctx.storage.sessions.findById(sessionId))?.secondFactor == null;
    return { permissions, secondFactorRequired };
  });

  /**
   * Password change (design brief §1): after fresh authentication the client re-registers with OPAQUE and re-wraps
   * the account key; the server swaps record and wrap in one transaction and ends every other session. No item is
   * re-encrypted. Strength and history are the client's job (the server never sees a password).
   */
  route(app, api.account.passwordStart, async (request) => {
    const auth = requireAuth(request);
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const response = registrationResponse(ctx, auth.userId, request.body.registrationRequest);
    const handshake: PasswordChangeHandshake = { userId: auth.userId, sessionId: auth.sessionId };
    return { changeId: await saveHandshake(ctx.state, 'password', handshake), registrationResponse: response };
  });

  route(app, api.account.passwordFinish, async (request) => {
    const auth = requireAuth(request);
    const body = request.body;
    assertAllowedKdf(ctx, body.kdfVersion);
    const hs = await takeHandshake<PasswordChangeHandshake>(ctx.state, 'password', body.changeId);
    if (hs.userId !== auth.userId || hs.sessionId !== auth.sessionId) throw new WatchwordError('HANDSHAKE_EXPIRED');
    assertUsableRecord(ctx, auth.userId, body.registrationRecord);
    const revoked = await ctx.storage.account.changePassword(
      auth.userId,
      { opaqueRecord: body.registrationRecord, kdfVersion: body.kdfVersion, kekSalt: body.kekSalt, wrappedAccountKey: body.wrappedAccountKey, accountData: body.accountData },
      auth.sessionId,
      ctx.now(),
      body.accountDataRevision,
    );
    if (revoked === undefined) throw new WatchwordError('INVALID_TOKEN');
    if (revoked === 'conflict') throw new WatchwordError('ACCOUNT_DATA_CONFLICT');
    await denySessions(ctx, revoked);
    await audit(ctx, request, { action: 'account.password_changed', actorId: auth.userId, outcome: 'success', context: { sessionsRevoked: revoked.length } });
    const user = await ctx.storage.users.findById(auth.userId);
    if (user) void notify(ctx, user.email, templates.passwordChanged({ at: new Date(ctx.now()) }));
    return { ok: true as const, revokedSessions: revoked.length };
  });

  route(app, api.account.resendVerification, async (request) => {
    const { userId } = requireAuth(request);
    const user = await ctx.storage.users.findById(userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    if (user.emailVerifiedAt === null) {
      const token = await issueEmailToken(ctx, userId, 'verify_email');
      void notify(ctx, user.email, templates.verifyEmail({ link: emailLink(ctx, 'verify-email', token), expiresMinutes: EMAIL_TOKEN_TTL_MS.verify_email / 60_000 }));
    }
    return { ok: true as const };
  });

  route(app, api.account.activity, async (request) => {
    const { userId } = requireAuth(request);
    const events = await ctx.storage.audit.listForUser(userId, ACTIVITY_LIMIT);
    return { events: events.map((e) => ({ at: e.at, action: e.action, outcome: e.outcome, ip: e.ip, userAgent: e.userAgent })) };
  });

  /**
   * An export of the vault, announced by the client that makes it (the server cannot read the vault, so it cannot
   * make one): needs fresh authentication, so a stolen access token alone cannot take the vault away unrecorded, and
   * leaves an audit event with the format and item count.
   */
  route(app, api.account.exportEvent, async (request) => {
    const auth = requireAuth(request);
    try {
      await consumeReauth(ctx, auth, request.body.reauthToken);
    } catch (error) {
      await audit(ctx, request, { action: 'account.exported', actorId: auth.userId, outcome: 'denied', context: { format: request.body.format, reason: 'reauth' } });
      throw error;
    }
    await audit(ctx, request, { action: 'account.exported', actorId: auth.userId, outcome: 'success', context: { format: request.body.format, items: request.body.items } });
    return { ok: true as const };
  });

  /** Account deletion after fresh authentication and the address typed again; the audit event stays. */
  route(app, api.account.delete, async (request) => {
    const auth = requireAuth(request);
    const user = await ctx.storage.users.findById(auth.userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    if (normaliseEmail(request.body.confirmEmail) !== user.email) throw new WatchwordError('VALIDATION_FAILED', { details: { field: '/confirmEmail' } });
    // The server's last active owner must hand the role on first (LAST_OWNER), as they would through the admin API.
    const lastOwner = async () => {
      await audit(ctx, request, { action: 'account.deleted', actorId: auth.userId, outcome: 'denied', context: { reason: 'last_owner' } });
      return new WatchwordError('LAST_OWNER');
    };
    // Refused before the fresh authentication is used up, so it still serves to hand the role on; the deletion's
    // own transaction decides again (an owner removed meanwhile cannot slip past).
    if (await isLastActiveOwner(ctx, auth.userId)) throw await lastOwner();
    await consumeReauth(ctx, auth, request.body.reauthToken);
    const live = await ctx.storage.account.delete(auth.userId, ctx.now(), KEEP_AN_OWNER);
    if (live === 'last_holder') throw await lastOwner();
    if (live === undefined) throw new WatchwordError('INVALID_TOKEN');
    // Every session that existed is denied (the rows are gone, so the denylist cannot be rebuilt from them later;
    // their tokens fail anyway: the user no longer exists).
    await denySessions(ctx, [...live, auth.sessionId]);
    await audit(ctx, request, { action: 'account.deleted', actorId: auth.userId, outcome: 'success', context: { sessionsRevoked: live.length } });
    void notify(ctx, user.email, templates.accountDeleted({ at: new Date(ctx.now()) }));
    return { ok: true as const };
  });
}
