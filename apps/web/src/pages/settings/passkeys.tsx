import { listPasskeys, removePasskey } from '@watchword/client';
import type { PasskeyInfo } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorMessage, Notice } from '../../components/feedback.tsx';
import { TextField } from '../../components/fields.tsx';
import { TableHead } from '../../components/table.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { formatTime } from '../../lib/format.ts';
import { client, currentVault } from '../../lib/session.ts';
import { passkeyCeremonies } from '../../lib/passkeys.ts';
import { keepUsedPasskey, pruneKeptPasskeys } from '../../lib/offline/passkey-record.ts';
import { webauthnSupported } from '@watchword/ui';
import { ConfirmWithPassword } from './two-step.tsx';

/**
 * Passkeys that sign in and unlock (WebAuthn PRF; docs/web-vault.md "Passkeys"): the account's list, adding one (the
 * master password asked again; refused clearly when the authenticator gives no PRF output) and removing one.
 */
export function PasskeysPanel() {
  const vault = currentVault();
  const [passkeys, setPasskeys] = useState<PasskeyInfo[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const action = useAction();
  const load = useAction();
  const supported = webauthnSupported();

  /**
   * The account's list; this device's offline passkey record (offline/passkey-record.ts) follows it: a passkey just
   * added here is kept, a removed one dropped.
   */
  const reload = (addedHere?: string) =>
    void load.run(async () => {
      const list = await listPasskeys(vault.session);
      setPasskeys(list);
      await (addedHere === undefined ? pruneKeptPasskeys(vault.userId, list) : keepUsedPasskey(vault.userId, addedHere, list)).catch(() => undefined);
    });
  useEffect(() => reload(), [vault.userId]);

  const add = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const entered = password;
      setPassword('');
      const passkey = await client.registerPasskeyUnlock(vault, { password: entered, name: name.trim() || 'Passkey', ...passkeyCeremonies });
      setAdding(false);
      setName('');
      setAdded(passkey.name);
      announce(`Passkey “${passkey.name}” added: it gave a PRF key, so it signs in and unlocks the vault.`);
      reload(passkey.id);
    });
  };
  const remove = (e: Event) => {
    e.preventDefault();
    const passkey = removing;
    if (!passkey) return;
    void action.run(async () => {
      const entered = password;
      setPassword('');
      await removePasskey(vault.session, { id: passkey.id, password: entered });
      setRemoving(null);
      announce(`Passkey “${passkey.name}” removed.`);
      reload();
    });
  };

  return (
    <section aria-labelledby="passkeys-title">
      <h3 id="passkeys-title">Passkeys</h3>
      <p class="hint">
        A passkey with the PRF extension signs you in without the e-mail address or master password, and unlocks the
        vault: it gives this page a key that opens your account key, which the server keeps only wrapped under it.
        Passkeys belong to the account and work on any device that has them.
      </p>
      {added ? <Notice kind="success">Passkey “{added}” added: the authenticator gave a PRF key, so it can sign in and unlock.</Notice> : null}
      <ErrorMessage message={load.error} />
      {passkeys === null ? null : passkeys.length === 0 ? (
        <p>No passkeys.</p>
      ) : (
        <table>
          <TableHead caption="Passkeys" columns={['Name', 'Added', 'Last used']} actions />
          <tbody>
            {passkeys.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{formatTime(p.createdAt)}</td>
                <td>{formatTime(p.lastUsedAt)}</td>
                <td>
                  <button type="button" class="secondary" onClick={() => setRemoving({ id: p.id, name: p.name })}>
                    Remove<span class="visually-hidden"> {p.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!supported ? <Notice kind="warning">This browser cannot use passkeys.</Notice> : null}
      {supported && !adding ? (
        <button type="button" class="primary" onClick={() => setAdding(true)}>
          Add a passkey
        </button>
      ) : null}
      {adding ? (
        <ConfirmWithPassword onSubmit={add} password={password} onPassword={setPassword} action={action} submit="Add passkey" busyText="Waiting for the passkey…" onCancel={() => setAdding(false)}>
          <TextField label="Name for the passkey" value={name} onInput={setName} maxLength={64} required autoFocus hint="E.g. “Laptop” or “Phone”." />
        </ConfirmWithPassword>
      ) : (
        <ErrorMessage message={removing ? null : action.error} />
      )}
      {removing ? (
        <Dialog title={`Remove “${removing.name}”?`} onCancel={() => setRemoving(null)}>
          <ConfirmWithPassword onSubmit={remove} password={password} onPassword={setPassword} action={action} submit="Remove passkey" kind="danger" onCancel={() => setRemoving(null)} />
        </Dialog>
      ) : null}
    </section>
  );
}
