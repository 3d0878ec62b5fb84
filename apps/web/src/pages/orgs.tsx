import { Organisations, type OrgMember, type OrgVaultInfo } from '@watchword/client';
import type { Invitation, Org, OrgRole, VaultAccess, VaultMember } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../components/dialog.tsx';
import { ErrorMessage, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { Checkbox, Select, TextField } from '../components/fields.tsx';
import { TableHead } from '../components/table.tsx';
import { useAction } from '../lib/action.ts';
import { announce } from '../lib/announce.ts';
import { formatTime } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';
import { currentVault } from '../lib/session.ts';
import { syncItems } from '../lib/item-sync.ts';

/**
 * Organisations and their shared vaults (issue 25, docs/web-vault.md "Organisations"). Every key operation (sharing
 * keys, sealing vault keys for a member, rotation after a removal) happens in the SDK's `Organisations`; these pages
 * only ask and show. What a role cannot do is not offered (the server refuses it anyway: permissions.ts).
 */

const ROLE_LABEL: Record<OrgRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
const STATE_LABEL: Record<OrgMember['state'], string> = { invited: 'Invited', accepted: 'Accepted (awaits confirmation)', confirmed: 'Confirmed' };
const ACCESS_LABEL: Record<VaultAccess, string> = { manage: 'Manage (members and settings)', edit: 'Edit items', read: 'Read items' };
const ACCESS_OPTIONS = (['read', 'edit', 'manage'] as const).map((a) => [a, ACCESS_LABEL[a]] as const);

function orgs(): Organisations {
  return new Organisations(currentVault());
}

/** Roles that may manage members (org:members) and vaults (org:manage): ORG_ROLE_PERMISSIONS in the protocol. */
const canManage = (role: OrgRole): boolean => role === 'owner' || role === 'admin';

/** The five words of a fingerprint phrase, shown the same way on both sides. */
function Phrase({ words, label }: { words: readonly string[]; label: string }) {
  return (
    <p class="mono fingerprint" aria-label={label} data-testid="fingerprint-phrase">
      {words.join(' ')}
    </p>
  );
}

// ——— #/orgs ———

export function OrgsPage({ orgId }: { orgId?: string | undefined }) {
  if (orgId) return <OrgPage orgId={orgId} />;
  return <OrgListPage />;
}

function OrgListPage() {
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

// ——— #/orgs/:orgId ———

function OrgPage({ orgId }: { orgId: string }) {
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
        </>
      )}
      <LeaveOrDelete org={org} />
    </section>
  );
}

function Members({ org, members, onChange }: { org: Org; members: OrgMember[]; vaults: OrgVaultInfo[]; onChange(): void }) {
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
                    {editable && m.state !== 'invited' ? (
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

// ——— Shared vaults ———

function SharedVaults({ org, members, vaults, onChange }: { org: Org; members: OrgMember[]; vaults: OrgVaultInfo[]; onChange(): void }) {
  const [name, setName] = useState('');
  const create = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void create.run(async () => {
      await orgs().createVault(org.id, name.trim());
      announce(`Vault “${name.trim()}” created.`);
      setName('');
      void syncItems(currentVault());
      onChange();
    });
  };
  return (
    <>
      <h2>Shared vaults</h2>
      {vaults.length === 0 ? <p class="empty">No shared vault you can see yet.</p> : null}
      {vaults.map((v) => (
        <SharedVault key={v.id} org={org} vault={v} members={members} onChange={onChange} />
      ))}
      {canManage(org.role) ? (
        <form class="card" onSubmit={submit} aria-labelledby="create-vault-heading">
          <h3 id="create-vault-heading">Create a shared vault</h3>
          <TextField label="Vault name" value={name} onInput={setName} required maxLength={100} hint="Encrypted: only the vault's members can read it." />
          <ErrorMessage message={create.error} />
          <SubmitButton busy={create.busy} busyText="Creating…">
            Create vault
          </SubmitButton>
        </form>
      ) : null}
    </>
  );
}

function SharedVault({ org, vault, members, onChange }: { org: Org; vault: OrgVaultInfo; members: OrgMember[]; onChange(): void }) {
  const label = vault.name ?? 'A vault not shared with you';
  const manage = vault.access === 'manage';
  const [vaultMembers, setVaultMembers] = useState<VaultMember[] | null>(null);
  const [rename, setRename] = useState('');
  const [shareWith, setShareWith] = useState('');
  const [access, setAccess] = useState<VaultAccess>('edit');
  const action = useAction();
  const load = async () => setVaultMembers(await orgs().vaultMembers(vault.id));
  useEffect(() => {
    if (manage) void action.run(load);
  }, [vault.id, manage]);

  const candidates = members.filter((m) => m.state === 'confirmed' && m.userId && !vaultMembers?.some((v) => v.userId === m.userId));
  const share = (e: Event) => {
    e.preventDefault();
    const who = candidates.find((m) => m.userId === shareWith) ?? candidates[0];
    if (!who?.userId) return;
    const userId = who.userId;
    void action.run(async () => {
      await orgs().share(vault.id, userId, access);
      announce(`${label} shared with ${who.email}.`);
      setShareWith('');
      await load();
      onChange();
    });
  };
  const unshare = (m: VaultMember) =>
    void action.run(async () => {
      await orgs().unshare(vault.id, m.userId);
      announce(`${m.email} no longer has ${label}; its key was rotated.`);
      await load();
      onChange();
    });
  const doRename = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await orgs().renameVault(vault.id, rename.trim());
      announce(`Vault renamed to “${rename.trim()}”.`);
      setRename('');
      void syncItems(currentVault());
      onChange();
    });
  };

  return (
    <article class="card" aria-label={`Vault ${label}`}>
      <h3>{label}</h3>
      <p class="small">
        {vault.access ? `Your access: ${ACCESS_LABEL[vault.access]}` : 'You are not a member of this vault.'} · {vault.memberCount} member(s)
      </p>
      <ErrorMessage message={action.error} />
      {manage && vaultMembers ? (
        <>
          <div class="table-scroll">
            <table>
              <TableHead caption={`Members of ${label}`} columns={['E-mail address', 'Access']} actions />
              <tbody>
                {vaultMembers.map((m) => (
                  <tr key={m.userId}>
                    <td>{m.email}</td>
                    <td>{ACCESS_LABEL[m.access]}</td>
                    <td>
                      {m.userId === currentVault().userId ? null : (
                        <button type="button" class="secondary" disabled={action.busy} onClick={() => unshare(m)}>
                          Unshare<span class="visually-hidden"> {label} with {m.email}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {candidates.length > 0 ? (
            <form onSubmit={share} aria-label={`Share ${label}`}>
              <Select label={`Share ${label} with`} value={shareWith || (candidates[0]?.userId ?? '')} options={candidates.map((m) => [m.userId ?? '', m.email] as const)} onChange={setShareWith} />
              <Select<VaultAccess> label="Access" value={access} options={ACCESS_OPTIONS} onChange={setAccess} />
              <SubmitButton busy={action.busy} kind="secondary">
                Share
              </SubmitButton>
            </form>
          ) : (
            <p class="hint">Every confirmed member of {org.name} already has this vault.</p>
          )}
          <form onSubmit={doRename} aria-label={`Rename ${label}`}>
            <TextField label={`New name for ${label}`} value={rename} onInput={setRename} required maxLength={100} />
            <SubmitButton busy={action.busy} kind="secondary">
              Rename
            </SubmitButton>
          </form>
        </>
      ) : null}
    </article>
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
