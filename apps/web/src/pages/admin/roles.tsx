import { useEffect, useState } from 'preact/hooks';
import { type AdminRole, AdminApi } from '../../admin-api.ts';
import { ErrorMessage, PageTitle } from '../../components/feedback.tsx';
import { useAction } from '../../lib/action.ts';
import { currentVault } from '../../lib/session.ts';
import { TableHead } from '../../components/table.tsx';

/** Roles and their permissions; each role also holds everything of its parent. */
export function AdminRolesPage() {
  const [roles, setRoles] = useState<AdminRole[] | null>(null);
  const action = useAction();
  useEffect(() => {
    void action.run(async () => setRoles(await new AdminApi(currentVault().session).roles()));
  }, []);
  return (
    <section class="page">
      <PageTitle title="Roles">Roles</PageTitle>
      <ErrorMessage message={action.error} />
      {roles === null ? (
        <p>Loading…</p>
      ) : (
        <div class="table-scroll">
          <table>
            <TableHead caption="Roles" columns={['Role', 'Inherits from', 'Description', 'Own permissions']} />
            <tbody>
              {roles.map((r) => (
                <tr key={r.name}>
                  <td>
                    {r.name}
                    {r.builtin ? <span class="badge"> built-in</span> : null}
                  </td>
                  <td>{r.parent ?? '—'}</td>
                  <td>{r.description}</td>
                  <td>{(r.permissions ?? []).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
