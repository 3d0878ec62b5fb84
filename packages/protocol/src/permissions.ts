/**
 * Role-based access control (security spec "RBAC"): fine-grained `resource:action` permissions, roles that inherit
 * from a parent, deny by default. The list is closed: a route can only declare one of these (or `public`).
 */
export const PERMISSIONS = [
  /** One's own vault, sessions, second factors and account: what every account holds through the `user` role. */
  'account:self',
  'users:read',
  'users:disable',
  'users:delete',
  'sessions:revoke',
  'throttle:clear',
  'roles:read',
  'roles:assign',
  'roles:manage',
  'audit:read',
  'audit:export',
  'settings:read',
  'settings:write',
  /** OAuth/OpenID Connect clients ("Sign in with Watchword"): list them / register, rotate, disable, delete. */
  'oauth:read',
  'oauth:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/**
 * Permissions scoped to one organisation (issue 25): every account may call these routes (they are not granted by
 * the server-wide roles above); what decides is the caller's role in the organisation named by the route's `:orgId`,
 * read fresh from the database (deny by default: no membership, no permission — answered as NOT_FOUND so that another
 * organisation's ids reveal nothing).
 */
export const ORG_PERMISSIONS = [
  /** See the organisation, its members (with their public keys) and the vaults one was given. */
  'org:read',
  /** Rename the organisation; create shared vaults in it; see all its vaults. */
  'org:manage',
  /** Invite, confirm, remove members and change their roles. */
  'org:members',
  /** Read the organisation's audit events. */
  'org:audit',
  /** Delete the organisation. */
  'org:delete',
] as const;
export type OrgPermission = (typeof ORG_PERMISSIONS)[number];

/**
 * Permissions scoped to one shared vault: decided by the caller's access to the vault named by the route's
 * `:vaultId` (or the body's vault ids), in the storage query itself — read ⊂ edit ⊂ manage.
 */
export const VAULT_PERMISSIONS = ['vault:read', 'vault:edit', 'vault:manage'] as const;
export type VaultPermission = (typeof VAULT_PERMISSIONS)[number];

/** Account-level routes of the sharing feature that need no scope: create an organisation, see one's invitations, sync, move. */
export type ScopedPermission = OrgPermission | VaultPermission;

export function isScopedPermission(value: unknown): value is ScopedPermission {
  return typeof value === 'string' && ((ORG_PERMISSIONS as readonly string[]).includes(value) || (VAULT_PERMISSIONS as readonly string[]).includes(value));
}

/**
 * What each organisation role may do (owner ⊃ admin ⊃ member). Only an owner deletes the organisation or makes owners.
 * A member accepted but not yet confirmed holds `org:read` only, whatever its role.
 */
export const ORG_ROLE_PERMISSIONS: Readonly<Record<'owner' | 'admin' | 'member', readonly OrgPermission[]>> = {
  owner: ['org:read', 'org:manage', 'org:members', 'org:audit', 'org:delete'],
  admin: ['org:read', 'org:manage', 'org:members', 'org:audit'],
  member: ['org:read'],
};

/** What each vault access level allows (read ⊂ edit ⊂ manage). */
export const VAULT_ACCESS_PERMISSIONS: Readonly<Record<'read' | 'edit' | 'manage', readonly VaultPermission[]>> = {
  read: ['vault:read'],
  edit: ['vault:read', 'vault:edit'],
  manage: ['vault:read', 'vault:edit', 'vault:manage'],
};

/**
 * The built-in roles, each inheriting everything of its parent: user ⊂ auditor ⊂ admin ⊂ owner. Custom roles may be
 * added (by an owner) with any parent and any subset of the creator's permissions.
 */
export const BUILTIN_ROLES: readonly { name: string; parent: string | null; description: string; permissions: readonly Permission[] }[] = [
  { name: 'user', parent: null, description: 'Every account: its own vault, sessions and settings', permissions: ['account:self'] },
  { name: 'auditor', parent: 'user', description: 'Reads user metadata, roles and the audit log', permissions: ['users:read', 'roles:read', 'audit:read', 'audit:export', 'oauth:read'] },
  {
    name: 'admin',
    parent: 'auditor',
    description: 'Manages accounts: disable, delete, end sessions, clear throttling, assign roles; reads settings',
    permissions: ['users:disable', 'users:delete', 'sessions:revoke', 'throttle:clear', 'roles:assign', 'settings:read', 'oauth:manage'],
  },
  { name: 'owner', parent: 'admin', description: 'Everything, including custom roles and server settings', permissions: ['roles:manage', 'settings:write'] },
];

/** The base role every account holds; it cannot be removed. */
export const BASE_ROLE = 'user';

/** The top role. The server always keeps one active holder of it (LAST_OWNER). */
export const OWNER_ROLE = 'owner';

/** Resolves inheritance: the permissions of `roles` and all their ancestors (cycles and unknown parents are ignored). */
export function effectivePermissions(
  roles: readonly string[],
  catalogue: ReadonlyMap<string, { parent: string | null; permissions: readonly string[] }>,
): Set<Permission> {
  const out = new Set<Permission>();
  for (const start of roles) {
    const seen = new Set<string>();
    let name: string | null = start;
    while (name !== null && !seen.has(name)) {
      seen.add(name);
      const role = catalogue.get(name);
      if (!role) break;
      for (const p of role.permissions) if (isPermission(p)) out.add(p);
      name = role.parent;
    }
  }
  return out;
}
