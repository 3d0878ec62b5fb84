/**
 * Organisation- and vault-scoped permissions (issue 25; protocol permissions.ts): the caller's role in the
 * organisation of `:orgId`, or its access to the shared vault of `:vaultId`, read fresh from the database on every
 * request — a removal or a role change counts on the very next request, on every instance. No membership answers
 * like a missing organisation or vault (ORG_NOT_FOUND / VAULT_NOT_FOUND), so another organisation's ids reveal
 * nothing; a membership without the permission answers FORBIDDEN (or VAULT_ACCESS_DENIED). This is the early check;
 * the storage queries decide again by themselves (shared-items.ts, shared-vaults.ts), so a race between this check
 * and the write cannot let a removed member through.
 */
import { ORG_PERMISSIONS, ORG_ROLE_PERMISSIONS, VAULT_ACCESS_PERMISSIONS, type OrgRole, type ScopedPermission, type OrgPermission, type VaultAccess, type VaultPermission, WatchwordError } from '@watchword/protocol';
import type { Context } from '../context.ts';

export interface OrgScope {
  readonly kind: 'org';
  readonly orgId: string;
  readonly memberId: string;
  readonly role: OrgRole;
}
export interface VaultScope {
  readonly kind: 'vault';
  readonly vaultId: string;
  readonly access: VaultAccess;
}
export type Scope = OrgScope | VaultScope;

const isOrgPermission = (p: ScopedPermission): p is OrgPermission => (ORG_PERMISSIONS as readonly string[]).includes(p);

/** The scope a request may act in, or the refusal. `params` are the route's path parameters, not yet validated. */
export async function resolveScope(ctx: Context, userId: string, permission: ScopedPermission, params: unknown): Promise<Scope> {
  const p = (params ?? {}) as Record<string, unknown>;
  if (isOrgPermission(permission)) {
    const orgId = typeof p['orgId'] === 'string' ? p['orgId'] : '';
    const membership = orgId === '' ? undefined : await ctx.storage.orgs.membership(orgId, userId);
    // An invitation is not a membership: the invitee sees the organisation only through its invitations.
    if (!membership || membership.state === 'invited') throw new WatchwordError('ORG_NOT_FOUND');
    if (!ORG_ROLE_PERMISSIONS[membership.role].includes(permission)) throw new WatchwordError('FORBIDDEN');
    // Until confirmed (its key checked by an owner or admin), a member only reads: an admin invited and accepted
    // cannot yet invite, confirm or manage anything.
    if (membership.state !== 'confirmed' && permission !== 'org:read') throw new WatchwordError('FORBIDDEN');
    return { kind: 'org', orgId, memberId: membership.memberId, role: membership.role };
  }
  const vaultId = typeof p['vaultId'] === 'string' ? p['vaultId'] : '';
  const access = vaultId === '' ? undefined : await ctx.storage.sharedVaults.accessOf(userId, vaultId);
  if (!access) throw new WatchwordError('VAULT_NOT_FOUND');
  if (!VAULT_ACCESS_PERMISSIONS[access].includes(permission as VaultPermission)) throw new WatchwordError('VAULT_ACCESS_DENIED');
  return { kind: 'vault', vaultId, access };
}

/** The organisation scope the authentication hook resolved for this request (org:* routes only). */
export function orgScope(scope: Scope | null): OrgScope {
  if (scope?.kind !== 'org') throw new Error('route declares no organisation permission');
  return scope;
}
