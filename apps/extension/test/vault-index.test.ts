import type { VaultItem } from '@watchword/client';
import { describe, expect, it } from 'vitest';
import { pageKey } from '../src/lib/match.ts';
import { VaultIndex, byName } from '../src/lib/vault-index.ts';

const PERSONAL = 'personal-vault';
const SHARED = 'shared-vault';

function login(id: string, name: string, url: string, vaultId = PERSONAL, deletedAt: number | null = null): VaultItem {
  return { id, vaultId, revision: 1, deletedAt, createdAt: 1, updatedAt: 1, content: { type: 'login', name, fields: [], login: { username: `${name}-user`, password: 'pw', urls: [url] } } };
}

const names = (index: VaultIndex) => index.all.map((e) => e.item.content.name);
const matchNames = (index: VaultIndex, page: string) => index.candidates(pageKey(page)!).map((e) => e.item.content.name);

describe('VaultIndex', () => {
  const labels = new Map<string, string | null>([[PERSONAL, null], [SHARED, 'Household']]);
  const label = (vaultId: string) => labels.get(vaultId) ?? null;

  it('indexes in name order, labels shared items, leaves the trash out', () => {
    const index = new VaultIndex();
    const update = index.update([login('3', 'Cherry', 'https://c.example'), login('1', 'apple', 'https://a.example'), login('2', 'Bank', 'https://bank.example', SHARED), login('4', 'Old', 'https://o.example', PERSONAL, 5)], label);
    expect(update).toEqual({ indexed: 3, removed: 0, total: 3 });
    expect(names(index)).toEqual(['apple', 'Bank', 'Cherry']);
    expect(index.get('2')?.vault).toBe('Household');
    expect(index.get('1')?.vault).toBeNull();
    expect(index.get('2')?.text).toContain('household');
    expect(index.get('4')).toBeUndefined();
  });

  it('re-indexes only the items a sync changed, and keeps the order and the matches right', () => {
    const index = new VaultIndex();
    const items = Array.from({ length: 1000 }, (_, i) => login(`id-${i}`, `Item ${String(i).padStart(4, '0')}`, `https://site${i}.example`));
    index.update(items, label);
    expect(index.update(items, label)).toEqual({ indexed: 0, removed: 0, total: 1000 });

    // One item renamed and moved to another site (a new object, as the SDK gives after a sync).
    const changed = [...items];
    changed[10] = login('id-10', 'Zebra', 'https://zebra.example');
    expect(index.update(changed, label)).toEqual({ indexed: 1, removed: 0, total: 1000 });
    expect(names(index).at(-1)).toBe('Zebra');
    expect(index.all.map((e) => e.item.id)).toEqual([...index.all].sort(byName).map((e) => e.item.id));
    expect(matchNames(index, 'https://zebra.example/login')).toEqual(['Zebra']);
    expect(matchNames(index, 'https://site10.example/')).toEqual([]);

    // One item gone (purged, moved away, or its shared vault no longer reached), one trashed.
    const fewer = changed.filter((i) => i.id !== 'id-20');
    fewer[30] = { ...fewer[30]!, deletedAt: 99 };
    expect(index.update(fewer, label)).toEqual({ indexed: 0, removed: 2, total: 998 });
    expect(index.get('id-20')).toBeUndefined();
    expect(matchNames(index, 'https://site20.example/')).toEqual([]);
    expect(index.all.some((e) => e.item.id === 'id-31')).toBe(false);
  });

  it('re-labels the items of a renamed shared vault', () => {
    const index = new VaultIndex();
    const items = [login('a', 'Bank', 'https://bank.example', SHARED), login('b', 'Mail', 'https://mail.example')];
    index.update(items, label);
    const renamed = (vaultId: string) => (vaultId === SHARED ? 'Family' : null);
    expect(index.update(items, renamed)).toEqual({ indexed: 1, removed: 0, total: 2 });
    expect(index.get('a')?.vault).toBe('Family');
  });

  it('many changes at once give the same order as one sort', () => {
    const index = new VaultIndex();
    const items = Array.from({ length: 600 }, (_, i) => login(`id-${i}`, `n${(i * 7919) % 600}`, `https://s${i}.example`));
    index.update(items.slice(0, 100), label);
    index.update(items, label);
    const expected = [...index.all].sort(byName).map((e) => e.item.id);
    expect(index.all.map((e) => e.item.id)).toEqual(expected);
    expect(index.all).toHaveLength(600);
  });
});
