/** Every route of the HTTP API, by group: the contract the server registers and the SDK calls (see define.ts). */
import { accountRoutes } from './account.ts';
import { authRoutes } from './auth.ts';
import { itemsRoutes } from './items.ts';
import { mfaRoutes } from './mfa.ts';
import { recoveryRoutes } from './recovery.ts';
import { sessionsRoutes } from './sessions.ts';
import { adminRoutes } from './admin.ts';
import { oauthRoutes } from './oauth.ts';
import { keysRoutes, orgsRoutes } from './orgs.ts';
import { vaultsRoutes } from './vaults.ts';
import { passkeysRoutes } from './passkeys.ts';
import type { RouteSpec } from './define.ts';

export * from './define.ts';

export const api = {
  account: accountRoutes,
  auth: authRoutes,
  items: itemsRoutes,
  mfa: mfaRoutes,
  recovery: recoveryRoutes,
  sessions: sessionsRoutes,
  admin: adminRoutes,
  oauth: oauthRoutes,
  keys: keysRoutes,
  orgs: orgsRoutes,
  vaults: vaultsRoutes,
  passkeys: passkeysRoutes,
} as const;

/** Every descriptor, flattened (the server's route-coverage test and the OpenAPI check walk it). */
export function allRoutes(): RouteSpec[] {
  return Object.values(api).flatMap((group) => Object.values(group) as RouteSpec[]);
}
