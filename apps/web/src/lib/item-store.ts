import type { SyncDelta, VaultItem } from '@watchword/client';
import { searchText } from './search-text.ts';
import { createStore } from './store.ts';

/** An item with its lowercase search text (search-text.ts), built once per revision. */
export interface ItemEntry {
  readonly item: VaultItem;
  readonly text: string;
}

/**
 * What the list shows: every decrypted item (trash included) sorted by name, and by id. Each delta makes a new
 * view, but an item that did not change keeps its entry object (and its VaultItem): memoized rows compare them by
 * identity, so a sync that changes one item re-renders one row.
 */
export interface ItemsView {
  /** Sorted by name (Intl.Collator), then id. */
  readonly order: readonly ItemEntry[];
  /** Every entry by id. One map, updated in place by each delta (copying 50,000 entries per batch would cost more
   * than the batch): read it through the latest view. */
  readonly byId: ReadonlyMap<string, ItemEntry>;
  /** False while the first sync is still decrypting (the list grows batch by batch). */
  readonly complete: boolean;
}

/** The decrypted items of the unlocked vault; null while locked or before the first batch. */
export const itemsView = createStore<ItemsView | null>(null);

const collator = new Intl.Collator();
const compare = (a: ItemEntry, b: ItemEntry): number => collator.compare(a.item.content.name, b.item.content.name) || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0);

/**
 * Applies one delta: replaced and new items are sorted among themselves and merged into the order (O(n + k log k)),
 * removed ones dropped. `texts` holds search texts made by the decrypt worker (taken out as used); an item without
 * one gets it made here.
 */
export function applyDelta(delta: SyncDelta, texts?: Map<string, string>): void {
  const view = itemsView.get();
  const byId = (view?.byId as Map<string, ItemEntry> | undefined) ?? new Map<string, ItemEntry>();
  const dropped = new Set<string>(delta.removed);
  const added: ItemEntry[] = [];
  for (const item of delta.changed) {
    const text = texts?.get(item.id) ?? searchText(item.content);
    texts?.delete(item.id);
    if (byId.has(item.id)) dropped.add(item.id);
    const entry = { item, text };
    byId.set(item.id, entry);
    added.push(entry);
  }
  for (const id of delta.removed) byId.delete(id);
  const kept = dropped.size === 0 ? (view?.order ?? []) : (view?.order ?? []).filter((e) => !dropped.has(e.item.id));
  itemsView.set({ order: merge(kept, added.sort(compare)), byId, complete: view?.complete ?? false });
}

/** Marks the first sync done (the count stops saying "decrypting"); an empty vault gets its (empty) view here. */
export function markComplete(): void {
  const view = itemsView.get();
  if (view?.complete) return;
  itemsView.set({ order: view?.order ?? [], byId: view?.byId ?? new Map(), complete: true });
}

export function clearItems(): void {
  itemsView.set(null);
}

function merge(a: readonly ItemEntry[], b: readonly ItemEntry[]): ItemEntry[] {
  if (b.length === 0) return a.slice();
  const out: ItemEntry[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
