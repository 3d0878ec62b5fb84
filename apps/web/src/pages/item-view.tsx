import type { VaultItem } from '@watchword/client';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { CopyButton } from '../components/copy-button.tsx';
import { Dialog } from '../components/dialog.tsx';
import { ErrorMessage, PageTitle } from '../components/feedback.tsx';
import { Select } from '../components/fields.tsx';
import { SecretValue } from '../components/secret-value.tsx';
import { PendingMark } from '../components/offline-status.tsx';
import { TotpCode } from '../components/totp-code.tsx';
import { useAction } from '../lib/action.ts';
import { announce } from '../lib/announce.ts';
import { formatTime } from '../lib/format.ts';
import { TYPE_LABELS } from '../lib/items.ts';
import { href, navigate } from '../lib/router.ts';
import { safeHttpUrl } from '@watchword/ui';
import { trashItem } from '../lib/offline/edits.ts';
import { currentVault, refreshItems } from '../lib/session.ts';

/**
 * One item, decrypted. Every value is rendered as text (never as HTML); a URL becomes a link only when it is http(s)
 * (@watchword/ui, safe-url.ts), and opens in a new tab without an opener or a Referer.
 */
export function ItemView({ item }: { item: VaultItem }) {
  const c = item.content;
  const inTrash = item.deletedAt !== null;
  const [confirmPurge, setConfirmPurge] = useState(false);
  const [moving, setMoving] = useState(false);
  const action = useAction();
  const vault = currentVault();
  const shared = item.vaultId === vault.personalVaultId ? null : vault.sharedVaults().find((v) => v.id === item.vaultId);

  const trash = () =>
    void action.run(async () => {
      const result = await trashItem(currentVault(), item.id, item.revision);
      await refreshItems();
      announce(result.queued ? `“${c.name}” moved to the trash on this device: waiting to sync.` : `“${c.name}” moved to the trash.`);
      navigate('/vault');
    });
  const restore = () =>
    void action.run(async () => {
      await currentVault().restore(item.id);
      await refreshItems();
      announce(`“${c.name}” restored.`);
    });
  const purge = () =>
    void action.run(async () => {
      await currentVault().purge(item.id);
      setConfirmPurge(false);
      await refreshItems();
      announce(`“${c.name}” deleted for good.`);
      navigate('/vault');
    });

  return (
    <article class="item-view">
      <div class="detail-head">
        <a class="back" href="#/vault">
          ← All items
        </a>
        <PageTitle title={inTrash ? 'Item in the trash' : 'Item'}>{c.name}</PageTitle>
        <p class="meta">
          {TYPE_LABELS[c.type]}
          {item.vaultId === vault.personalVaultId ? '' : ` · vault ${vault.vaultName(item.vaultId)}${shared?.access === 'read' ? ' (read only)' : ''}`}
          {c.folder ? ` · folder ${c.folder}` : ''}
          {c.favorite ? ' · ★ favourite' : ''}
          {c.archived ? ' · archived' : ''}
          <PendingMark id={item.id} />
          {c.tags && c.tags.length > 0 ? ` · tags ${c.tags.join(', ')}` : ''}
          {inTrash ? ` · in the trash since ${formatTime(item.deletedAt)}` : ''}
        </p>
      </div>
      <dl class="details">
        {c.type === 'login' && c.login ? (
          <>
            {c.login.username ? (
              <Row label="User name">
                <span class="value-row">
                  <span class="value">{c.login.username}</span>
                  <span class="actions">
                    <CopyButton value={c.login.username} what="user name" secret={false} />
                  </span>
                </span>
              </Row>
            ) : null}
            {c.login.password ? (
              <Row label="Password">
                <SecretValue value={c.login.password} what="password" />
              </Row>
            ) : null}
            {(c.login.urls ?? []).map((url, i) => (
              <Row key={`url-${i}`} label={i === 0 ? 'Web address' : `Web address ${i + 1}`}>
                <UrlValue url={url} />
              </Row>
            ))}
            {c.login.totp ? (
              <Row label="One-time code">
                <TotpCode secret={c.login.totp} />
              </Row>
            ) : null}
          </>
        ) : null}
        {c.type === 'card' && c.card ? (
          <>
            {c.card.cardholder ? <TextRow label="Cardholder" value={c.card.cardholder} /> : null}
            {c.card.brand ? <TextRow label="Brand" value={c.card.brand} /> : null}
            {c.card.number ? (
              <Row label="Number">
                <SecretValue value={c.card.number} what="card number" />
              </Row>
            ) : null}
            {c.card.expMonth || c.card.expYear ? <TextRow label="Expires" value={`${c.card.expMonth ?? '??'}/${c.card.expYear ?? '????'}`} /> : null}
            {c.card.code ? (
              <Row label="Security code">
                <SecretValue value={c.card.code} what="security code" />
              </Row>
            ) : null}
          </>
        ) : null}
        {c.type === 'identity' && c.identity ? (
          <>
            {([
              ['Title', c.identity.title],
              ['First name', c.identity.firstName],
              ['Middle name', c.identity.middleName],
              ['Last name', c.identity.lastName],
              ['E-mail', c.identity.email],
              ['Phone', c.identity.phone],
              ['Address', c.identity.address],
              ['City', c.identity.city],
              ['State / province', c.identity.state],
              ['Postal code', c.identity.postalCode],
              ['Country', c.identity.country],
              ['Company', c.identity.company],
              ['User name', c.identity.username],
              ['Social security number', c.identity.ssn],
              ['Passport number', c.identity.passportNumber],
              ['Licence number', c.identity.licenseNumber],
            ] as const).map(([label, value]) => (value ? <TextRow key={label} label={label} value={value} copy /> : null))}
          </>
        ) : null}
        {c.fields.map((f, i) =>
          f.hidden ? (
            <Row key={`f-${i}`} label={f.name}>
              <SecretValue value={f.value} what={f.name} />
            </Row>
          ) : (
            <TextRow key={`f-${i}`} label={f.name} value={f.kind === 'boolean' ? (f.value === 'true' ? 'Yes' : 'No') : f.value} copy={f.kind !== 'boolean'} />
          ),
        )}
        {c.notes ? (
          <Row label="Notes">
            <p class="notes">{c.notes}</p>
          </Row>
        ) : null}
        <TextRow label="Last changed" value={`${formatTime(item.updatedAt)} (revision ${item.revision})`} />
      </dl>
      <ErrorMessage message={action.error} />
      <div class="button-row">
        {inTrash ? (
          <>
            <button type="button" class="primary" disabled={action.busy} onClick={restore}>
              Restore
            </button>
            <button type="button" class="danger" disabled={action.busy} onClick={() => setConfirmPurge(true)}>
              Delete permanently
            </button>
          </>
        ) : (
          <>
            <a class="button primary" href={href('vault', item.id, 'edit')}>
              Edit
            </a>
            {shared?.access === 'read' ? null : (
              <button type="button" class="secondary" disabled={action.busy} onClick={() => setMoving(true)}>
                Move to vault…
              </button>
            )}
            <button type="button" class="danger" disabled={action.busy} onClick={trash}>
              Move to trash
            </button>
          </>
        )}
      </div>
      {confirmPurge ? (
        <Dialog title="Delete permanently?" onCancel={() => setConfirmPurge(false)}>
          <p>“{c.name}” will be deleted for good. This cannot be undone.</p>
          <div class="button-row">
            <button type="button" class="danger" disabled={action.busy} onClick={purge}>
              Delete permanently
            </button>
            <button type="button" class="secondary" onClick={() => setConfirmPurge(false)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
      {moving ? <MoveDialog item={item} onClose={() => setMoving(false)} /> : null}
    </article>
  );
}

/**
 * "Move to vault…": re-encrypted here under the target vault's key with a new id (Vault.move, docs/crypto.md
 * "Shared vaults"); only vaults this member may write to are offered. Online only (the SDK refuses offline).
 */
function MoveDialog({ item, onClose }: { item: VaultItem; onClose(): void }) {
  const vault = currentVault();
  const targets: (readonly [string, string])[] = [
    ...(item.vaultId === vault.personalVaultId ? [] : [[vault.personalVaultId, 'Personal'] as const]),
    ...vault
      .sharedVaults()
      .filter((v) => v.id !== item.vaultId && v.access !== 'read')
      .map((v) => [v.id, vault.vaultName(v.id)] as const),
  ];
  const [target, setTarget] = useState(targets[0]?.[0] ?? '');
  const action = useAction();
  const move = () =>
    void action.run(async () => {
      const moved = await vault.move(item.id, target);
      // The sync reports the new item and the old id gone (purged by the move), like any other change.
      await refreshItems();
      announce(`“${item.content.name}” moved to ${vault.vaultName(target)}.`);
      onClose();
      navigate(`/vault/${encodeURIComponent(moved.id)}`);
    });
  return (
    <Dialog title="Move to another vault" onCancel={onClose}>
      {targets.length === 0 ? (
        <p>There is no other vault you can write to.</p>
      ) : (
        <>
          <p>The item is encrypted again under the chosen vault's key: every member of that vault can read it, and members of this one no longer can.</p>
          <Select label="Move to" value={target} options={targets} onChange={setTarget} />
        </>
      )}
      <ErrorMessage message={action.error} />
      <div class="button-row">
        {targets.length > 0 ? (
          <button type="button" class="primary" disabled={action.busy} onClick={move}>
            {action.busy ? 'Moving…' : 'Move'}
          </button>
        ) : null}
        <button type="button" class="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function Row({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function TextRow({ label, value, copy = false }: { label: string; value: string; copy?: boolean }) {
  return (
    <Row label={label}>
      <span class="value-row">
        <span class="value">{value}</span>
        {copy ? (
          <span class="actions">
            <CopyButton value={value} what={label.toLowerCase()} secret={false} />
          </span>
        ) : null}
      </span>
    </Row>
  );
}

function UrlValue({ url }: { url: string }) {
  const safe = safeHttpUrl(url);
  return (
    <span class="value-row">
      <span class="value">
        {safe ? (
          <a href={safe} target="_blank" rel="noopener noreferrer">
            {url}
            <span class="visually-hidden"> (opens in a new tab)</span>
          </a>
        ) : (
          <>
            {url} <span class="hint">(not an http(s) address, so not a link)</span>
          </>
        )}
      </span>
      <span class="actions">
        <CopyButton value={url} what="web address" secret={false} />
      </span>
    </span>
  );
}
