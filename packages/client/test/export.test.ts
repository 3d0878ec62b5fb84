/**
 * The export formats, without a server (the flow with fresh authentication and the audit event is
 * packages/server/test/http/export.test.ts): Watchword JSON round-trips losslessly, the encrypted export opens only
 * with its password or account key and matches its documented vector, Argon2id matches RFC 9106, the CSV neutralises
 * formula cells, and the Bitwarden export has Bitwarden's shape field by field.
 */
import { argon2Sync, createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { DecryptionError, ItemContentSchema, type ItemContent } from '@watchword/protocol';
import {
  CSV_EXPORT_COLUMNS,
  argon2idKey,
  encryptedExportAad,
  openEncryptedExport,
  parseEncryptedExport,
  parseWatchwordExport,
  sealExport,
  serializeEncryptedExport,
  serializeWatchwordExport,
  toBitwardenExport,
  toCsvExport,
  toWatchwordExport,
  buildExport,
} from '../src/export/index.ts';
import { parseImportFile } from '../src/import/index.ts';
import type { VaultItem } from '../src/vault.ts';

const vector = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'encrypted-export.json'), 'utf8')) as {
  password: string;
  passwordNfkcHex: string;
  saltHex: string;
  nonceHex: string;
  argon2id: { memoryKiB: number; iterations: number; parallelism: number };
  keyHex: string;
  aadHex: string;
  plaintext: string;
  file: string;
};
const CHEAP = { memoryKiB: 64, iterations: 1, parallelism: 1 };

let n = 0;
const item = (content: ItemContent, deletedAt: number | null = null): VaultItem => {
  n++;
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, vaultId: 'v', revision: n, deletedAt, createdAt: 1_700_000_000_000 + n, updatedAt: 1_700_000_100_000 + n, content };
};

/** A vault using every field of every type, nested folders, favourites, trash and awkward text. */
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
  item({ type: 'note', name: 'Wi-Fi', folder: 'Home', fields: [], notes: '@router: tab\tand\r\nCRLF ünïcödé ✓' }),
  item({ type: 'card', name: 'Visa', fields: [], card: { cardholder: 'Jane Doe', brand: 'Visa', number: '4111111111111111', expMonth: '09', expYear: '2030', code: '123' } }),
  item({
    type: 'identity',
    name: 'Me',
    favorite: false,
    fields: [],
    identity: { title: 'Dr', firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com', phone: '+44 20 7946 0000', address: '1 High St\nLondon', company: 'ACME', username: 'jdoe' },
  }),
  item({ type: 'login', name: 'Old forum', fields: [], login: { username: 'x', password: 'y' } }, 1_700_000_200_000),
  item({ type: 'login', name: 'Bare', fields: [] }),
];

describe('Watchword JSON export', () => {
  it('parse(export(vault)) gives back every item exactly: content, id, times, trash state', () => {
    const text = serializeWatchwordExport(toWatchwordExport(vault, new Date('2026-01-02T03:04:05Z')));
    const parsed = parseWatchwordExport(text);
    expect(parsed.format).toBe('watchword');
    expect(parsed.version).toBe(1);
    expect(parsed.exportedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(parsed.items).toEqual(vault.map((i) => ({ id: i.id, createdAt: i.createdAt, updatedAt: i.updatedAt, trashedAt: i.deletedAt, content: i.content })));
    // Folders and the trash come through as they were.
    expect(parsed.items.map((i) => i.content.folder).filter(Boolean)).toEqual(['Work/Dev', 'Home']);
    expect(parsed.items.filter((i) => i.trashedAt !== null).map((i) => i.content.name)).toEqual(['Old forum']);
  });

  it('refuses a file that is not one, naming the item but never its content', () => {
    const good = toWatchwordExport(vault);
    const bad = (mutate: (x: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      mutate(copy);
      return () => parseWatchwordExport(JSON.stringify(copy));
    };
    expect(() => parseWatchwordExport('{not json')).toThrow(/not JSON/);
    expect(bad((x) => (x.format = 'bitwarden'))).toThrow(/format/);
    expect(bad((x) => (x.version = 2))).toThrow(/version 2/);
    expect(bad((x) => ((x.items as { content: { type: string } }[])[1]!.content.type = 'spaceship'))).toThrow(/item 2 is not a valid item \(\/type\)/);
    expect(bad((x) => ((x.items as Record<string, unknown>[])[0]!.extra = 1))).toThrow(/item 1 has an unknown property/);
    expect(bad((x) => ((x.items as Record<string, unknown>[])[0]!.trashedAt = 'yesterday'))).toThrow(/item 1 has an invalid trash time/);
    try {
      bad((x) => ((x.items as { content: { login: { password: number } } }[])[0]!.content.login.password = 5))();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('octo');
    }
  });
});

describe('encrypted export', () => {
  it('Argon2id: the RFC 9106 §5.3 vector (Node’s implementation), and hash-wasm equals it on the export profile and others', async () => {
    // RFC 9106 §5.3: Argon2id, m = 32 KiB, t = 3, p = 4, password 32 × 0x01, salt 16 × 0x02, secret 8 × 0x03, AD 12 × 0x04.
    const rfc = argon2Sync('argon2id', {
      message: Buffer.alloc(32, 1), nonce: Buffer.alloc(16, 2), secret: Buffer.alloc(8, 3), associatedData: Buffer.alloc(12, 4),
      memory: 32, passes: 3, parallelism: 4, tagLength: 32,
    });
    expect(rfc.toString('hex')).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
    // hash-wasm has no associated-data input, so it is checked against that RFC-conformant implementation instead.
    const cases = [
      { message: Buffer.alloc(32, 1), nonce: Buffer.alloc(16, 2), memory: 32, passes: 3, parallelism: 4 },
      { message: Buffer.from('password'), nonce: Buffer.from('somesaltsomesalt'), memory: 256, passes: 2, parallelism: 1 },
      { message: Buffer.from(vector.passwordNfkcHex, 'hex'), nonce: Buffer.from(vector.saltHex, 'hex'), memory: 65_536, passes: 3, parallelism: 4 },
    ];
    for (const c of cases) {
      const expected = argon2Sync('argon2id', { ...c, tagLength: 32 }).toString('hex');
      const actual = Buffer.from(await argon2idKey(c.message, c.nonce, { memoryKiB: c.memory, iterations: c.passes, parallelism: c.parallelism })).toString('hex');
      expect(actual, `m=${c.memory} t=${c.passes} p=${c.parallelism}`).toBe(expected);
    }
  });

  it('the documented vector (docs/crypto.md): key, additional data, ciphertext and plaintext', async () => {
    expect(Buffer.from(vector.password.normalize('NFKC')).toString('hex')).toBe(vector.passwordNfkcHex);
    const key = await argon2idKey(Buffer.from(vector.passwordNfkcHex, 'hex'), Buffer.from(vector.saltHex, 'hex'), vector.argon2id);
    expect(Buffer.from(key).toString('hex')).toBe(vector.keyHex);
    expect(vector.keyHex).toBe('8e28e77aced54fb74de0804509a045e39e5b574ecd20fdd3a970e3b025f78f7f');
    const header = parseEncryptedExport(vector.file);
    const { data: _data, ...rest } = header;
    expect(Buffer.from(encryptedExportAad(rest)).toString('hex')).toBe(vector.aadHex);
    // The envelope is AES-256-GCM over the plaintext with AAD 0x01 ‖ aad: node:crypto gives the very same bytes.
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(vector.keyHex, 'hex'), Buffer.from(vector.nonceHex, 'hex'));
    cipher.setAAD(Buffer.concat([Buffer.of(1), Buffer.from(vector.aadHex, 'hex')]));
    const body = Buffer.concat([cipher.update(vector.plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    expect(header.data).toBe(Buffer.concat([Buffer.of(1), Buffer.from(vector.nonceHex, 'hex'), body]).toString('base64url'));
    expect(await openEncryptedExport(vector.file, { password: vector.password })).toBe(vector.plaintext);
    // NFKC: the ligature and its spelled-out form are the same password.
    expect(await openEncryptedExport(vector.file, { password: vector.password.replace('ﬁ', 'fi') })).toBe(vector.plaintext);
  });

  it('round-trips with a password (the default profile) and refuses a wrong one', async () => {
    const plaintext = serializeWatchwordExport(toWatchwordExport(vault));
    const sealed = await sealExport(plaintext, { password: 'an export passphrase of my own' });
    expect(sealed.kdf).toMatchObject({ name: 'argon2id', memoryKiB: 65_536, iterations: 3, parallelism: 4 });
    const text = serializeEncryptedExport(sealed);
    expect(text).not.toContain('octo');
    expect(text).not.toContain('4111111111111111');
    const opened = await openEncryptedExport(text, { password: 'an export passphrase of my own' });
    expect(parseWatchwordExport(opened).items.map((i) => i.content)).toEqual(vault.map((i) => i.content));
    await expect(openEncryptedExport(text, { password: 'an export passphrase of my owN' })).rejects.toBeInstanceOf(DecryptionError);
  });

  it('round-trips with the account key, for that account only', async () => {
    const accountKey = crypto.getRandomValues(new Uint8Array(32));
    const userId = '11111111-2222-4333-8444-555555555555';
    const text = serializeEncryptedExport(await sealExport('{"secret":"plaintext"}', { accountKey, userId }));
    expect(await openEncryptedExport(text, { accountKey, userId })).toBe('{"secret":"plaintext"}');
    await expect(openEncryptedExport(text, { accountKey: crypto.getRandomValues(new Uint8Array(32)), userId })).rejects.toBeInstanceOf(DecryptionError);
    await expect(openEncryptedExport(text, { accountKey, userId: '11111111-2222-4333-8444-555555555556' })).rejects.toThrow(/another account/);
    await expect(openEncryptedExport(text, { password: 'whatever it is' })).rejects.toThrow(/account key/);
  });

  it('every header value is bound: a changed parameter, salt or id does not open', async () => {
    const text = serializeEncryptedExport(await sealExport('{"a":1}', { password: 'pw for binding test' }, { argon2: CHEAP }));
    const change = (mutate: (x: { kdf: Record<string, unknown> }) => void) => {
      const copy = JSON.parse(text) as { kdf: Record<string, unknown> };
      mutate(copy);
      return JSON.stringify(copy);
    };
    await expect(openEncryptedExport(change((x) => (x.kdf.iterations = 2)), { password: 'pw for binding test' })).rejects.toBeInstanceOf(DecryptionError);
    await expect(openEncryptedExport(change((x) => (x.kdf.salt = `A${String(x.kdf.salt).slice(1)}`)), { password: 'pw for binding test' })).rejects.toBeInstanceOf(DecryptionError);
    // Hostile parameters are refused before any work.
    await expect(openEncryptedExport(change((x) => (x.kdf.memoryKiB = 64 * 1024 * 1024)), { password: 'x' })).rejects.toThrow(/out of range/);
    await expect(openEncryptedExport(change((x) => (x.kdf.iterations = 1e6)), { password: 'x' })).rejects.toThrow(/out of range/);
    await expect(openEncryptedExport(change((x) => (x.kdf.extra = 1)), { password: 'x' })).rejects.toThrow(/unexpected properties/);
  });
});

describe('CSV export', () => {
  const rows = () => {
    const parsed = Papa.parse<string[]>(toCsvExport(vault), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    return parsed.data;
  };

  it('has the documented columns, from the item schema', () => {
    expect(CSV_EXPORT_COLUMNS).toEqual([
      'type', 'name', 'notes', 'favorite', 'archived', 'folder', 'folderPath', 'tags', 'fields',
      'login.username', 'login.password', 'login.urls', 'login.totp',
      'card.cardholder', 'card.brand', 'card.number', 'card.expMonth', 'card.expYear', 'card.code',
      'identity.title', 'identity.firstName', 'identity.lastName', 'identity.email', 'identity.phone', 'identity.address', 'identity.company', 'identity.username',
      'identity.middleName', 'identity.city', 'identity.state', 'identity.postalCode', 'identity.country', 'identity.ssn', 'identity.passportNumber', 'identity.licenseNumber',
      'trashed',
    ]);
    // Every property of the schema has its column(s): a property added to the schema comes with it.
    for (const key of Object.keys((ItemContentSchema as unknown as { properties: object }).properties)) {
      expect(CSV_EXPORT_COLUMNS.some((c) => c === key || c.startsWith(`${key}.`)), key).toBe(true);
    }
    expect(rows()[0]).toEqual(CSV_EXPORT_COLUMNS);
    expect(toCsvExport(vault)).toMatch(/\r\n$/);
  });

  it('one row per item with every value; formula-like cells get a leading apostrophe', () => {
    const [header, ...data] = rows();
    const col = (row: string[], name: string) => row[header!.indexOf(name)];
    expect(data).toHaveLength(vault.length);
    const [github, wifi, visa, me, old] = data as [string[], string[], string[], string[], string[]];
    expect(col(github, 'name')).toBe('GitHub');
    expect(col(github, 'folder')).toBe('Work/Dev');
    expect(col(github, 'favorite')).toBe('true');
    expect(col(github, 'notes')).toBe('line one\nline "two", with a comma');
    expect(col(github, 'login.urls')).toBe('https://github.com\nhttps://gist.github.com');
    expect(col(github, 'login.password')).toBe("'-starts with a dash");
    expect(JSON.parse(col(github, 'fields')!)).toEqual(vault[0]!.content.fields);
    expect(col(wifi, 'notes')).toBe("'@router: tab\tand\r\nCRLF ünïcödé ✓");
    expect(col(visa, 'card.number')).toBe('4111111111111111');
    expect(col(me, 'identity.phone')).toBe("'+44 20 7946 0000");
    expect(col(me, 'identity.address')).toBe('1 High St\nLondon');
    expect(col(old, 'trashed')).toBe('true');
    expect(col(github, 'trashed')).toBe('false');
    // No cell a spreadsheet would run as a formula.
    for (const row of data) for (const cell of row) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
  });
});

describe('Bitwarden JSON export', () => {
  it('has Bitwarden’s shape, field by field (the trash left out and counted)', () => {
    const { data, skippedTrashed } = toBitwardenExport(vault);
    expect(skippedTrashed).toBe(1);
    expect(data.encrypted).toBe(false);
    expect(data.folders.map((f) => f.name).sort()).toEqual(['Home', 'Work/Dev']);
    for (const f of data.folders) expect(f.id).toMatch(/^[0-9a-f-]{36}$/);
    const folderName = (id: string | null) => data.folders.find((f) => f.id === id)?.name ?? null;
    expect(data.items.map((i) => i.name)).toEqual(['GitHub', 'Wi-Fi', 'Visa', 'Me', 'Bare']);
    const [github, wifi, visa, me, bare] = data.items as [typeof data.items[0], typeof data.items[0], typeof data.items[0], typeof data.items[0], typeof data.items[0]];
    expect(github).toMatchObject({ id: vault[0]!.id, organizationId: null, type: 1, favorite: true, notes: 'line one\nline "two", with a comma', collectionIds: null, reprompt: 0 });
    expect(folderName(github.folderId)).toBe('Work/Dev');
    expect(github.login).toEqual({
      uris: [{ match: null, uri: 'https://github.com' }, { match: null, uri: 'https://gist.github.com' }],
      username: 'octo',
      password: '-starts with a dash',
      totp: 'otpauth://totp/GitHub:octo?secret=JBSWY3DPEHPK3PXP&issuer=GitHub',
    });
    expect(github.fields).toEqual([
      { name: 'recovery email', value: 'me@example.com', type: 0, linkedId: null },
      { name: 'pin', value: '=1+2', type: 1, linkedId: null },
    ]);
    expect(github.creationDate).toBe(new Date(vault[0]!.createdAt).toISOString());
    expect(wifi).toMatchObject({ type: 2, secureNote: { type: 0 }, notes: '@router: tab\tand\r\nCRLF ünïcödé ✓', favorite: false });
    expect(folderName(wifi.folderId)).toBe('Home');
    expect(wifi.login).toBeUndefined();
    expect(visa).toMatchObject({ type: 3, folderId: null, card: { cardholderName: 'Jane Doe', brand: 'Visa', number: '4111111111111111', expMonth: '09', expYear: '2030', code: '123' } });
    expect(me.type).toBe(4);
    expect(me.identity).toEqual({
      title: 'Dr', firstName: 'Jane', middleName: null, lastName: 'Doe', address1: '1 High St\nLondon', address2: null, address3: null, city: null, state: null,
      postalCode: null, country: null, company: 'ACME', email: 'jane@example.com', phone: '+44 20 7946 0000', ssn: null, username: 'jdoe', passportNumber: null, licenseNumber: null,
    });
    expect(bare).toMatchObject({ type: 1, notes: null, login: { uris: [], username: null, password: null, totp: null } });
    expect(bare.fields).toBeUndefined();
    // Every key an item has is one Bitwarden's own export has (compare the fixture's shape).
    // Bitwarden's own export, from the shared fixtures beside the repository (../shared/fixtures/imports).
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'imports', 'bitwarden.json'), 'utf8')) as { items: Record<string, unknown>[] };
    const known = new Set([...fixture.items.flatMap((i) => Object.keys(i)), 'reprompt', 'creationDate', 'revisionDate']);
    for (const i of data.items) for (const key of Object.keys(i)) expect(known.has(key), key).toBe(true);
    const fixtureIdentity = fixture.items.find((i) => i.type === 4)!.identity as Record<string, unknown>;
    expect(Object.keys(me.identity!).sort()).toEqual(Object.keys(fixtureIdentity).sort());
    const fixtureCard = fixture.items.find((i) => i.type === 3)!.card as Record<string, unknown>;
    expect(Object.keys(visa.card!).sort()).toEqual(Object.keys(fixtureCard).sort());
  });
});

describe('buildExport', () => {
  it('names the file by format and says which are plaintext', async () => {
    const now = new Date('2026-03-04T05:06:07Z');
    const json = await buildExport(vault, { format: 'json', userId: 'u', now });
    expect(json).toMatchObject({ fileName: 'watchword-export-2026-03-04.json', plaintext: true, items: 6, skippedTrashed: 0 });
    expect((await buildExport(vault, { format: 'csv', userId: 'u', now })).fileName).toBe('watchword-export-2026-03-04.csv');
    expect(await buildExport(vault, { format: 'bitwarden-json', userId: 'u', now })).toMatchObject({ items: 5, skippedTrashed: 1, plaintext: true });
    const sealed = await buildExport(vault, { format: 'encrypted-json', userId: 'u', exportPassword: 'export pw here', argon2: CHEAP, now });
    expect(sealed).toMatchObject({ fileName: 'watchword-export-2026-03-04.encrypted.json', plaintext: false });
    expect(parseWatchwordExport(await openEncryptedExport(sealed.text, { password: 'export pw here' })).items).toHaveLength(6);
  });
});

// Every export reads back through the importers: Watchword JSON and CSV exactly, Bitwarden JSON through the Bitwarden
// importer with every value it can carry (Bitwarden's exports have no trash: trashed items are left out).
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
