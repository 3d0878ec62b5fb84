import { describe, expect, it } from 'vitest';
import type { ItemContent } from '@watchword/protocol';
import { planImport } from '../src/import/commit.ts';
import { duplicateKey, mergeItems } from '../src/import/merge.ts';
import type { ImportedItem } from '../src/import/types.ts';
import type { VaultItem } from '../src/vault.ts';

const login = (name: string, username: string, url: string, extra: Partial<ItemContent> = {}): ItemContent => ({ type: 'login', name, fields: [], login: { username, urls: [url] }, ...extra });
const stored = (id: string, content: ItemContent, deletedAt: number | null = null): VaultItem => ({ id, vaultId: 'v', revision: 1, deletedAt, createdAt: 0, updatedAt: 0, content });
const incoming = (content: ItemContent, extra: Partial<ImportedItem> = {}): ImportedItem => ({ content, trashed: false, leftOut: [], source: 'line 2', ...extra });

describe('import preview', () => {
  it('a duplicate has the same name (any case), user name and host; the trash does not count', () => {
    expect(duplicateKey(login('GitHub', 'ada', 'https://github.com/login'))).toBe(duplicateKey(login('github', 'ada', 'github.com')));
    expect(duplicateKey(login('github', 'ada', 'https://github.com'))).not.toBe(duplicateKey(login('github', 'bob', 'https://github.com')));
    expect(duplicateKey(login('github', 'ada', 'https://github.com'))).not.toBe(duplicateKey(login('github', 'ada', 'https://gitlab.com')));
    const vault = [stored('a', login('GitHub', 'ada', 'https://github.com')), stored('b', login('Shop', 'ada', 'https://shop.example'), 5)];
    const plan = planImport(
      {
        format: 'chrome-csv',
        items: [
          incoming(login('github', 'ada', 'https://github.com/x')),
          incoming(login('Shop', 'ada', 'https://shop.example')),
          incoming({ type: 'note', name: 'n', fields: [], folder: 'A/B', folderPath: ['A', 'B'] }, { leftOut: ['an attachment'], source: 'line 4' }),
        ],
      },
      vault,
    );
    expect([...plan.duplicates].map(([i, v]) => [i, v.id])).toEqual([[0, 'a']]);
    expect(plan.summary).toEqual({
      format: 'chrome-csv',
      total: 3,
      byType: { login: 2, note: 1, card: 0, identity: 0 },
      byFolder: [{ folder: '', count: 2 }, { folder: 'A/B', count: 1 }],
      trashed: 0,
      archived: 0,
      leftOut: [{ source: 'line 4', name: 'n', what: ['an attachment'] }],
      duplicates: [{ source: 'line 2', name: 'github', existingId: 'a' }],
    });
  });

  it('a merge keeps every value: the imported ones win, the replaced ones stay as fields, lists are united', () => {
    const existing: ItemContent = {
      type: 'login', name: 'Bank', notes: 'old notes', folder: 'Money', tags: ['a'],
      fields: [{ name: 'PIN', value: '1', hidden: true }],
      login: { username: 'ada', password: 'old', urls: ['https://bank.example'], totp: 'T1' },
    };
    const imported: ItemContent = {
      type: 'login', name: 'bank', notes: 'new notes', favorite: true, folder: 'Finance', tags: ['a', 'b'],
      fields: [{ name: 'PIN', value: '1', hidden: true }, { name: 'Q', value: 'A', hidden: false }],
      login: { username: 'ada', password: 'new', urls: ['https://bank.example/login'] },
    };
    expect(mergeItems(existing, imported)).toEqual({
      type: 'login', name: 'Bank', notes: 'old notes\n\nnew notes', favorite: true, folder: 'Money', tags: ['a', 'b'],
      fields: [{ name: 'PIN', value: '1', hidden: true }, { name: 'Q', value: 'A', hidden: false }, { name: 'password (before import)', value: 'old', hidden: true }],
      login: { username: 'ada', password: 'new', urls: ['https://bank.example', 'https://bank.example/login'], totp: 'T1' },
    });
  });
});
