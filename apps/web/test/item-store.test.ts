/**
 * The web vault's item store (apps/web/src/lib/item-store.ts): deltas keep the order sorted and leave every item
 * they do not touch the same object — what lets a memoized row skip re-rendering (the Chromium suite
 * large-vault.e2e.test.ts counts the DOM mutations).
 */
import type { VaultItem } from '@watchword/client';
import { afterEach, describe, expect, it } from 'vitest';
import { applyDelta, clearItems, itemsView, markComplete } from '../src/lib/item-store.ts';
import { filterEntries, DEFAULT_FILTERS } from '../src/lib/items.ts';

const item = (id: string, name: string, extra: Partial<VaultItem> = {}): VaultItem => ({
  id,
  vaultId: 'v',
  revision: 1,
  deletedAt: null,
  createdAt: 0,
  updatedAt: 0,
  content: { type: 'login', name, fields: [], login: { username: `${name.toLowerCase()}-user`, password: 'secret-pw' } },
  ...extra,
});
const names = () => itemsView.get()?.order.map((e) => e.item.content.name);

describe('item store', () => {
  afterEach(() => clearItems());

  it('keeps batches sorted by name (then id) as they arrive, and says when the first sync is complete', () => {
    applyDelta({ changed: [item('3', 'Mail'), item('1', 'bank')], removed: [] });
    expect(itemsView.get()?.complete).toBe(false);
    applyDelta({ changed: [item('2', 'Zoo'), item('0', 'Mail'), item('4', 'apple')], removed: [] });
    expect(names()).toEqual(['apple', 'bank', 'Mail', 'Mail', 'Zoo']);
    expect(itemsView.get()?.order.filter((e) => e.item.content.name === 'Mail').map((e) => e.item.id)).toEqual(['0', '3']);
    markComplete();
    expect(itemsView.get()?.complete).toBe(true);
  });

  it('an empty vault gets an empty, complete view', () => {
    expect(itemsView.get()).toBeNull();
    markComplete();
    expect(itemsView.get()).toMatchObject({ order: [], complete: true });
  });

  it('a one-item delta replaces that entry only: every other entry is the same object', () => {
    applyDelta({ changed: Array.from({ length: 50 }, (_, i) => item(String(i), `Item ${String(i).padStart(2, '0')}`)), removed: [] });
    const before = itemsView.get()!;
    applyDelta({ changed: [item('7', 'Item 07', { revision: 2 })], removed: [] });
    const after = itemsView.get()!;
    expect(after).not.toBe(before);
    expect(after.order).toHaveLength(50);
    after.order.forEach((entry, i) => {
      if (entry.item.id === '7') expect(entry).not.toBe(before.order[i]);
      else expect(entry).toBe(before.order[i]);
    });
    expect(after.byId.get('7')?.item.revision).toBe(2);
    expect(before.order.find((e) => e.item.id === '7')?.item.revision).toBe(1);
  });

  it('a renamed item moves to its place; a removed one is gone', () => {
    applyDelta({ changed: [item('a', 'Alpha'), item('b', 'Bravo'), item('c', 'Charlie')], removed: [] });
    applyDelta({ changed: [item('a', 'Delta')], removed: ['b'] });
    expect(names()).toEqual(['Charlie', 'Delta']);
    expect(itemsView.get()?.byId.has('b')).toBe(false);
  });

  it('uses the search text the worker made (and takes it out of the map), or makes its own', () => {
    const texts = new Map([['x', 'from the worker']]);
    applyDelta({ changed: [item('x', 'Xylophone'), item('y', 'Yak')], removed: [] }, texts);
    expect(texts.size).toBe(0);
    expect(itemsView.get()?.byId.get('x')?.text).toBe('from the worker');
    expect(itemsView.get()?.byId.get('y')?.text).toBe('yak\nyak-user');
    // The search reads the prebuilt text: the password is never in it.
    expect(filterEntries(itemsView.get()!.order, { ...DEFAULT_FILTERS, search: 'YAK-u' }).map((e) => e.item.id)).toEqual(['y']);
    expect(filterEntries(itemsView.get()!.order, { ...DEFAULT_FILTERS, search: 'secret' })).toEqual([]);
  });
});
