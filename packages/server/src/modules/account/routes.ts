import { AccountResponse, ErrorResponse, WatchwordError } from '@watchword/protocol';
import { requireAuth } from '../../http/authenticate.ts';
import type { App, Context } from '../../http/types.ts';

export function accountRoutes(app: App, ctx: Context): void {
  app.get('/api/v1/account', {
    config: { access: 'user', rateLimit: 'read' },
    schema: { tags: ['account'], security: [{ bearer: [] }], response: { 200: AccountResponse, 401: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse } },
  }, async (request) => {
    const { userId } = requireAuth(request);
    const user = await ctx.storage.users.findById(userId);
    if (!user) throw new WatchwordError('INVALID_TOKEN');
    const vaults = await ctx.storage.vaults.listForUser(userId);
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
    };
  });
}
