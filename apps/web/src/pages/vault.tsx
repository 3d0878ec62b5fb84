import type { VaultItem } from '@watchword/client';
import type { ItemType } from '@watchword/protocol';
import { memo } from 'preact/compat';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { PageTitle } from '../components/feedback.tsx';
import { PendingMark } from '../components/offline-status.tsx';
import { Checkbox, Select } from '../components/fields.tsx';
import { VirtualList, focusList } from '../components/virtual-list.tsx';
import type { ItemsView } from '../lib/item-store.ts';
import { DEFAULT_FILTERS, type Filters, ITEM_TYPES, NO_FOLDER, TYPE_LABELS, filterEntries, folders, subtitle } from '../lib/items.ts';
import { href, navigate } from '../lib/router.ts';
import { currentVault, items, itemsError, refreshItems } from '../lib/session.ts';
import { createStore, useStore } from '../lib/store.ts';
import { ItemEditor } from './item-editor.tsx';
import { ItemView } from './item-view.tsx';

/** Filters outlive a visit to another page (and are forgotten with the page). */
const filterStore = createStore<Filters>(DEFAULT_FILTERS);

/**
 * The vault: the list with instant search and filters, and the selected item (view or editor) beside it — or,
 * on a narrow screen, instead of it. Routes: #/vault, #/vault/<id>, #/vault/<id>/edit, #/vault/new/<type>.
 */
export function VaultPage({ itemId, mode }: { itemId: string | undefined; mode: string | undefined }) {
  const all = useStore(items);
  const filters = useStore(filterStore);

  // Changes made on other devices or tabs (or shared by others): sync when the page opens again (the first load is
  // the login's), when it regains focus, and every minute while it is open.
  useEffect(() => {
    const sync = () => void refreshItems().catch(() => undefined);
    if (items.get() !== null) sync();
    addEventListener('focus', sync);
    const timer = setInterval(sync, 60_000);
    return () => {
      removeEventListener('focus', sync);
      clearInterval(timer);
    };
  }, []);

  const selected = itemId && itemId !== 'new' ? all?.byId.get(itemId)?.item : undefined;
  const detail =
    itemId === 'new' ? (
      <ItemEditor key={`new-${mode}`} type={ITEM_TYPES.includes(mode as ItemType) ? (mode as ItemType) : 'login'} />
    ) : selected && mode === 'edit' ? (
      <ItemEditor key={`edit-${selected.id}`} item={selected} />
    ) : selected ? (
      <ItemView key={selected.id} item={selected} />
    ) : itemId && all ? (
      <p class="empty">That item does not exist (any more). <a href="#/vault">Back to the list</a></p>
    ) : null;

  return (
    <div class={detail ? 'vault has-detail' : 'vault'}>
      <section class="vault-list" aria-labelledby="vault-title">
        <VaultList all={all} filters={filters} selectedId={selected?.id} detailOpen={detail !== null} />
      </section>
      {detail ? <section class="vault-detail" aria-label="Item">{detail}</section> : null}
    </div>
  );
}

/** Each row's height in CSS pixels (styles.css gives `.item-list li` the same through the list's inline style). */
const ROW_HEIGHT = 56;

function VaultList({ all, filters, selectedId, detailOpen }: { all: ItemsView | null; filters: Filters; selectedId: string | undefined; detailOpen: boolean }) {
  const shown = useMemo(() => (all ? filterEntries(all.order, filters) : []), [all, filters]);
  const loadError = useStore(itemsError);
  const folderNames = useMemo(() => (all ? folders(all.order) : []), [all]);
  const list = useRef<HTMLDivElement>(null);
  const rowKey = useCallback((i: number) => shown[i]?.item.id ?? String(i), [shown]);
  const renderRow = useCallback(
    (i: number, tabIndex: 0 | -1) => {
      const item = shown[i]?.item;
      return item ? <ItemRow item={item} selected={item.id === selectedId} tabIndex={tabIndex} /> : null;
    },
    [shown, selectedId],
  );
  const [newType, setNewType] = useState<ItemType>('login');
  const search = useRef<HTMLInputElement>(null);
  const set = (change: Partial<Filters>) => filterStore.set({ ...filters, ...change });

  // "/" jumps to the search box (unless typing somewhere already).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      e.preventDefault();
      search.current?.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  return (
    <>
      <div class="list-head">
        {detailOpen ? (
          // The item (or editor) beside the list carries the page's h1.
          <h2 id="vault-title">{filters.trash ? 'Trash' : 'Vault'}</h2>
        ) : (
          <PageTitle title={filters.trash ? 'Trash' : 'Vault'}>
            <span id="vault-title">{filters.trash ? 'Trash' : 'Vault'}</span>
          </PageTitle>
        )}
        <form
          class="new-item"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(`/vault/new/${newType}`);
          }}
        >
          <Select<ItemType> label="New item type" value={newType} options={ITEM_TYPES.map((t) => [t, TYPE_LABELS[t]] as const)} onChange={setNewType} />
          <button type="submit" class="primary">
            New item
          </button>
        </form>
      </div>
      <div class="filters" role="search">
        <div class="field search">
          <label for="vault-search">Search</label>
          <input
            ref={search}
            id="vault-search"
            type="search"
            value={filters.search}
            onInput={(e) => set({ search: e.currentTarget.value })}
            placeholder="Name, user name, web address…"
            autoComplete="off"
            spellcheck={false}
            aria-describedby="vault-count"
            aria-keyshortcuts="/"
            onKeyDown={(e) => {
              if (e.key !== 'ArrowDown') return;
              e.preventDefault();
              focusList(list.current);
            }}
          />
        </div>
        <Select label="Type" value={filters.type} options={[['all', 'All types'], ...ITEM_TYPES.map((t) => [t, TYPE_LABELS[t]] as const)]} onChange={(type) => set({ type })} />
        <Select
          label="Folder"
          value={filters.folder}
          options={[['', 'All folders'], [NO_FOLDER, 'No folder'], ...folderNames.map((f) => [f, f] as const)]}
          onChange={(folder) => set({ folder })}
        />
        <VaultFilter value={filters.vault} onChange={(vault) => set({ vault })} />
        <Checkbox label="Favourites only" checked={filters.favorites} onChange={(favorites) => set({ favorites })} />
        <Checkbox label="Show trash" checked={filters.trash} onChange={(trash) => set({ trash })} />
      </div>
      {loadError ? (
        <div class="error" role="alert">
          <p>The vault could not be loaded: {loadError}</p>
          <button type="button" class="secondary" onClick={() => void refreshItems().catch(() => undefined)}>
            Try again
          </button>
        </div>
      ) : null}
      <p id="vault-count" class="count" aria-live="polite">
        {all === null
          ? loadError
            ? 'Not loaded'
            : 'Decrypting…'
          : `${shown.length.toLocaleString('en')} ${shown.length === 1 ? 'item' : 'items'}${filters.trash ? ' in the trash' : ''}${all.complete ? '' : ' so far (decrypting…)'}`}
      </p>
      {all?.complete && shown.length === 0 ? (
        <p class="empty">{all.order.length === 0 ? 'Your vault is empty. Add your first item with “New item”.' : 'Nothing matches.'}</p>
      ) : null}
      <div ref={list}>
        {shown.length > 0 ? (
          <VirtualList class="item-list" resetKey={JSON.stringify(filters)} count={shown.length} rowHeight={ROW_HEIGHT} label={filters.trash ? 'Items in the trash' : 'Items'} rowKey={rowKey} renderRow={renderRow} />
        ) : null}
      </div>
    </>
  );
}

/** One row; memoized, so that a delta re-renders only the rows whose item (or selection) changed. */
const ItemRow = memo(function ItemRow({ item, selected, tabIndex }: { item: VaultItem; selected: boolean; tabIndex: 0 | -1 }) {
  return (
    <a href={href('vault', item.id)} aria-current={selected ? 'true' : undefined} tabIndex={tabIndex}>
      <span class="item-name">
        {item.content.name}
        {item.content.favorite ? (
          <span class="favourite" title="Favourite">
            {' '}★<span class="visually-hidden"> (favourite)</span>
          </span>
        ) : null}
      </span>
      <span class="item-sub">
        <VaultLabel vaultId={item.vaultId} />
        {subtitle(item.content)}
        <PendingMark id={item.id} />
      </span>
      <span class="item-type">{TYPE_LABELS[item.content.type]}</span>
    </a>
  );
});

/** Shared items carry their vault's name in the list (personal ones nothing): "Household · ada@example.com". */
function VaultLabel({ vaultId }: { vaultId: string }) {
  const vault = currentVault();
  if (vaultId === vault.personalVaultId) return null;
  return (
    <>
      <span class="vault-label">
        <span class="visually-hidden">Vault: </span>
        {vault.vaultName(vaultId)}
      </span>
      {' · '}
    </>
  );
}

/** The vault filter, shown once this member reaches a shared vault. */
function VaultFilter({ value, onChange }: { value: string; onChange(vault: string): void }) {
  const vault = currentVault();
  const shared = vault.sharedVaults();
  if (shared.length === 0 && value === '') return null;
  return (
    <Select
      label="Vault"
      value={value}
      options={[['', 'All vaults'], [vault.personalVaultId, 'Personal'], ...shared.map((v) => [v.id, vault.vaultName(v.id)] as const)]}
      onChange={onChange}
    />
  );
}
