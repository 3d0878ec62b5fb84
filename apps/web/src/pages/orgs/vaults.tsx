import type { OrgMember, OrgVaultInfo } from '@watchword/client';
import type { Org, VaultAccess, VaultMember } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorMessage, SubmitButton } from '../../components/feedback.tsx';
import { Select, TextField } from '../../components/fields.tsx';
import { TableHead } from '../../components/table.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { currentVault } from '../../lib/session.ts';
import { syncItems } from '../../lib/item-sync.ts';
import { ACCESS_LABEL, ACCESS_OPTIONS, ACCESS_RANK, canManage, orgs } from './common.tsx';

// ——— Shared vaults ———

export function SharedVaults({ org, members, vaults, onChange }: { org: Org; members: OrgMember[]; vaults: OrgVaultInfo[]; onChange(): void }) {
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
  const [lowering, setLowering] = useState<{ member: VaultMember; to: VaultAccess } | null>(null);
  const [attempts, setAttempts] = useState(0);
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
  /** Changes a member's access in place (`PATCH …/members/:userId`): no key changes hands, the server decides at once. */
  const changeAccess = (m: VaultMember, to: VaultAccess) =>
    void action.run(async () => {
      try {
        await orgs().setAccess(vault.id, m.userId, to);
        announce(`${m.email}: ${ACCESS_LABEL[to].toLowerCase()} in ${label}.`);
        if (m.userId === currentVault().userId) {
          // One's own access shapes the item list (read-only vaults offer no move) and this page.
          void syncItems(currentVault());
          onChange();
        } else {
          await load();
        }
      } finally {
        // Re-mounts the access selects, so a refused change shows the access the server kept.
        setAttempts((n) => n + 1);
      }
    });
  const pickAccess = (m: VaultMember, to: VaultAccess) => {
    if (to === m.access) return;
    if (m.userId === currentVault().userId && ACCESS_RANK[to] < ACCESS_RANK[m.access]) setLowering({ member: m, to });
    else changeAccess(m, to);
  };
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
                    <td>
                      <Select<VaultAccess>
                        key={`${m.userId}-${m.access}-${attempts}`}
                        label={<span class="visually-hidden">Access of {m.email} to {label}</span>}
                        value={m.access}
                        options={ACCESS_OPTIONS}
                        onChange={(to) => pickAccess(m, to)}
                        disabled={action.busy}
                      />
                    </td>
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
      {lowering ? (
        <Dialog title={`Lower your own access to ${label}?`} onCancel={() => setLowering(null)}>
          <p>
            You will have “{ACCESS_LABEL[lowering.to]}” instead of “{ACCESS_LABEL[lowering.member.access]}”.
            {lowering.member.access === 'manage' ? ' You will no longer manage its members or settings; only another member who manages it can give that back.' : ' You will no longer edit its items.'}
          </p>
          <div class="button-row">
            <button
              type="button"
              class="danger"
              onClick={() => {
                const { member, to } = lowering;
                setLowering(null);
                changeAccess(member, to);
              }}
            >
              Lower my access
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setLowering(null);
                setAttempts((n) => n + 1);
              }}
            >
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </article>
  );
}
