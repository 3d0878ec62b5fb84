/**
 * The admin API, under /api/v1/admin: account metadata, disable/enable, deletion, ending sessions,
 * clearing throttling, roles, the (redacted) settings and the audit log.
 *
 * - Metadata only: no answer here carries a wrapped key, an OPAQUE record, item data or any other vault content.
 * - Every route declares its permission (checked against the database before validation, http/authenticate.ts);
 *   every operation on an account also passes `mayActOn` — never on yourself, never upward (an admin cannot act on
 *   an owner) — and handing out or taking away a role passes `mayAssign` (only roles whose permissions are all
 *   yours). The last active owner cannot be disabled, deleted or lose the owner role (LAST_OWNER).
 * - Every change is audited with actor, target and outcome — refusals ('denied') included, those of the route's
 *   permission check too.
 */
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { auditExportRoutes } from './audit-export.ts';
import { auditRoutes } from './audit.ts';
import { createAdminGuard } from './guard.ts';
import { roleRoutes } from './roles.ts';
import { settingsRoutes } from './settings.ts';
import { userRoutes } from './users.ts';

export function adminRoutes(app: App, ctx: Context): void {
  const guard = createAdminGuard(ctx);
  userRoutes(app, ctx, guard);
  roleRoutes(app, ctx, guard);
  settingsRoutes(app, ctx, guard);
  auditRoutes(app, ctx, guard);
  auditExportRoutes(app, ctx, guard);
}
