/** The OpenID provider module: the provider's endpoints, its sign-in and consent steps, client admin, API keys. */
import type { Context } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { createOidcProvider } from '../../lib/oidc/provider.ts';
import { clientAdminRoutes } from './admin.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { interactionRoutes } from './interactions.ts';
import { providerRoutes } from './provider-routes.ts';

export function oidcRoutes(app: App, ctx: Context): void {
  const oidc = createOidcProvider(ctx);
  providerRoutes(app, oidc, ctx.config.publicUrl);
  interactionRoutes(app, ctx, oidc);
  clientAdminRoutes(app, ctx);
  apiKeyRoutes(app, ctx);
}
