/**
 * Sharing keys (issue 25): registration of the signed X25519/Ed25519 public keys with the client-sealed private
 * halves, the caller's own keys, and another user's public keys — only to someone sharing an organisation with them.
 */
import { api, verifySharingKeySignature, WatchwordError } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireInteractiveAuth as requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { audit } from '../../audit/audit.ts';
import { consumeReauth } from '../../lib/reauth.ts';

export function keyRoutes(app: App, ctx: Context): void {
  route(app, api.keys.register, async (request) => {
    const auth = requireAuth(request);
    const { reauthToken, ...keys } = request.body;
    // Verified here so a malformed key set is refused early; clients verify it themselves (the signature protects
    // them against this server).
    if (!(await verifySharingKeySignature({ userId: auth.userId, ...keys }))) throw new WatchwordError('INVALID_KEY_SIGNATURE');
    const replace = reauthToken !== undefined;
    if (replace) await consumeReauth(ctx, auth, reauthToken);
    const registeredAt = ctx.now();
    const result = await ctx.storage.sharingKeys.register(auth.userId, { ...keys, registeredAt }, replace);
    if (result === 'exists') throw new WatchwordError('KEYS_ALREADY_REGISTERED');
    if (result === 'not_found') throw new WatchwordError('INVALID_TOKEN');
    await audit(ctx, request, { action: 'account.sharing_keys_registered', actorId: auth.userId, outcome: 'success', context: { replaced: replace } });
    return { keys: { ...keys, registeredAt } };
  });

  route(app, api.keys.own, async (request) => {
    const { userId } = requireAuth(request);
    return { keys: (await ctx.storage.sharingKeys.own(userId)) ?? null };
  });

  route(app, api.keys.publicKeys, async (request) => {
    const { userId } = requireAuth(request);
    const keys = await ctx.storage.sharingKeys.visibleTo(userId, request.params.userId);
    // The same answer as for a user that does not exist (or has no keys): ids of strangers reveal nothing.
    if (!keys) throw new WatchwordError('USER_NOT_FOUND');
    return { keys: { userId: request.params.userId, ...keys } };
  });
}
