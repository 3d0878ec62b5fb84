import { Organisations, type OrgMember } from '@watchword/client';
import type { OrgRole, VaultAccess } from '@watchword/protocol';
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

/** Roles that may manage members (org:members) and vaults (org:manage): ORG_ROLE_PERMISSIONS in the protocol. */
export const canManage = (role: OrgRole): boolean => role === 'owner' || role === 'admin';

/** The five words of a fingerprint phrase, shown the same way on both sides. */
export function Phrase({ words, label }: { words: readonly string[]; label: string }) {
  return (
    <p class="mono fingerprint" aria-label={label} data-testid="fingerprint-phrase">
      {words.join(' ')}
    </p>
  );
}
