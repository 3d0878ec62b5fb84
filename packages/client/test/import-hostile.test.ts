import { deflateRawSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { WatchwordError } from '@watchword/protocol';
import { IMPORT_LIMITS, parseImportFile } from '../src/import/index.ts';
import { fixture } from '@watchword/testkit';

const enc = (text: string) => new TextEncoder().encode(text);

async function failure(promise: Promise<unknown>): Promise<WatchwordError> {
  try {
    await promise;
  } catch (error) {
    return error as WatchwordError;
  }
  throw new Error('expected the import to fail');
}

/**
 * A zip (PKWARE APPNOTE 4.3: local header, data, central directory, end record) whose one entry inflates to `size`
 * zero bytes. Deflated by node:zlib; the CRC is left 0, as a reader meets the size limit long before it checks it.
 */
function zipBomb(name: string, size: number): Uint8Array {
  const data = deflateRawSync(Buffer.alloc(size), { level: 1 });
  const file = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(file.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + file.length, 12);
  end.writeUInt32LE(local.length + file.length + data.length, 16);
  return new Uint8Array(Buffer.concat([local, file, data, central, file, end]));
}

describe('hostile and broken files: a clear error naming the place, and nothing read', () => {
  it('stops a zip bomb once its inflated bytes pass the limit', async () => {
    const bomb = zipBomb('export.data', IMPORT_LIMITS.maxUncompressedBytes + 8 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const error = await failure(parseImportFile({ bytes: bomb }));
    expect([error.code, error.message]).toEqual(['IMPORT_TOO_LARGE', 'zip entry 1 (export.data): inflates past 256 MiB']);
  });

  it('refuses a zip with more entries than the limit, naming the first one past it', async () => {
    const files: Record<string, Uint8Array> = { 'export.data': enc('{"accounts":[]}') };
    for (let i = 0; i < IMPORT_LIMITS.maxZipEntries; i++) files[`files/${i}`] = new Uint8Array(0);
    const error = await failure(parseImportFile({ bytes: zipSync(files, { level: 0 }) }));
    expect([error.code, error.message]).toEqual(['IMPORT_TOO_LARGE', `zip entry ${IMPORT_LIMITS.maxZipEntries + 1}: more than ${IMPORT_LIMITS.maxZipEntries} entries`]);
  });

  it('refuses billion-laughs XML (any DOCTYPE) before parsing it', async () => {
    const laughs = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE KeePassFile [<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<KeePassFile><Root><Group><Name>&lol9;</Name></Group></Root></KeePassFile>',
    ].join('\n');
    const error = await failure(parseImportFile({ bytes: enc(laughs), format: 'keepass-xml' }));
    expect(error.code).toBe('IMPORT_UNREADABLE');
    expect(error.message).toMatch(/DOCTYPE/);
  });

  it('refuses a 100 MB CSV line, naming it', async () => {
    const text = `name,url,username,password\nok,https://a.example,u,p\nbig,${'x'.repeat(100 * 1000 * 1000)},u,p\n`;
    const error = await failure(parseImportFile({ bytes: enc(text) }));
    expect([error.code, error.message]).toEqual(['IMPORT_TOO_LARGE', 'line 3: longer than 1 MiB']);
  });

  it('names the line of an unclosed quote in CSV', async () => {
    const error = await failure(parseImportFile({ bytes: enc('name,url,username,password\na,b,c,d\n"e,f,g,h\n') }));
    expect([error.code, error.message]).toEqual(['IMPORT_UNREADABLE', 'line 3: a quoted field is not closed']);
  });

  it('keeps formula-prefixed cells as the text they are (never evaluated, never altered)', async () => {
    const cells = ['=cmd|\' /C calc\'!A0', '+1+1', '-2', '@SUM(A1)'];
    const text = `name,url,username,password,note\n"${cells[0]}",https://a.example,"${cells[1]}","${cells[2]}","${cells[3]}"\n`;
    const [item] = (await parseImportFile({ bytes: enc(text) })).items;
    expect(item?.content).toEqual({ type: 'login', name: cells[0], notes: cells[3], fields: [], login: { username: cells[1], password: cells[2], urls: ['https://a.example'] } });
  });

  it('names the line and column of broken JSON, and never quotes the file', async () => {
    const text = '{\n  "encrypted": false,\n  "folders": [],\n  "items": [ { "type": 1, "name": "x", "login": { "password": "hunter2" ] }\n}';
    const error = await failure(parseImportFile({ bytes: enc(text) }));
    expect(error.code).toBe('IMPORT_UNREADABLE');
    expect(error.message).toMatch(/^the file: line 4, column \d+: not valid JSON$/);
    expect(error.message).not.toContain('hunter2');
  });

  it('says a truncated file is truncated (JSON, zip, XML)', async () => {
    const json = fixture('bitwarden.json');
    const cut = await failure(parseImportFile({ bytes: json.subarray(0, json.length / 2) }));
    expect(cut.code).toBe('IMPORT_UNREADABLE');
    expect(cut.message).not.toContain('mypassword');
    const pux = fixture('1password.1pux');
    const zipCut = await failure(parseImportFile({ bytes: pux.subarray(0, 8000), format: '1password-1pux' }));
    expect(zipCut.code).toBe('IMPORT_UNREADABLE');
    expect(zipCut.message).toMatch(/^zip entry \d+ \(.+\): malformed or truncated$/);
    const xml = fixture('keepass2-passimport.xml');
    const xmlCut = await failure(parseImportFile({ bytes: xml.subarray(0, xml.length - 300) }));
    expect(xmlCut.code).toBe('IMPORT_UNREADABLE');
    expect(xmlCut.message).toMatch(/not well-formed XML/);
  });

  it('refuses files of no known format, and a forced format the file is not', async () => {
    const random = await failure(parseImportFile({ bytes: enc('just some text\nwith lines\n') }));
    expect([random.code, random.message]).toEqual(['IMPORT_UNKNOWN_FORMAT', 'line 1: the file is of no format Watchword knows']);
    const otherHeader = await failure(parseImportFile({ bytes: enc('Site,Login URL,Login,Pwd,Extra,Folder,Note,Other\na,b,c,d,e,f,g,h\n') }));
    expect(otherHeader.code).toBe('IMPORT_UNKNOWN_FORMAT');
    const json = await failure(parseImportFile({ bytes: enc('{"hello":"world"}') }));
    expect(json.code).toBe('IMPORT_UNKNOWN_FORMAT');
    const forced = await failure(parseImportFile({ bytes: fixture('chrome.csv'), format: 'bitwarden-csv' }));
    expect([forced.code, forced.message]).toEqual(['IMPORT_UNREADABLE', 'line 1: the header row is not that of bitwarden-csv']);
    const wrongZip = await failure(parseImportFile({ bytes: zipSync({ 'readme.txt': enc('hi') }) }));
    expect(wrongZip.code).toBe('IMPORT_UNKNOWN_FORMAT');
  });

  it('names the entry that does not fit the item model, and reads nothing of the rest', async () => {
    const items = [{ type: 1, name: 'ok', login: {} }, { type: 1, name: 'long', notes: 'x'.repeat(10_001), login: {} }];
    const error = await failure(parseImportFile({ bytes: enc(JSON.stringify({ encrypted: false, folders: [], items })) }));
    expect([error.code, error.message]).toEqual(['IMPORT_TOO_LARGE', "entry 2: the item does not fit Watchword's limits (/notes)"]);
  });
});
