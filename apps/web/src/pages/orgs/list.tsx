import type { Invitation, Org } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, PageTitle, SubmitButton } from '../../components/feedback.tsx';
import { TextField } from '../../components/fields.tsx';
import { TableHead } from '../../components/table.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { formatTime } from '../../lib/format.ts';
import { navigate } from '../../lib/router.ts';
import { Phrase, ROLE_LABEL, STATE_LABEL, orgs } from './common.tsx';

// ——— #/orgs: the organisations of this account, its invitations, and creating one ———

export function OrgListPage() {
  const [list, setList] = useState<Org[] | null>(null);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [name, setName] = useState('');
  // Kept here, not in <Invitations>: the accepted invitation leaves the list, the phrase must stay in view.
  const [phrase, setPhrase] = useState<string[] | null>(null);
  const action = useAction();
  const create = useAction();
  const reload = async () => {
    const o = orgs();
    const [l, inv] = await Promise.all([o.list(), o.invitations()]);
    setList(l);
    setInvitations(inv);
  };
  useEffect(() => void action.run(reload), []);

  const onCreate = (e: Event) => {
    e.preventDefault();
    void create.run(async () => {
      const org = await orgs().create(name.trim());
      announce(`Organisation “${org.name}” created.`);
      setName('');
      navigate(`/orgs/${org.id}`);
    });
  };

  return (
    <section class="page">
      <PageTitle title="Organisations">Organisations</PageTitle>
      <p>Share passwords with a family or a team. Items in a shared vault are encrypted for its members only; the server never holds a key it could use.</p>
      <ErrorMessage message={action.error} />
      {phrase ? <OwnPhrase words={phrase} /> : null}
      {invitations.length > 0 ? (
        <Invitations
          invitations={invitations}
          onAccepted={(words) => {
            setPhrase(words);
            void action.run(reload);
          }}
        />
      ) : null}
      <h2>Your organisations</h2>
      {list === null ? (
        <p role="status">Loading…</p>
      ) : list.length === 0 ? (
        <p class="empty">You are not in any organisation yet.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <TableHead caption="Your organisations" columns={['Name', 'Your role', 'Your state', 'Members', 'Vaults']} />
            <tbody>
              {list.map((org) => (
                <tr key={org.id}>
                  <td>
                    <a href={`#/orgs/${org.id}`}>{org.name}</a>
                  </td>
                  <td>{ROLE_LABEL[org.role]}</td>
                  <td>{STATE_LABEL[org.state]}</td>
                  <td>{org.memberCount}</td>
                  <td>{org.vaultCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="card" onSubmit={onCreate} aria-labelledby="create-org-heading">
        <h2 id="create-org-heading">Create an organisation</h2>
        <TextField label="Organisation name" value={name} onInput={setName} required maxLength={100} hint="Seen by the server (it is not encrypted). You become its owner." />
        <ErrorMessage message={create.error} />
        <SubmitButton busy={create.busy} busyText="Creating…">
          Create organisation
        </SubmitButton>
      </form>
    </section>
  );
}

/** Invitations addressed to this account: accepting registers its sharing keys and shows its fingerprint phrase. */
function Invitations({ invitations, onAccepted }: { invitations: Invitation[]; onAccepted(phrase: string[]): void }) {
  const action = useAction();
  const accept = (inv: Invitation) =>
    void action.run(async () => {
      const o = orgs();
      await o.accept(inv.orgId);
      const words = await o.myFingerprint();
      announce(`Invitation to “${inv.orgName}” accepted.`);
      onAccepted(words);
    });
  return (
    <div class="card">
      <h2>Invitations</h2>
      <ul>
        {invitations.map((inv) => (
          <li key={inv.memberId}>
            <strong>{inv.orgName}</strong> invites you as {ROLE_LABEL[inv.role].toLowerCase()} ({formatTime(inv.invitedAt)}).{' '}
            <button type="button" class="primary" disabled={action.busy} onClick={() => accept(inv)}>
              Accept<span class="visually-hidden"> the invitation to {inv.orgName}</span>
            </button>
          </li>
        ))}
      </ul>
      <ErrorMessage message={action.error} />
    </div>
  );
}

function OwnPhrase({ words }: { words: string[] }) {
  return (
    <div class="notice success" role="status">
      <p>Accepted. An admin of the organisation now confirms you. They will see this phrase: compare it with them by phone or in person before they confirm.</p>
      <Phrase words={words} label="Your fingerprint phrase" />
    </div>
  );
}
