import type { ItemContent, VaultItem } from '@watchword/client';
import { type ItemField, type ItemType, parseTotpSecret } from '@watchword/protocol';
import { useMemo, useState } from 'preact/hooks';
import { Dialog } from '../components/dialog.tsx';
import { Differences } from '../components/differences.tsx';
import { ErrorMessage, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { Checkbox, PasswordField, Select, TextArea, TextField } from '../components/fields.tsx';
import { Generator } from '../components/generator.tsx';
import { useAction } from '../lib/action.ts';
import { announce } from '../lib/announce.ts';
import { UserError, errorCode } from '../lib/errors.ts';
import { TYPE_LABELS, blankContent, folders, tidy } from '../lib/items.ts';
import { href, navigate } from '../lib/router.ts';
import { type EditResult, addItem, updateItem } from '../lib/offline/edits.ts';
import { currentVault, items, refreshItems } from '../lib/session.ts';
import { useStore } from '../lib/store.ts';

interface Conflict {
  mine: ItemContent;
  /** The version now on the server; undefined when the item was purged elsewhere. */
  theirs: VaultItem | undefined;
}

/**
 * Add or edit an item. Saving an edit sends the revision it started from: if someone changed the item since (another
 * tab or device), the server answers 409 and nothing is overwritten — the dialog lets the person choose.
 */
export function ItemEditor({ item, type }: { item?: VaultItem; type?: ItemType }) {
  const [content, setContent] = useState<ItemContent>(() => (item ? structuredClone(item.content) : blankContent(type ?? 'login')));
  const [baseRevision] = useState(item?.revision ?? 0);
  const [generatorOpen, setGeneratorOpen] = useState(false);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const all = useStore(items);
  const folderNames = useMemo(() => (all ? folders(all.order) : []), [all]);
  const action = useAction();
  // A new item may go to a shared vault this member can write to ('' = the personal vault).
  const [vaultId, setVaultId] = useState('');
  const writable = useMemo(() => (item ? [] : currentVault().sharedVaults().filter((v) => v.access !== 'read')), [item]);
  const c = content;

  const set = (change: Partial<ItemContent>) => setContent({ ...c, ...change });
  const setLogin = (change: Partial<NonNullable<ItemContent['login']>>) => set({ login: { ...c.login, ...change } });
  const setCard = (change: Partial<NonNullable<ItemContent['card']>>) => set({ card: { ...c.card, ...change } });
  const setIdentity = (change: Partial<NonNullable<ItemContent['identity']>>) => set({ identity: { ...c.identity, ...change } });
  const setField = (index: number, change: Partial<ItemField>) => set({ fields: c.fields.map((f, i) => (i === index ? { ...f, ...change } : f)) });
  const urls = c.login?.urls?.length ? c.login.urls : [''];

  const saved = async (result: EditResult, name: string, verb: string) => {
    await refreshItems();
    announce(result.queued ? `“${name}” ${verb} on this device: waiting to sync.` : `“${name}” ${verb}.`);
    navigate(`/vault/${encodeURIComponent(result.id)}`);
  };

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const clean = tidy(c);
      if (clean.name === '') throw new UserError('Give the item a name.');
      if (clean.login?.totp) {
        try {
          parseTotpSecret(clean.login.totp);
        } catch {
          throw new UserError('The authenticator key is not valid: paste the secret (letters A–Z and 2–7) or the otpauth:// link.');
        }
      }
      const vault = currentVault();
      if (!item) return saved(await addItem(vault, clean, vaultId === '' ? undefined : vaultId), clean.name, 'added');
      try {
        await saved(await updateItem(vault, item.id, clean, baseRevision), clean.name, 'saved');
      } catch (error) {
        if (errorCode(error) !== 'ITEM_CONFLICT') throw error;
        let theirs: VaultItem | undefined;
        try {
          theirs = await vault.get(item.id);
        } catch (inner) {
          if (errorCode(inner) !== 'ITEM_NOT_FOUND') throw inner;
        }
        // Purged elsewhere: keep the list as it is until the person has chosen (the editor would close with it).
        if (theirs) await refreshItems();
        setConflict({ mine: clean, theirs });
      }
    });
  };

  const resolve = (choice: 'mine' | 'theirs' | 'copy' | 'edit') => {
    const current = conflict;
    if (!current || !item) return;
    if (choice === 'edit') return setConflict(null);
    if (choice === 'theirs') {
      setConflict(null);
      return navigate(current.theirs ? `/vault/${encodeURIComponent(item.id)}` : '/vault');
    }
    void action.run(async () => {
      const vault = currentVault();
      if (choice === 'mine' && current.theirs) await saved(await updateItem(vault, item.id, current.mine, current.theirs.revision), current.mine.name, 'saved');
      else await saved(await addItem(vault, current.mine), current.mine.name, 'saved as a new item');
      setConflict(null);
    });
  };

  const title = item ? `Edit “${item.content.name}”` : `New ${TYPE_LABELS[c.type].toLowerCase()}`;
  return (
    <form class="item-editor" onSubmit={submit}>
      <div class="detail-head">
        <a class="back" href={item ? href('vault', item.id) : '#/vault'}>
          ← {item ? 'Back to the item' : 'All items'}
        </a>
        <PageTitle title={item ? 'Edit item' : 'New item'}>{title}</PageTitle>
      </div>
      <TextField label="Name" value={c.name} onInput={(name) => set({ name })} required maxLength={256} autoFocus={!item} />
      {writable.length > 0 ? (
        <Select
          label="Vault"
          value={vaultId}
          options={[['', 'Personal'], ...writable.map((v) => [v.id, v.name ?? `vault ${v.id.slice(0, 8)}`] as const)]}
          onChange={setVaultId}
          hint="A shared vault's items are readable by its members."
        />
      ) : null}
      <TextField label="Folder" value={c.folder ?? ''} onInput={(folder) => set({ folder })} maxLength={128} list="folder-names" hint="Optional. Type a new name or pick an existing one." />
      <datalist id="folder-names">
        {folderNames.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      <Checkbox label="Favourite" checked={Boolean(c.favorite)} onChange={(favorite) => set({ favorite })} />

      {c.type === 'login' ? (
        <fieldset>
          <legend>Login</legend>
          <TextField label="User name" value={c.login?.username ?? ''} onInput={(username) => setLogin({ username })} maxLength={512} autoComplete="off" />
          <PasswordField label="Password" value={c.login?.password ?? ''} onInput={(password) => setLogin({ password })} autoComplete="new-password" maxLength={1024}>
            <button type="button" class="secondary" aria-expanded={generatorOpen} aria-controls="item-generator" onClick={() => setGeneratorOpen(!generatorOpen)}>
              Generate
            </button>
          </PasswordField>
          {generatorOpen ? (
            <div id="item-generator" class="card">
              <Generator
                onUse={(password) => {
                  setLogin({ password });
                  setGeneratorOpen(false);
                  announce('Generated password filled in.');
                }}
              />
            </div>
          ) : null}
          {urls.map((url, i) => (
            <div class="field-with-action" key={`url-${i}`}>
              <TextField
                label={i === 0 ? 'Web address' : `Web address ${i + 1}`}
                inputMode="url"
                value={url}
                onInput={(value) => setLogin({ urls: urls.map((u, j) => (j === i ? value : u)) })}
                maxLength={2048}
                placeholder="https://"
              />
              {urls.length > 1 ? (
                <button type="button" class="secondary" onClick={() => setLogin({ urls: urls.filter((_, j) => j !== i) })}>
                  Remove<span class="visually-hidden"> web address {i + 1}</span>
                </button>
              ) : null}
            </div>
          ))}
          {urls.length < 20 ? (
            <button type="button" class="secondary" onClick={() => setLogin({ urls: [...urls, ''] })}>
              Add web address
            </button>
          ) : null}
          <PasswordField
            label="Authenticator key (TOTP)"
            value={c.login?.totp ?? ''}
            onInput={(totp) => setLogin({ totp })}
            autoComplete="off"
            mono
            maxLength={512}
            hint="Optional: the secret or otpauth:// link a site shows when you turn on two-step login. The vault then shows the current code."
          />
        </fieldset>
      ) : null}

      {c.type === 'card' ? (
        <fieldset>
          <legend>Card</legend>
          <TextField label="Cardholder" value={c.card?.cardholder ?? ''} onInput={(cardholder) => setCard({ cardholder })} maxLength={256} />
          <TextField label="Brand" value={c.card?.brand ?? ''} onInput={(brand) => setCard({ brand })} maxLength={64} />
          <PasswordField label="Card number" value={c.card?.number ?? ''} onInput={(number) => setCard({ number })} autoComplete="off" maxLength={64} mono />
          <div class="inline-fields">
            <TextField label="Expiry month (MM)" value={c.card?.expMonth ?? ''} onInput={(expMonth) => setCard({ expMonth })} maxLength={2} inputMode="numeric" />
            <TextField label="Expiry year (YYYY)" value={c.card?.expYear ?? ''} onInput={(expYear) => setCard({ expYear })} maxLength={4} inputMode="numeric" />
          </div>
          <PasswordField label="Security code" value={c.card?.code ?? ''} onInput={(code) => setCard({ code })} autoComplete="off" maxLength={16} mono />
        </fieldset>
      ) : null}

      {c.type === 'identity' ? (
        <fieldset>
          <legend>Identity</legend>
          <TextField label="Title" value={c.identity?.title ?? ''} onInput={(title) => setIdentity({ title })} maxLength={64} />
          <TextField label="First name" value={c.identity?.firstName ?? ''} onInput={(firstName) => setIdentity({ firstName })} maxLength={256} />
          <TextField label="Last name" value={c.identity?.lastName ?? ''} onInput={(lastName) => setIdentity({ lastName })} maxLength={256} />
          <TextField label="E-mail" type="email" value={c.identity?.email ?? ''} onInput={(email) => setIdentity({ email })} maxLength={320} />
          <TextField label="Phone" value={c.identity?.phone ?? ''} onInput={(phone) => setIdentity({ phone })} maxLength={64} />
          <TextArea label="Address" value={c.identity?.address ?? ''} onInput={(address) => setIdentity({ address })} maxLength={1024} rows={3} />
          <TextField label="Company" value={c.identity?.company ?? ''} onInput={(company) => setIdentity({ company })} maxLength={256} />
          <TextField label="User name" value={c.identity?.username ?? ''} onInput={(username) => setIdentity({ username })} maxLength={512} />
        </fieldset>
      ) : null}

      <TextArea label="Notes" value={c.notes ?? ''} onInput={(notes) => set({ notes })} maxLength={10_000} rows={5} />

      <fieldset>
        <legend>Custom fields</legend>
        {c.fields.length === 0 ? <p class="hint">None yet.</p> : null}
        {c.fields.map((f, i) => (
          <div class="custom-field" key={`field-${i}`}>
            <TextField label={`Field ${i + 1} name`} value={f.name} onInput={(name) => setField(i, { name })} maxLength={128} />
            {f.hidden ? (
              <PasswordField label={`Field ${i + 1} value`} value={f.value} onInput={(value) => setField(i, { value })} autoComplete="off" maxLength={4096} />
            ) : (
              <TextField label={`Field ${i + 1} value`} value={f.value} onInput={(value) => setField(i, { value })} maxLength={4096} />
            )}
            <Checkbox label={`Hide field ${i + 1} (a secret)`} checked={f.hidden} onChange={(hidden) => setField(i, { hidden })} />
            <button type="button" class="secondary" onClick={() => set({ fields: c.fields.filter((_, j) => j !== i) })}>
              Remove field {i + 1}
            </button>
          </div>
        ))}
        {c.fields.length < 50 ? (
          <button type="button" class="secondary" onClick={() => set({ fields: [...c.fields, { name: '', value: '', hidden: false }] })}>
            Add field
          </button>
        ) : null}
      </fieldset>

      <ErrorMessage message={action.error} />
      <div class="button-row">
        <SubmitButton busy={action.busy} busyText="Encrypting and saving…">
          Save
        </SubmitButton>
        <a class="button secondary" href={item ? href('vault', item.id) : '#/vault'}>
          Cancel
        </a>
      </div>

      {conflict ? (
        <Dialog title="This item was changed elsewhere" onCancel={() => resolve('edit')}>
          {conflict.theirs ? (
            <>
              <p>
                Someone changed “{conflict.theirs.content.name}” in another tab or on another device after you started editing (you edited revision {baseRevision}; it is now
                at revision {conflict.theirs.revision}){conflict.theirs.deletedAt !== null ? ', and it is in the trash now' : ''}. Nothing was overwritten.
              </p>
              <Differences mine={conflict.mine} theirs={conflict.theirs.content} />
            </>
          ) : (
            <p>This item was deleted for good elsewhere after you started editing. Nothing was saved.</p>
          )}
          <ErrorMessage message={action.error} />
          <div class="button-row vertical">
            {conflict.theirs ? (
              <button type="button" class="danger" disabled={action.busy} onClick={() => resolve('mine')}>
                Save my version over theirs
              </button>
            ) : null}
            <button type="button" class="secondary" disabled={action.busy} onClick={() => resolve('copy')}>
              Save my version as a new item
            </button>
            <button type="button" class="secondary" onClick={() => resolve('theirs')}>
              {conflict.theirs ? 'Discard my changes and show theirs' : 'Discard my changes'}
            </button>
            <button type="button" class="secondary" onClick={() => resolve('edit')}>
              Keep editing
            </button>
          </div>
        </Dialog>
      ) : null}
    </form>
  );
}
