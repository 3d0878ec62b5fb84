import type { OAuthClientView } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { adminAccess } from '../../admin-api.ts';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorMessage, PageTitle, SubmitButton } from '../../components/feedback.tsx';
import { Checkbox, TextArea, TextField } from '../../components/fields.tsx';
import { ShownOnce } from '../../components/shown-once.tsx';
import { TableHead } from '../../components/table.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { UserError } from '../../lib/errors.ts';
import { formatTime } from '../../lib/format.ts';
import { client, currentVault } from '../../lib/session.ts';
import { useStore } from '../../lib/store.ts';

/** Most redirect URIs a client may have (the API's bound). */
const MAX_REDIRECT_URIS = 10;

/** A secret just made (creation or rotation): shown once, then gone from the page. */
interface Revealed {
  client: OAuthClientView;
  secret: string;
  rotated: boolean;
}

/** One URI per line, blank lines ignored. */
const uriLines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

/**
 * Applications that use "Sign in with Watchword" (OAuth clients; `oauth:read` to see them, `oauth:manage` to change
 * them): register one (name, exact redirect URIs, public or confidential), rotate a confidential client's secret,
 * disable or enable, delete. A secret is shown once (the server keeps only its Argon2id hash); every change is an
 * audit event on the server, and disabling or deleting revokes every token the application holds.
 */
export function AdminOAuthClientsPage() {
  const api = client.oauthAdmin(currentVault().session);
  const access = useStore(adminAccess);
  const [clients, setClients] = useState<OAuthClientView[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<OAuthClientView | null>(null);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const action = useAction();

  const reload = () => void action.run(async () => setClients(await api.clients()));
  useEffect(reload, []);

  const replace = (c: OAuthClientView) => {
    setClients((list) => (list ?? []).map((x) => (x.clientId === c.clientId ? c : x)));
    setSelected((current) => (current?.clientId === c.clientId ? c : current));
  };

  if (revealed) {
    return (
      <section class="page">
        <PageTitle title="Application secret">{revealed.rotated ? 'New client secret' : 'Application registered'}</PageTitle>
        <p>
          Client id of {revealed.client.name}: <code>{revealed.client.clientId}</code>
        </p>
        <ShownOnce
          title="Client secret"
          lines={[revealed.secret]}
          explanation={`The secret of ${revealed.client.name} is shown only this once: put it in the application's configuration now. The server keeps only a hash of it${revealed.rotated ? ', and the previous secret no longer works' : ''}. The application authenticates with HTTP Basic (client_secret_basic).`}
          fileName={`watchword-client-${revealed.client.clientId}.txt`}
          confirmLabel="I have stored the client secret"
          continueLabel="Done"
          onDone={() => setRevealed(null)}
        />
      </section>
    );
  }

  return (
    <section class="page">
      <PageTitle title="Applications">Applications</PageTitle>
      <p>
        Applications (wikis, dashboards, Git servers) that let people sign in with their Watchword account. Discovery:{' '}
        <code>{`${location.origin}/.well-known/openid-configuration`}</code>
      </p>
      <ErrorMessage message={action.error} />
      {access.oauthManage ? (
        creating ? (
          <CreateClient
            onCreated={(c, secret) => {
              setCreating(false);
              setClients((list) => [...(list ?? []), c]);
              announce(`${c.name} registered.`);
              if (secret !== null) setRevealed({ client: c, secret, rotated: false });
            }}
            onCancel={() => setCreating(false)}
          />
        ) : (
          <div class="button-row">
            <button type="button" class="primary" onClick={() => setCreating(true)}>
              Register an application
            </button>
          </div>
        )
      ) : null}
      {clients === null ? (
        <p>Loading…</p>
      ) : clients.length === 0 ? (
        <p class="empty">No applications registered.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <TableHead caption="Registered applications" columns={['Name', 'Client id', 'Type', 'Status', 'Redirect URIs', 'Created']} actions={access.oauthManage} />
            <tbody>
              {clients.map((c) => (
                <tr key={c.clientId}>
                  <td>{c.name}</td>
                  <td class="mono">{c.clientId}</td>
                  <td>{c.public ? 'Public' : 'Confidential'}</td>
                  <td>{c.disabled ? 'Disabled' : 'Active'}</td>
                  <td>{c.redirectUris.join(' ')}</td>
                  <td>{formatTime(c.createdAt)}</td>
                  {access.oauthManage ? (
                    <td>
                      <button type="button" class="secondary" onClick={() => setSelected(c)}>
                        Manage<span class="visually-hidden"> {c.name}</span>
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected ? (
        <ManageClient
          client={selected}
          onChanged={replace}
          onRotated={(c, secret) => {
            setSelected(null);
            replace(c);
            setRevealed({ client: c, secret, rotated: true });
          }}
          onDeleted={(id) => {
            setClients((list) => (list ?? []).filter((c) => c.clientId !== id));
            setSelected(null);
          }}
          onClose={() => setSelected(null)}
        />
      ) : null}
    </section>
  );
}

function CreateClient({ onCreated, onCancel }: { onCreated(client: OAuthClientView, secret: string | null): void; onCancel(): void }) {
  const api = client.oauthAdmin(currentVault().session);
  const [name, setName] = useState('');
  const [redirects, setRedirects] = useState('');
  const [isPublic, setPublic] = useState(false);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const redirectUris = uriLines(redirects);
      if (redirectUris.length === 0) throw new UserError('Give at least one redirect URI.');
      if (redirectUris.length > MAX_REDIRECT_URIS) throw new UserError(`At most ${MAX_REDIRECT_URIS} redirect URIs.`);
      const created = await api.create({ name: name.trim(), redirectUris, public: isPublic });
      onCreated(created.client, created.clientSecret);
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-label="Register an application">
      <h2>Register an application</h2>
      <TextField label="Name" value={name} onInput={setName} required maxLength={100} autoFocus hint="Shown to people on the consent screen." />
      <TextArea
        label="Redirect URIs"
        value={redirects}
        onInput={setRedirects}
        rows={3}
        maxLength={MAX_REDIRECT_URIS * 513}
        hint="One per line, matched exactly: https://, or http:// on 127.0.0.1, localhost or [::1]."
      />
      <Checkbox label="Public client (single-page or native app: no secret, PKCE and DPoP-bound tokens)" checked={isPublic} onChange={setPublic} />
      <ErrorMessage message={action.error} />
      <div class="button-row">
        <SubmitButton busy={action.busy}>Register</SubmitButton>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ManageClient({
  client: c,
  onChanged,
  onRotated,
  onDeleted,
  onClose,
}: {
  client: OAuthClientView;
  onChanged(client: OAuthClientView): void;
  onRotated(client: OAuthClientView, secret: string): void;
  onDeleted(id: string): void;
  onClose(): void;
}) {
  const api = client.oauthAdmin(currentVault().session);
  const [confirmName, setConfirmName] = useState('');
  const action = useAction();

  const toggle = () =>
    void action.run(async () => {
      const updated = c.disabled ? await api.enable(c.clientId) : await api.disable(c.clientId);
      onChanged(updated);
      announce(updated.disabled ? `${c.name} disabled; its tokens are revoked.` : `${c.name} enabled.`);
    });
  const rotate = () =>
    void action.run(async () => {
      const rotated = await api.rotateSecret(c.clientId);
      if (rotated.clientSecret === null) throw new UserError('A public client has no secret.');
      onRotated(rotated.client, rotated.clientSecret);
    });
  const remove = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (confirmName.trim() !== c.name) throw new UserError('The name does not match.');
      await api.delete(c.clientId);
      announce(`${c.name} deleted.`);
      onDeleted(c.clientId);
    });
  };

  return (
    <Dialog title={c.name} onCancel={onClose}>
      <p>
        {c.public ? 'Public' : 'Confidential'} · {c.disabled ? 'disabled' : 'active'} · client id <code>{c.clientId}</code>
      </p>
      <p>Redirect URIs: {c.redirectUris.join(', ')}</p>
      <ErrorMessage message={action.error} />
      <div class="button-row">
        {c.public ? null : (
          <button type="button" class="secondary" disabled={action.busy} onClick={rotate}>
            Rotate secret
          </button>
        )}
        <button type="button" class="secondary" disabled={action.busy} onClick={toggle}>
          {c.disabled ? 'Enable application' : 'Disable application'}
        </button>
      </div>
      <p>Disabling stops sign-ins and revokes every token the application holds; enabling again does not bring them back.</p>
      <form onSubmit={remove} class="danger-zone">
        <TextField label="Type the application's name to delete it" value={confirmName} onInput={setConfirmName} required maxLength={100} />
        <SubmitButton busy={action.busy} kind="danger">
          Delete application
        </SubmitButton>
      </form>
      <button type="button" class="secondary" onClick={onClose}>
        Close
      </button>
    </Dialog>
  );
}
