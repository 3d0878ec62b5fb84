/** The server's effective configuration, secrets redacted. */
import { api } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import type { AdminGuard } from './guard.ts';
import { settingsView } from './views.ts';

export function settingsRoutes(app: App, ctx: Context, guard: AdminGuard): void {
  const { auditPermissionRefusal } = guard;

  route(app, api.admin.settings, {
    onError: auditPermissionRefusal('admin.read_refused'),
  }, async () => ({ settings: settingsView(ctx.config) }));
}
