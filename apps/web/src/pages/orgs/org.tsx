import type { OrgMember, OrgVaultInfo } from '@watchword/client';
import type { Org } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorMessage, PageTitle, SubmitButton } from '../../components/feedback.tsx';
import { TextField } from '../../components/fields.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { navigate } from '../../lib/router.ts';
import { currentVault } from '../../lib/session.ts';
import { syncItems } from '../../lib/item-sync.ts';
import { Phrase, ROLE_LABEL, canManage, orgs, renameOrg } from './common.tsx';
import { Members } from './members.tsx';
import { SharedVaults } from './vaults.tsx';

// ——— #/orgs/:orgId ———

export function OrgPage({ orgId }: { orgId: string }) {
  const [org, setOrg] = useState<Org | null | undefined>(undefined);
  const [members, setMembers] = useState<OrgMember[]>([]);
  const [vaults, setVaults] = useState<OrgVaultInfo[]>([]);
  const [myPhrase, setMyPhrase] = useState<string[] | null>(null);
  const action = useAction();
  const reload = async () => {
    const o = orgs();
    const found = (await o.list()).find((x) => x.id === orgId) ?? null;
    setOrg(found);
    if (!found) return;
    if (found.state !== 'confirmed') {
      setMyPhrase(await o.myFingerprint());
      return;
    }
    const [m, v] = await Promise.all([o.members(orgId), o.vaults(orgId)]);
    setMembers(m);
    setVaults(v);
  };
  useEffect(() => void action.run(reload), [orgId]);

  if (org === undefined) {
    return (
      <section class="page">
        <PageTitle title="Organisation">Organisation</PageTitle>
        <ErrorMessage message={action.error} />
        {action.error ? null : <p role="status">Loading…</p>}
      </section>
    );
  }
  if (org === null) {
    return (
      <section class="page">
        <PageTitle title="Organisation">Organisation not found</PageTitle>
        <p>
          You are not a member of this organisation. <a href="#/orgs">Back to organisations</a>.
        </p>
      </section>
    );
  }
  const refresh = () => void action.run(reload);
  return (
    <section class="page">
      <PageTitle title="Organisation">{org.name}</PageTitle>
      <p>
        <a href="#/orgs">All organisations</a> · Your role: {ROLE_LABEL[org.role]}
        {org.state === 'confirmed' && canManage(org.role) ? (
          <>
            {' · '}
            <a href={`#/orgs/${org.id}/audit`}>Audit events</a>
          </>
        ) : null}
      </p>
      <ErrorMessage message={action.error} />
      {org.state !== 'confirmed' ? (
        <div class="notice info" role="status">
          <p>An admin of this organisation has not confirmed you yet; you will see its shared vaults once they have. Compare this phrase with what they see:</p>
          {myPhrase ? <Phrase words={myPhrase} label="Your fingerprint phrase" /> : null}
        </div>
      ) : (
        <>
          <Members org={org} members={members} vaults={vaults} onChange={refresh} />
          <SharedVaults org={org} members={members} vaults={vaults} onChange={refresh} />
          <OrgSettings org={org} onRenamed={setOrg} />
        </>
      )}
      <LeaveOrDelete org={org} />
    </section>
  );
}

// ——— Name ———

/** Renaming needs `org:manage` (owners and admins); a member is told who may, and the server refuses anyone else. */
function OrgSettings({ org, onRenamed }: { org: Org; onRenamed(org: Org): void }) {
  const [name, setName] = useState('');
  const action = useAction();
  if (!canManage(org.role)) {
    return (
      <>
        <h2>Organisation</h2>
        <p class="hint">Only an owner or an admin renames the organisation and reads its audit events; your role is {ROLE_LABEL[org.role].toLowerCase()}.</p>
      </>
    );
  }
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const renamed = await renameOrg(org.id, name.trim());
      announce(`Organisation renamed to “${renamed.name}”.`);
      setName('');
      onRenamed(renamed);
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="rename-org-heading">
      <h2 id="rename-org-heading">Rename the organisation</h2>
      <TextField
        label="New name for the organisation"
        value={name}
        onInput={setName}
        required
        maxLength={100}
        hint={`Owners and admins may rename it (you are ${ROLE_LABEL[org.role].toLowerCase()}). Every member sees the new name; the server sees it too (it is not encrypted).`}
      />
      <ErrorMessage message={action.error} />
      <SubmitButton busy={action.busy} busyText="Renaming…" kind="secondary">
        Rename organisation
      </SubmitButton>
    </form>
  );
}

// ——— Leave / delete ———

function LeaveOrDelete({ org }: { org: Org }) {
  const [asking, setAsking] = useState<'leave' | 'delete' | null>(null);
  const action = useAction();
  const go = (what: 'leave' | 'delete') =>
    void action.run(async () => {
      if (what === 'leave') await orgs().leave(org.id);
      else await orgs().delete(org.id);
      announce(what === 'leave' ? `You left “${org.name}”.` : `Organisation “${org.name}” deleted.`);
      setAsking(null);
      void syncItems(currentVault());
      navigate('/orgs');
    });
  return (
    <div class="danger-zone">
      <h2>Leave or delete</h2>
      <div class="button-row">
        <button type="button" class="secondary" onClick={() => setAsking('leave')}>
          Leave organisation
        </button>
        {org.role === 'owner' ? (
          <button type="button" class="danger" onClick={() => setAsking('delete')}>
            Delete organisation
          </button>
        ) : null}
      </div>
      {asking ? (
        <Dialog title={asking === 'leave' ? `Leave ${org.name}?` : `Delete ${org.name}?`} onCancel={() => setAsking(null)}>
          <p>
            {asking === 'leave'
              ? 'You lose access to its shared vaults at once. To come back, an admin must invite and confirm you again.'
              : 'Every shared vault of the organisation and its items are deleted for every member. This cannot be undone.'}
          </p>
          <ErrorMessage message={action.error} />
          <div class="button-row">
            <button type="button" class="danger" disabled={action.busy} onClick={() => go(asking)}>
              {asking === 'leave' ? 'Leave' : 'Delete for everyone'}
            </button>
            <button type="button" class="secondary" onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}
