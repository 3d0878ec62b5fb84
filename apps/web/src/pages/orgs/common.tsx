import { Organisations, type OrgMember } from '@watchword/client';
import { api, type Org, type OrgRole, type VaultAccess } from '@watchword/protocol';
import { currentVault } from '../../lib/session.ts';

/**
 * What the organisation pages share: labels, the SDK's `Organisations` for the unlocked vault, the role check the page
 * uses to decide what to offer (the server decides again: permissions.ts) and the fingerprint phrase.
 */

export const ROLE_LABEL: Record<OrgRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
export const STATE_LABEL: Record<OrgMember['state'], string> = { invited: 'Invited', accepted: 'Accepted (awaits confirmation)', confirmed: 'Confirmed' };
export const ACCESS_LABEL: Record<VaultAccess, string> = { manage: 'Manage (members and settings)', edit: 'Edit items', read: 'Read items' };
export const ACCESS_OPTIONS = (['read', 'edit', 'manage'] as const).map((a) => [a, ACCESS_LABEL[a]] as const);

export function orgs(): Organisations {
  return new Organisations(currentVault());
}

/**
 * Renames an organisation (`PATCH /api/v1/orgs/:orgId`, `org:manage`: owners and admins). The SDK's `Organisations`
 * has no call for it, so the page sends the route through the SDK's session, as the CLI's SDK would.
 */
export async function renameOrg(orgId: string, name: string): Promise<Org> {
  return (await currentVault().session.call(api.orgs.rename, { params: { orgId }, body: { name } })).org;
}

/** Access levels in order (read ⊂ edit ⊂ manage): a change to a lower one takes something away. */
export const ACCESS_RANK: Record<VaultAccess, number> = { read: 0, edit: 1, manage: 2 };

/**
 * Roles that may manage members (org:members) and vaults (org:manage), rename the organisation (org:manage) and read
 * its audit events (org:audit): ORG_ROLE_PERMISSIONS in the protocol.
 */
export const canManage = (role: OrgRole): boolean => role === 'owner' || role === 'admin';

/** The five words of a fingerprint phrase, shown the same way on both sides. */
export function Phrase({ words, label }: { words: readonly string[]; label: string }) {
  return (
    <p class="mono fingerprint" aria-label={label} data-testid="fingerprint-phrase">
      {words.join(' ')}
    </p>
  );
}
