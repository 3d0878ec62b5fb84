import type { OrgMember, OrgVaultInfo } from '@watchword/client';
import type { Org, OrgRole } from '@watchword/protocol';
import { useState } from 'preact/hooks';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorMessage, SubmitButton } from '../../components/feedback.tsx';
import { Checkbox, Select, TextField } from '../../components/fields.tsx';
import { TableHead } from '../../components/table.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { currentVault } from '../../lib/session.ts';
import { Phrase, ROLE_LABEL, STATE_LABEL, canManage, orgs } from './common.tsx';

// ——— The members of one organisation: roles, states, invitations, confirmation, removal ———

export function Members({ org, members, onChange }: { org: Org; members: OrgMember[]; vaults: OrgVaultInfo[]; onChange(): void }) {
  const manage = canManage(org.role);
  const me = currentVault().userId;
  const [confirming, setConfirming] = useState<OrgMember | null>(null);
  const [removing, setRemoving] = useState<OrgMember | null>(null);
  const action = useAction();
  const roleOptions = (org.role === 'owner' ? (['member', 'admin', 'owner'] as const) : (['member', 'admin'] as const)).map((r) => [r, ROLE_LABEL[r]] as const);

  const changeRole = (m: OrgMember, role: OrgRole) =>
    void action.run(async () => {
      await orgs().setRole(org.id, m.id, role);
      announce(`${m.email} is now ${ROLE_LABEL[role].toLowerCase()}.`);
      onChange();
    });

  return (
    <>
      <h2>Members</h2>
      <ErrorMessage message={action.error} />
      <div class="table-scroll">
        <table>
          <TableHead caption={`Members of ${org.name}`} columns={['E-mail address', 'Role', 'State']} actions={manage} />
          <tbody>
            {members.map((m) => {
              const self = m.userId === me;
              // Only an owner changes an owner's role or removes an owner (the server refuses an admin).
              const editable = manage && !self && (m.role !== 'owner' || org.role === 'owner');
              return (
                <tr key={m.id}>
                  <td>
                    {m.email}
                    {self ? <strong class="badge"> you</strong> : null}
                  </td>
                  <td>
                    {/* An invitation's role too: it is the role the member joins with (the server allows it). */}
                    {editable ? (
                      <Select label={<span class="visually-hidden">Role of {m.email}</span>} value={m.role as OrgRole} options={roleOptions} onChange={(r) => changeRole(m, r)} disabled={action.busy} />
                    ) : (
                      ROLE_LABEL[m.role]
                    )}
                  </td>
                  <td>{STATE_LABEL[m.state]}</td>
                  {manage ? (
                    <td>
                      {editable && m.state === 'accepted' ? (
                        <button type="button" class="primary" onClick={() => setConfirming(m)}>
                          Confirm<span class="visually-hidden"> {m.email}</span>
                        </button>
                      ) : null}{' '}
                      {editable ? (
                        <button type="button" class="danger" onClick={() => setRemoving(m)}>
                          {m.state === 'invited' ? 'Withdraw invitation' : 'Remove'}
                          <span class="visually-hidden"> {m.email}</span>
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {manage ? <InviteForm org={org} onInvited={onChange} /> : null}
      {confirming ? (
        <ConfirmMemberDialog
          org={org}
          member={confirming}
          onClose={(done) => {
            setConfirming(null);
            if (done) onChange();
          }}
        />
      ) : null}
      {removing ? (
        <RemoveMemberDialog
          org={org}
          member={removing}
          onClose={(done) => {
            setRemoving(null);
            if (done) onChange();
          }}
        />
      ) : null}
    </>
  );
}

function InviteForm({ org, onInvited }: { org: Org; onInvited(): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await orgs().invite(org.id, email.trim(), role);
      announce(`Invitation sent to ${email.trim()}.`);
      setEmail('');
      onInvited();
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="invite-heading">
      <h3 id="invite-heading">Invite a member</h3>
      <TextField label="E-mail address to invite" type="email" value={email} onInput={setEmail} required maxLength={254} hint="They accept from the Organisations page once logged in with this address." />
      <Select<"member" | "admin"> label="Role" value={role} options={[['member', 'Member'], ['admin', 'Admin']] as const} onChange={setRole} />
      <ErrorMessage message={action.error} />
      <SubmitButton busy={action.busy} busyText="Inviting…">
        Invite
      </SubmitButton>
    </form>
  );
}

/**
 * Confirmation: the member's fingerprint phrase (of the keys the SDK checked and pinned) is shown and must be
 * declared matching; the SDK compares it again with what it fetched before sending (docs/crypto.md "Shared vaults").
 */
function ConfirmMemberDialog({ org, member, onClose }: { org: Org; member: OrgMember; onClose(done: boolean): void }) {
  const [matches, setMatches] = useState(false);
  const action = useAction();
  const shown = member.fingerprint ?? [];
  const confirm = () =>
    void action.run(async () => {
      await orgs().confirm(org.id, member.id, (m) => matches && m.fingerprint.join(' ') === shown.join(' '));
      announce(`${member.email} confirmed.`);
      onClose(true);
    });
  return (
    <Dialog title={`Confirm ${member.email}`} onCancel={() => onClose(false)}>
      <p>Ask {member.email} to read you the fingerprint phrase their Organisations page shows (by phone or in person, not by e-mail). It must be exactly:</p>
      <Phrase words={shown} label={`Fingerprint phrase of ${member.email}`} />
      <p>If it differs, do not confirm: someone may have put their own key in place of theirs.</p>
      <Checkbox label="The phrase matches what they see" checked={matches} onChange={setMatches} />
      <ErrorMessage message={action.error} />
      <div class="button-row">
        <button type="button" class="primary" disabled={!matches || action.busy} onClick={confirm}>
          {action.busy ? 'Confirming…' : 'Confirm member'}
        </button>
        <button type="button" class="secondary" onClick={() => onClose(false)}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function RemoveMemberDialog({ org, member, onClose }: { org: Org; member: OrgMember; onClose(done: boolean): void }) {
  const action = useAction();
  const remove = () =>
    void action.run(async () => {
      const rotated = await orgs().remove(org.id, member.id);
      announce(`${member.email} removed${rotated.length ? `; ${rotated.length} vault key(s) rotated` : ''}.`);
      onClose(true);
    });
  return (
    <Dialog title={`Remove ${member.email}?`} onCancel={() => onClose(false)}>
      <p>They lose access at once. The keys of the vaults you manage that they could read are replaced, so nothing added afterwards can be read with a key they kept. What they already synced stays on their devices.</p>
      <ErrorMessage message={action.error} />
      <div class="button-row">
        <button type="button" class="danger" disabled={action.busy} onClick={remove}>
          {action.busy ? 'Removing…' : 'Remove member'}
        </button>
        <button type="button" class="secondary" onClick={() => onClose(false)}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
