/**
 * The provider's sign-in and consent steps, called by the web vault's page `/#/oauth/<uid>` (apps/web). The page
 * signs the user in with their Watchword login (OPAQUE, second factor, passkey) through the SDK, then tells the
 * provider who signed in with that session's access token — no other kind of password form exists. Each step needs
 * both the provider's interaction cookie (set on this origin by the authorization request: the browser that started
 * it) and, for login and consent, the account's bearer token (a header, so no cross-site request can forge it).
 * Consent is remembered per client (`oauth_consents`) and revocable in Settings ("connected apps").
 */
import { WatchwordError, api } from '@watchword/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionInstance } from 'oidc-provider';
import { audit } from '../../audit/audit.ts';
import type { Context } from '../../context.ts';
import { requireAuth } from '../../http/authenticate.ts';
import { route } from '../../http/route.ts';
import type { App } from '../../http/types.ts';
import type { OidcProvider } from '../../lib/oidc/provider.ts';

const SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export function interactionRoutes(app: App, ctx: Context, oidc: OidcProvider): void {
  /** The interaction named in the URL, if this browser's interaction cookie is for it. */
  async function details(request: FastifyRequest, reply: FastifyReply, uid: string): Promise<InteractionInstance> {
    let interaction: InteractionInstance;
    try {
      interaction = await (await oidc.current()).interactionDetails(request.raw, reply.raw);
    } catch {
      throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    }
    if (interaction.uid !== uid) throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    return interaction;
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, result: Record<string, unknown>): Promise<{ redirectTo: string; consentRequired: false }> {
    try {
      return { redirectTo: await (await oidc.current()).interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: true }), consentRequired: false };
    } catch {
      throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    }
  }

  route(app, api.oauth.interaction, async (request, reply) => {
    const interaction = await details(request, reply, request.params.uid);
    const clientId = String(interaction.params.client_id ?? '');
    const client = await ctx.storage.oauth.findClient(clientId);
    if (!client || client.disabledAt !== null || client.kind !== 'app') throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    const scopes = String(interaction.params.scope ?? '').split(' ').filter((s) => SCOPES.has(s));
    return {
      prompt: interaction.prompt.name === 'login' ? ('login' as const) : ('consent' as const),
      client: { clientId: client.clientId, name: client.name },
      scopes,
      redirectUri: String(interaction.params.redirect_uri ?? '').slice(0, 512),
      accountId: interaction.session?.accountId ?? null,
    };
  });

  /** OIDC Core §2 `amr` (RFC 8176 values): a password-based login, and a second factor when the session had one. */
  async function login(request: FastifyRequest, userId: string, sessionId: string, clientId: string) {
    const session = await ctx.storage.sessions.findById(sessionId);
    await audit(ctx, request, { action: 'oauth.login', actorId: userId, outcome: 'success', context: { client: clientId } });
    return { accountId: userId, amr: session?.secondFactor ? ['pwd', 'mfa'] : ['pwd'], remember: false };
  }

  const requestedScopes = (interaction: InteractionInstance) => String(interaction.params.scope ?? '').split(' ').filter((s) => SCOPES.has(s));

  route(app, api.oauth.interactionLogin, async (request, reply) => {
    const auth = requireAuth(request);
    const interaction = await details(request, reply, request.params.uid);
    if (interaction.prompt.name !== 'login') throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    const clientId = String(interaction.params.client_id ?? '');
    // Remembered consent: a grant that still exists and covers every scope asked for.
    const consent = await ctx.storage.oauth.findConsent(auth.userId, clientId);
    const grant = consent ? await (await oidc.current()).Grant.find(consent.grantId) : undefined;
    const covered = consent !== undefined && grant !== undefined && requestedScopes(interaction).every((s) => consent.scopes.includes(s));
    if (!covered) return { redirectTo: null, consentRequired: true };
    return finish(request, reply, { login: await login(request, auth.userId, auth.sessionId, clientId) });
  });

  route(app, api.oauth.interactionConsent, async (request, reply) => {
    const auth = requireAuth(request);
    const interaction = await details(request, reply, request.params.uid);
    const clientId = String(interaction.params.client_id ?? '');
    const provider = await oidc.current();
    const scopes = requestedScopes(interaction);
    let result: Record<string, unknown>;
    let grant;
    if (interaction.prompt.name === 'login') {
      // Signing in and consenting in one step (the page showed the consent screen right after the Watchword login).
      grant = new provider.Grant({ accountId: auth.userId, clientId });
      grant.addOIDCScope(scopes.join(' '));
      result = { login: await login(request, auth.userId, auth.sessionId, clientId) };
    } else if (interaction.prompt.name === 'consent') {
      // Only the account that signed in at this interaction may consent for it.
      if (interaction.session?.accountId !== auth.userId) throw new WatchwordError('FORBIDDEN');
      grant = (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ?? new provider.Grant({ accountId: auth.userId, clientId });
      const missing = interaction.prompt.details;
      const missingScopes = Array.isArray(missing.missingOIDCScope) ? (missing.missingOIDCScope as string[]).filter((s) => SCOPES.has(s)) : [];
      if (missingScopes.length > 0) grant.addOIDCScope(missingScopes.join(' '));
      if (Array.isArray(missing.missingOIDCClaims)) grant.addOIDCClaims(missing.missingOIDCClaims as string[]);
      result = {};
    } else {
      throw new WatchwordError('OAUTH_INTERACTION_EXPIRED');
    }
    const grantId = await grant.save();
    await ctx.storage.oauth.upsertConsent({ userId: auth.userId, clientId, scopes, grantId, grantedAt: ctx.now() });
    await audit(ctx, request, { action: 'oauth.consent_granted', actorId: auth.userId, outcome: 'success', context: { client: clientId, scopes: scopes.join(' ') } });
    return finish(request, reply, { ...result, consent: { grantId } });
  });

  route(app, api.oauth.interactionAbort, async (request, reply) => {
    await details(request, reply, request.params.uid);
    return finish(request, reply, { error: 'access_denied', error_description: 'The user declined.' });
  });

  route(app, api.oauth.connectedApps, async (request) => {
    const auth = requireAuth(request);
    const consents = await ctx.storage.oauth.listConsents(auth.userId);
    const apps = [];
    for (const consent of consents) {
      const client = await ctx.storage.oauth.findClient(consent.clientId);
      if (client) apps.push({ clientId: client.clientId, name: client.name, scopes: consent.scopes, grantedAt: consent.grantedAt });
    }
    return { apps };
  });

  route(app, api.oauth.disconnectApp, async (request) => {
    const auth = requireAuth(request);
    const consent = await ctx.storage.oauth.deleteConsent(auth.userId, request.params.clientId);
    if (!consent) throw new WatchwordError('NOT_FOUND');
    // Every token of the grant goes with it (access tokens are looked up on use, so this is at once).
    await ctx.storage.oauth.revokeGrant(consent.grantId);
    await audit(ctx, request, { action: 'oauth.consent_revoked', actorId: auth.userId, outcome: 'success', context: { client: consent.clientId } });
    return { ok: true as const };
  });
}
