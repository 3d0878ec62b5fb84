import { normaliseEmail } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { type AdminRole, type AdminUser, AdminApi } from '../../admin-api.ts';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorMessage, PageTitle, SubmitButton } from '../../components/feedback.tsx';
import { Checkbox, TextField } from '../../components/fields.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { UserError } from '../../lib/errors.ts';
import { formatTime } from '../../lib/format.ts';
import { currentVault } from '../../lib/session.ts';
import { TableHead } from '../../components/table.tsx';

const PAGE = 25;

/** Accounts (metadata only — an administrator never sees anyone's vault): search, disable, end sessions, roles, delete. */
export function AdminUsersPage() {
  const api = new AdminApi(currentVault().session);
  const [query, setQuery] = useState('');
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [roles, setRoles] = useState<AdminRole[]>([]);
  const [selected, setSelected] = useState<AdminUser | null>(null);
  const action = useAction();

  const search = (more = false) =>
    void action.run(async () => {
      const page = await api.users({ query, limit: PAGE, ...(more && cursor ? { cursor } : {}) });
      setUsers(more ? [...users, ...page.items] : page.items);
      setCursor(page.nextCursor);
    });
  useEffect(() => {
    search();
    api.roles().then(setRoles, () => setRoles([]));
  }, []);

  // Answers arrive after the click that asked: the dialog may be closed by then (or show someone else), and the list
  // may have changed. Update from the current state, and never reopen a closed dialog.
  const replace = (user: AdminUser) => {
    setUsers((list) => list.map((u) => (u.id === user.id ? user : u)));
    setSelected((current) => (current?.id === user.id ? user : current));
  };

  return (
    <section class="page">
      <PageTitle title="Users">Users</PageTitle>
      <form
        class="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          search();
        }}
      >
        <TextField label="Search by e-mail address" type="search" value={query} onInput={setQuery} />
        <SubmitButton busy={action.busy}>Search</SubmitButton>
      </form>
      <ErrorMessage message={action.error} />
      <div class="table-scroll">
        <table>
          <TableHead caption="Users" columns={['E-mail', 'Roles', 'Status', 'Created', 'Last login']} actions />
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{(u.roles ?? []).join(', ')}</td>
                <td>{u.disabledAt ? `disabled ${formatTime(u.disabledAt)}` : 'active'}</td>
                <td>{formatTime(u.createdAt)}</td>
                <td>{formatTime(u.lastLoginAt)}</td>
                <td>
                  <button type="button" class="secondary" onClick={() => setSelected(u)}>
                    Manage<span class="visually-hidden"> {u.email}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {users.length === 0 && !action.busy ? <p class="empty">No users found.</p> : null}
      {cursor ? (
        <button type="button" class="secondary" disabled={action.busy} onClick={() => search(true)}>
          Show more
        </button>
      ) : null}
      {selected ? <ManageUser api={api} user={selected} roles={roles} onChanged={replace} onDeleted={(id) => (setUsers((list) => list.filter((u) => u.id !== id)), setSelected(null))} onClose={() => setSelected(null)} /> : null}
    </section>
  );
}

function ManageUser({
  api,
  user,
  roles,
  onChanged,
  onDeleted,
  onClose,
}: {
  api: AdminApi;
  user: AdminUser;
  roles: AdminRole[];
  onChanged(user: AdminUser): void;
  onDeleted(id: string): void;
  onClose(): void;
}) {
  const [confirmEmail, setConfirmEmail] = useState('');
  const action = useAction();
  const held = new Set(user.roles ?? []);

  const toggleDisabled = () =>
    void action.run(async () => {
      await api.setDisabled(user.id, user.disabledAt === null);
      onChanged({ ...user, disabledAt: user.disabledAt === null ? Date.now() : null });
      announce(user.disabledAt === null ? `${user.email} disabled.` : `${user.email} enabled.`);
    });
  const revoke = () =>
    void action.run(async () => {
      await api.revokeSessions(user.id);
      announce(`Every session of ${user.email} ended.`);
    });
  const setRole = (role: string, on: boolean) =>
    void action.run(async () => {
      await api.setRole(user.id, role, on);
      const next = on ? [...held, role] : [...held].filter((r) => r !== role);
      onChanged({ ...user, roles: next });
    });
  const remove = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (normaliseEmail(confirmEmail) !== normaliseEmail(user.email)) throw new UserError('The address does not match.');
      await api.deleteUser(user.id, normaliseEmail(confirmEmail));
      announce(`${user.email} deleted.`);
      onDeleted(user.id);
    });
  };

  return (
    <Dialog title={user.email} onCancel={onClose}>
      <p>
        {user.disabledAt ? 'Disabled' : 'Active'} · created {formatTime(user.createdAt)} · last login {formatTime(user.lastLoginAt)}
        {user.totp !== undefined ? ` · authenticator ${user.totp ? 'on' : 'off'}` : ''}
        {user.webauthnKeys !== undefined ? ` · ${user.webauthnKeys} security key(s)` : ''}
      </p>
      <ErrorMessage message={action.error} />
      <div class="button-row">
        <button type="button" class="secondary" disabled={action.busy} onClick={toggleDisabled}>
          {user.disabledAt ? 'Enable account' : 'Disable account'}
        </button>
        <button type="button" class="secondary" disabled={action.busy} onClick={revoke}>
          End every session
        </button>
      </div>
      {roles.length > 0 ? (
        <fieldset>
          <legend>Roles</legend>
          {roles.map((r) => (
            <Checkbox key={r.name} label={`${r.name} — ${r.description}`} checked={held.has(r.name)} disabled={action.busy || r.name === 'user'} onChange={(on) => setRole(r.name, on)} />
          ))}
        </fieldset>
      ) : null}
      <form onSubmit={remove} class="danger-zone">
        <TextField label="Type the user's e-mail address to delete the account" type="email" value={confirmEmail} onInput={setConfirmEmail} required />
        <SubmitButton busy={action.busy} kind="danger">
          Delete account
        </SubmitButton>
      </form>
      <button type="button" class="secondary" onClick={onClose}>
        Close
      </button>
    </Dialog>
  );
}
