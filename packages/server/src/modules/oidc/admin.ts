/**
 * OAuth client administration (`oauth:read`, `oauth:manage`): register, list, rotate the secret, disable, enable,
 * delete. A confidential client's secret is in the answer to its creation or rotation only, and stored as an
 * Argon2id hash. Disabling or deleting a client revokes every grant given to it (its tokens stop working at once),
 * and every change is an audit event.
 */
import { WatchwordError, api, type OAuthClientView } from '@watchword/protocol';
import type { FastifyRequest } from 'fastify';
import { audit } from '../../audit/audit.ts';
import type { Context } from '../../context.ts';
import { requireAuth } from '../../http/authenticate.ts';
import { route } from '../../http/route.ts';
import type { App } from '../../http/types.ts';
import { hashClientSecret, newClientId, newClientSecret } from '../../lib/oidc/secrets.ts';
import type { OAuthClientRecord } from '../../storage/oauth.ts';

export function clientView(c: OAuthClientRecord): OAuthClientView {
  return {
    clientId: c.clientId,
    name: c.name,
    public: c.public,
    redirectUris: c.redirectUris,
    postLogoutRedirectUris: c.postLogoutRedirectUris,
    disabled: c.disabledAt !== null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export async function revokeClientGrants(ctx: Context, clientId: string): Promise<void> {
  for (const grantId of await ctx.storage.oauth.grantsOfClient(clientId)) await ctx.storage.oauth.revokeGrant(grantId);
}

/** An application client named by the path, or 404 (API keys are managed by their owners, not here). */
async function appClient(ctx: Context, clientId: string): Promise<OAuthClientRecord> {
  const client = await ctx.storage.oauth.findClient(clientId);
  if (!client || client.kind !== 'app') throw new WatchwordError('OAUTH_CLIENT_NOT_FOUND');
  return client;
}

export function clientAdminRoutes(app: App, ctx: Context): void {
  const audited = (request: FastifyRequest, action: Parameters<typeof audit>[2]['action'], clientId: string, context: Record<string, string | number | boolean | null> = {}) =>
    audit(ctx, request, { action, actorId: requireAuth(request).userId, targetId: null, outcome: 'success', context: { client: clientId, ...context } });

  route(app, api.oauth.clients, async () => ({ clients: (await ctx.storage.oauth.listClients('app')).map(clientView) }));

  route(app, api.oauth.createClient, async (request, reply) => {
    const auth = requireAuth(request);
    const body = request.body;
    const isPublic = body.public === true;
    const secret = isPublic ? null : newClientSecret();
    const now = ctx.now();
    const client: OAuthClientRecord = {
      clientId: newClientId('app'),
      kind: 'app',
      name: body.name,
      public: isPublic,
      redirectUris: [...new Set(body.redirectUris)],
      postLogoutRedirectUris: [...new Set(body.postLogoutRedirectUris ?? [])],
      secretHash: secret === null ? null : await hashClientSecret(secret),
      ownerId: null,
      readOnly: false,
      disabledAt: null,
      createdBy: auth.userId,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    };
    await ctx.storage.oauth.createClient(client);
    await audited(request, 'admin.oauth_client_created', client.clientId, { public: isPublic });
    reply.code(201);
    return { client: clientView(client), clientSecret: secret };
  });

  route(app, api.oauth.rotateSecret, async (request) => {
    const client = await appClient(ctx, request.params.clientId);
    if (client.public) throw new WatchwordError('VALIDATION_FAILED', { message: 'A public client has no secret.' });
    const secret = newClientSecret();
    await ctx.storage.oauth.setSecret(client.clientId, await hashClientSecret(secret), ctx.now());
    await audited(request, 'admin.oauth_client_secret_rotated', client.clientId);
    const updated = await appClient(ctx, client.clientId);
    return { client: clientView(updated), clientSecret: secret };
  });

  route(app, api.oauth.disableClient, async (request) => {
    const client = await appClient(ctx, request.params.clientId);
    await ctx.storage.oauth.setDisabled(client.clientId, ctx.now(), ctx.now());
    await revokeClientGrants(ctx, client.clientId);
    await audited(request, 'admin.oauth_client_disabled', client.clientId);
    return { client: clientView(await appClient(ctx, client.clientId)) };
  });

  route(app, api.oauth.enableClient, async (request) => {
    const client = await appClient(ctx, request.params.clientId);
    await ctx.storage.oauth.setDisabled(client.clientId, null, ctx.now());
    await audited(request, 'admin.oauth_client_enabled', client.clientId);
    return { client: clientView(await appClient(ctx, client.clientId)) };
  });

  route(app, api.oauth.deleteClient, async (request) => {
    const client = await appClient(ctx, request.params.clientId);
    await revokeClientGrants(ctx, client.clientId);
    await ctx.storage.oauth.deleteClient(client.clientId);
    await audited(request, 'admin.oauth_client_deleted', client.clientId);
    return { ok: true as const };
  });
}
