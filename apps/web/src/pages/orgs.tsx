import { useRoute } from '../lib/router.ts';
import { OrgAuditPage } from './orgs/audit.tsx';
import { OrgListPage } from './orgs/list.tsx';
import { OrgPage } from './orgs/org.tsx';

/**
 * Organisations and their shared vaults (issue 25, docs/web-vault.md "Organisations"). Every key operation (sharing
 * keys, sealing vault keys for a member, rotation after a removal) happens in the SDK's `Organisations`; these pages
 * only ask and show. What a role cannot do is not offered (the server refuses it anyway: permissions.ts).
 */
export function OrgsPage({ orgId }: { orgId?: string | undefined }) {
  // `#/orgs/<id>/audit`: read here, so the app's router keeps passing the organisation's id alone.
  const sub = useRoute().parts[2];
  if (orgId && sub === 'audit') return <OrgAuditPage orgId={orgId} />;
  if (orgId) return <OrgPage orgId={orgId} />;
  return <OrgListPage />;
}
