/**
 * Fresh authentication (step-up) for sensitive operations — password change, second-factor changes, account
 * deletion. A stolen access token alone must not be enough for them, so the signed-in user proves the master
 * password again with a full OPAQUE login (RFC 9807 §6) and gets a reauth token: random, single-use, bound to the
 * session, valid 5 minutes.
 */
import { randomBytes } from 'node:crypto';
import {
  api,
  opaqueServer,
  toBase64Url,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireAuth } from '../../http/authenticate.ts';
import type { App, AuthInfo } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { audit } from '../../audit/audit.ts';
import { credentialAttempt } from '../../lib/credential-attempt.ts';
import { saveHandshake, takeHandshake } from '../../lib/handshakes.ts';
import { REAUTH_TTL_MS, reauthKey } from '../../lib/reauth.ts';
import { finishLoginVerified, opaque } from '../../lib/opaque-steps.ts';


interface ReauthHandshake {
  serverLoginState: string;
  userId: string;
  sessionId: string;
}

export function reauthRoutes(app: App, ctx: Context): void {
  route(app, api.auth.reauthStart, async (request) => {
    const auth = requireAuth(request);
    // A guessable secret (the password): counted before any work, per user and IP.
    await credentialAttempt(ctx, request, 'reauth', { account: auth.userId, actorId: auth.userId }).begin();
    const user = await ctx.storage.users.findById(auth.userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    const { serverLoginState, loginResponse } = opaque(() =>
      opaqueServer.startServerLogin({
        serverSetup: ctx.secrets.opaqueServerSetup,
        userId: user.id,
        registrationRecord: user.opaqueRecord,
        startLoginRequest: request.body.startLoginRequest,
      }),
    );
    const handshake: ReauthHandshake = { serverLoginState, userId: user.id, sessionId: auth.sessionId };
    const loginId = await saveHandshake(ctx.state, 'reauth', handshake);
    return { loginId, loginResponse, kdfVersion: user.kdfVersion };
  });

  route(app, api.auth.reauthFinish, async (request) => {
    const auth = requireAuth(request);
    await credentialAttempt(ctx, request, 'reauth', { actorId: auth.userId }).ipOpen();
    const hs = await takeHandshake<ReauthHandshake>(ctx.state, 'reauth', request.body.loginId);
    const verified = hs.userId === auth.userId && hs.sessionId === auth.sessionId && finishLoginVerified(hs.serverLoginState, request.body.finishLoginRequest);
    if (!verified) {
      await audit(ctx, request, { action: 'auth.reauth', actorId: auth.userId, outcome: 'failure' });
      throw new WatchwordError('INVALID_CREDENTIALS');
    }
    await credentialAttempt(ctx, request, 'reauth', { account: auth.userId }).succeeded();
    const reauthToken = toBase64Url(randomBytes(32));
    await ctx.state.set(reauthKey(reauthToken), JSON.stringify({ userId: auth.userId, sessionId: auth.sessionId }), REAUTH_TTL_MS);
    return { reauthToken, expiresIn: REAUTH_TTL_MS / 1000 };
  });
}
