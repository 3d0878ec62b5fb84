import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, readImportFile } from '../src/import-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ww-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('import files', () => {
  it('parses RFC 4180 CSV: quotes, doubled quotes, commas and newlines inside fields, CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",z\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['multi\nline', 'z'],
    ]);
    expect(() => parseCsv('a,"b\n')).toThrow(/unterminated/);
  });

  it('reads a CSV export into login items and a JSON array as is', () => {
    const csv = join(dir, 'export.csv');
    writeFileSync(csv, 'name,username,password,url,notes\ngithub,me,"S3c,ret",https://github.com,\nbank,,,,"PIN ""1234"""\n');
    expect(readImportFile(csv)).toEqual([
      { type: 'login', name: 'github', fields: [], login: { username: 'me', password: 'S3c,ret', urls: ['https://github.com'] } },
      { type: 'login', name: 'bank', fields: [], login: {}, notes: 'PIN "1234"' },
    ]);
    const json = join(dir, 'items.json');
    writeFileSync(json, JSON.stringify([{ type: 'note', name: 'n', notes: 'text', fields: [] }]));
    expect(readImportFile(json)).toEqual([{ type: 'note', name: 'n', notes: 'text', fields: [] }]);
  });

  it('refuses an invalid item before anything is sent, naming its position', () => {
    const json = join(dir, 'bad.json');
    writeFileSync(json, JSON.stringify([{ type: 'note', name: 'ok', fields: [] }, { type: 'note', name: '', fields: [] }]));
    expect(() => readImportFile(json)).toThrow(/item 2 is not valid/);
    writeFileSync(json, '{"not":"an array"}');
    expect(() => readImportFile(json)).toThrow(/JSON array/);
    const csv = join(dir, 'noname.csv');
    writeFileSync(csv, 'user,pass\na,b\n');
    expect(() => readImportFile(csv)).toThrow(/needs a header row with at least "name"/);
  });
});
