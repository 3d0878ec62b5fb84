import { OrgListPage } from './orgs/list.tsx';
import { OrgPage } from './orgs/org.tsx';

/**
 * Organisations and their shared vaults (issue 25, docs/web-vault.md "Organisations"). Every key operation (sharing
 * keys, sealing vault keys for a member, rotation after a removal) happens in the SDK's `Organisations`; these pages
 * only ask and show. What a role cannot do is not offered (the server refuses it anyway: permissions.ts).
 */
export function OrgsPage({ orgId }: { orgId?: string | undefined }) {
  if (orgId) return <OrgPage orgId={orgId} />;
  return <OrgListPage />;
}
