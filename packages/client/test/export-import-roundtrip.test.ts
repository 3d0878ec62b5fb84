/**
 * Every export reads back through the importers: Watchword JSON and Watchword CSV give back the vault exactly (trash
 * state included), and a Bitwarden JSON export — the way to leave for Bitwarden or Vaultwarden — reads back through the
 * Bitwarden importer with every value it can carry (Bitwarden's exports have no trash: trashed items are left out).
 */
import { describe, expect, it } from 'vitest';
import type { ItemContent } from '@watchword/protocol';
import { serializeWatchwordExport, toBitwardenExport, toCsvExport, toWatchwordExport } from '../src/export/index.ts';
import { parseImportFile } from '../src/import/index.ts';
import type { VaultItem } from '../src/vault.ts';

let n = 0;
const item = (content: ItemContent, deletedAt: number | null = null): VaultItem => {
  n++;
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, vaultId: 'v', revision: 1, deletedAt, createdAt: 1_700_000_000_000 + n, updatedAt: 1_700_000_100_000 + n, content };
};

const vault: VaultItem[] = [
  item({
    type: 'login',
    name: 'GitHub',
    folder: 'Work/Dev',
    favorite: true,
    notes: 'line one\nline "two", with a comma',
    fields: [
      { name: 'recovery email', value: 'me@example.com', hidden: false },
      { name: 'pin', value: '=1+2', hidden: true },
    ],
    login: { username: 'octo', password: '-starts with a dash', urls: ['https://github.com', 'https://gist.github.com'], totp: 'otpauth://totp/GitHub:octo?secret=JBSWY3DPEHPK3PXP&issuer=GitHub' },
  }),
  item({ type: 'note', name: 'Wi-Fi', folder: 'Home', fields: [], notes: 'tab\tand\r\nCRLF ünïcödé ✓' }),
  item({ type: 'card', name: 'Visa', fields: [], card: { cardholder: 'Jane Doe', brand: 'Visa', number: '4111111111111111', expMonth: '09', expYear: '2030', code: '123' } }),
  item({
    type: 'identity',
    name: 'Me',
    fields: [],
    identity: { title: 'Dr', firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com', phone: '+44 20 7946 0000', company: 'ACME', username: 'jdoe' },
  }),
  item({ type: 'login', name: 'Old forum', fields: [], login: { username: 'x', password: 'y' } }, 1_700_000_200_000),
];

const bytes = (text: string) => new TextEncoder().encode(text);
const live = vault.filter((i) => i.deletedAt === null);

describe('exports read back through the importers', () => {
  it('Watchword JSON: every item, exactly, with its trash state', async () => {
    const parsed = await parseImportFile({ bytes: bytes(serializeWatchwordExport(toWatchwordExport(vault))) });
    expect(parsed.format).toBe('watchword-json');
    expect(parsed.items.map((i) => ({ content: i.content, trashed: i.trashed }))).toEqual(vault.map((i) => ({ content: i.content, trashed: i.deletedAt !== null })));
  });

  it('Watchword CSV: every item, exactly, with its trash state', async () => {
    const parsed = await parseImportFile({ bytes: bytes(toCsvExport(vault)) });
    expect(parsed.items.map((i) => ({ content: i.content, trashed: i.trashed }))).toEqual(vault.map((i) => ({ content: i.content, trashed: i.deletedAt !== null })));
  });

  it('Bitwarden JSON: read by the Bitwarden importer with every name, secret, URL, field, folder and favourite', async () => {
    const { data, skippedTrashed } = toBitwardenExport(vault);
    expect(skippedTrashed).toBe(1);
    const parsed = await parseImportFile({ bytes: bytes(JSON.stringify(data)) });
    expect(parsed.format).toBe('bitwarden-json');
    expect(parsed.items.map((i) => i.content.name)).toEqual(live.map((i) => i.content.name));
    for (const [index, original] of live.entries()) {
      const back = parsed.items[index]?.content;
      const c = original.content;
      expect(back?.type, c.name).toBe(c.type);
      expect(back?.folder ?? undefined, c.name).toBe(c.folder);
      expect(Boolean(back?.favorite), c.name).toBe(Boolean(c.favorite));
      expect(back?.notes ?? undefined, c.name).toBe(c.notes);
      if (c.login) expect(back?.login).toMatchObject(c.login);
      if (c.card) expect(back?.card).toMatchObject(c.card);
      if (c.identity) expect(back?.identity).toMatchObject(c.identity);
      for (const field of c.fields) expect(back?.fields, c.name).toContainEqual(expect.objectContaining({ name: field.name, value: field.value, hidden: field.hidden }));
    }
  });
});
