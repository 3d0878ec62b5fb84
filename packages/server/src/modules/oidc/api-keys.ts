/**
 * API keys for automation: an OAuth client (`client_credentials`) owned by one account. A process with the key asks
 * the provider's token endpoint for an access token (no master password); the token acts for the owner, as the
 * session `apikey:<clientId>`, with the scope `vault:read` (read-only key) or `vault:read vault:write`. Decrypting
 * the vault still needs the account key (an unlock). Revoking a key deletes it (no new token) and denylists its
 * session in the shared state store until its last token has expired; the authentication hook also looks the key up
 * in the database on each of its requests, so a store that lost the denylist still refuses it.
 */
import { WatchwordError, api } from '@watchword/protocol';
import { audit } from '../../audit/audit.ts';
import type { Context } from '../../context.ts';
import { requireAuth } from '../../http/authenticate.ts';
import { denySession } from '../../tokens/denylist.ts';
import { route } from '../../http/route.ts';
import type { App } from '../../http/types.ts';
import { API_KEY_SESSION_PREFIX } from '../../lib/oidc/provider.ts';
import { hashClientSecret, newClientId, newClientSecret } from '../../lib/oidc/secrets.ts';
import type { OAuthClientRecord } from '../../storage/oauth.ts';

/** Most keys one account may hold. */
export const MAX_API_KEYS = 25;

const keyView = (k: OAuthClientRecord) => ({ clientId: k.clientId, name: k.name, readOnly: k.readOnly, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt });

export function apiKeyRoutes(app: App, ctx: Context): void {
  route(app, api.oauth.apiKeys, async (request) => {
    const auth = requireAuth(request);
    return { keys: (await ctx.storage.oauth.listApiKeys(auth.userId)).map(keyView) };
  });

  route(app, api.oauth.createApiKey, async (request, reply) => {
    const auth = requireAuth(request);
    // A key cannot mint keys: a leaked one must not outlive its own revocation.
    if (auth.sessionId.startsWith(API_KEY_SESSION_PREFIX)) throw new WatchwordError('FORBIDDEN');
    if ((await ctx.storage.oauth.listApiKeys(auth.userId)).length >= MAX_API_KEYS) throw new WatchwordError('VALIDATION_FAILED', { message: `At most ${MAX_API_KEYS} API keys per account.` });
    const secret = newClientSecret();
    const now = ctx.now();
    const key: OAuthClientRecord = {
      clientId: newClientId('apikey'),
      kind: 'apikey',
      name: request.body.name,
      public: false,
      redirectUris: [],
      postLogoutRedirectUris: [],
      secretHash: await hashClientSecret(secret),
      ownerId: auth.userId,
      readOnly: request.body.readOnly === true,
      disabledAt: null,
      createdBy: auth.userId,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    };
    await ctx.storage.oauth.createClient(key);
    await audit(ctx, request, { action: 'apikey.created', actorId: auth.userId, outcome: 'success', context: { key: key.clientId, readOnly: key.readOnly } });
    reply.code(201);
    return { key: keyView(key), clientSecret: secret };
  });

  route(app, api.oauth.revokeApiKey, async (request) => {
    const auth = requireAuth(request);
    const clientId = request.params.clientId;
    if (!(await ctx.storage.oauth.deleteClient(clientId, auth.userId))) throw new WatchwordError('NOT_FOUND');
    // Tokens already issued are JWTs: denylist their session until the last one has expired (every instance reads
    // the shared state store; and every API-key request also finds its key in the database).
    await denySession(ctx, `${API_KEY_SESSION_PREFIX}${clientId}`);
    await audit(ctx, request, { action: 'apikey.revoked', actorId: auth.userId, outcome: 'success', context: { key: clientId } });
    return { ok: true as const };
  });
}
