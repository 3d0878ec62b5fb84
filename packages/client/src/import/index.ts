import { isBitwardenJson, isEncryptedBitwarden, parseBitwardenJson } from './bitwarden.ts';
import { csvFormatOf, parseCsvExport } from './csv-formats.ts';
import { isEnpassJson, parseEnpassJson } from './enpass.ts';
import { decodeUtf8, parseJson } from './json.ts';
import { isKeePassXml, parseKeePassXml } from './keepass-xml.ts';
import { IMPORT_LIMITS } from './limits.ts';
import { parse1pux } from './onepassword.ts';
import { isProtonPassJson, parseProtonPassJson } from './protonpass.ts';
import { type ImportFormat, type ImportInput, type ImportedItem, type ParsedImport, importError } from './types.ts';
import { isWatchwordJson, parseWatchwordJson } from './watchword.ts';
import { isZip, readZip } from './zip.ts';

export { IMPORT_FORMATS, isImportFormat, type ImportFormat, type ImportInput, type ImportedItem, type ParsedImport } from './types.ts';
export { IMPORT_LIMITS } from './limits.ts';

const KDBX_MAGIC = [0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5];
const isKdbxBytes = (b: Uint8Array) => KDBX_MAGIC.every((v, i) => b[i] === v);
const PROTON_DATA = /(^|\/)data\.json$/;
const HEADER_WORDS = new Set(['name', 'title', 'url', 'urls', 'website', 'username', 'user name', 'login', 'password', 'notes', 'note', 'folder', 'group', 'type', 'email', 'totp']);

/** The format of a file, from its content (the name is never consulted). */
function detect(bytes: Uint8Array, text: () => string, json: () => unknown): ImportFormat {
  if (isZip(bytes)) {
    const { names } = readZip(bytes, () => false);
    if (names.includes('export.data')) return '1password-1pux';
    if (names.some((n) => PROTON_DATA.test(n))) return 'protonpass-zip';
    throw importError('IMPORT_UNKNOWN_FORMAT', 'the zip file is neither a 1Password 1PUX nor a Proton Pass export');
  }
  if (isKdbxBytes(bytes)) return 'keepass-kdbx';
  const t = text().replace(/^\ufeff/, '').trimStart();
  if (t.startsWith('<')) {
    if (isKeePassXml(t)) return 'keepass-xml';
    throw importError('IMPORT_UNKNOWN_FORMAT', 'the XML file is not a KeePass 2 export');
  }
  if (t.startsWith('{') || t.startsWith('[')) {
    const doc = json();
    if (isWatchwordJson(doc)) return 'watchword-json';
    if (isEncryptedBitwarden(doc) || isBitwardenJson(doc)) return 'bitwarden-json';
    if (isProtonPassJson(doc)) return 'protonpass-json';
    if (isEnpassJson(doc)) return 'enpass-json';
    throw importError('IMPORT_UNKNOWN_FORMAT', 'the JSON file is of no format Watchword knows');
  }
  const csv = csvFormatOf(t);
  if (csv) return csv;
  // Keeper writes no header: folder, title, login, password, url, notes, shared folder, custom fields. A first row
  // that reads like a header of some other manager's CSV is not taken for Keeper's data.
  const first = t.split(/\r?\n/, 1)[0] ?? '';
  const cells = first.split(',').map((c) => c.replace(/^"|"$/g, '').trim().toLowerCase());
  if (cells.length >= 7 && !cells.some((c) => HEADER_WORDS.has(c))) return 'keeper-csv';
  throw importError('IMPORT_UNKNOWN_FORMAT', 'line 1: the file is of no format Watchword knows');
}

/**
 * Reads an export file of any supported format (detected from the content unless `format` forces one) into items,
 * each validated against the item model. Nothing is stored: `previewImport` and `commitImport` take it from here.
 * @throws {WatchwordError} IMPORT_* from the catalogue, with a message naming the line or entry at fault.
 */
export async function parseImportFile(input: ImportInput): Promise<ParsedImport> {
  const { bytes } = input;
  if (bytes.length > IMPORT_LIMITS.maxFileBytes) throw importError('IMPORT_TOO_LARGE', `the file is larger than ${IMPORT_LIMITS.maxFileBytes / 1024 / 1024} MiB`);
  let decoded: string | undefined;
  let parsed: { doc: unknown } | undefined;
  const text = () => (decoded ??= decodeUtf8(bytes));
  // Parsed once, whether detection or the reader asks first.
  const json = () => (parsed ??= { doc: parseJson(text(), 'the file') }).doc;
  const format = input.format ?? detect(bytes, text, json);
  const items = await read(format, bytes, text, json, input.password);
  if (items.length > IMPORT_LIMITS.maxItems) throw importError('IMPORT_TOO_LARGE', `the file holds more than ${IMPORT_LIMITS.maxItems} items`);
  return { format, items };
}

async function read(format: ImportFormat, bytes: Uint8Array, text: () => string, json: () => unknown, password: string | undefined): Promise<ImportedItem[]> {
  switch (format) {
    case '1password-1pux': {
      const { files, names } = readZip(bytes, (n) => n === 'export.data');
      const data = files.get('export.data');
      if (!data) throw importError('IMPORT_UNREADABLE', names.includes('export.data') ? 'zip entry export.data is truncated' : 'the 1PUX file has no export.data entry');
      return parse1pux(data);
    }
    case 'protonpass-zip': {
      const { files } = readZip(bytes, (n) => PROTON_DATA.test(n));
      const data = [...files.values()][0];
      if (!data) throw importError('IMPORT_UNREADABLE', 'the Proton Pass zip has no complete data.json entry (an encrypted export holds data.pgp: export again without encryption)');
      return parseProtonPassJson(parseJson(decodeUtf8(data), 'data.json'));
    }
    case 'keepass-kdbx': {
      const { parseKdbx } = await import('./keepass-kdbx.ts');
      return parseKdbx(bytes, password);
    }
    case 'keepass-xml':
      return parseKeePassXml(text());
    case 'bitwarden-json': {
      let doc = json();
      if (isEncryptedBitwarden(doc)) {
        // Loaded on demand, like the KDBX reader: it brings Argon2 (WebAssembly) with it.
        const { decryptBitwardenExport } = await import('./bitwarden-encrypted.ts');
        doc = parseJson(await decryptBitwardenExport(doc, password), 'the decrypted export');
      }
      return parseBitwardenJson(doc);
    }
    case 'protonpass-json':
      return parseProtonPassJson(json());
    case 'enpass-json':
      return parseEnpassJson(json());
    case 'watchword-json':
      return parseWatchwordJson(json());
    default:
      return parseCsvExport(text(), format).items;
  }
}
export { type ImportSummary } from './summary.ts';
export { DUPLICATE_CHOICES, type DuplicateChoice, type ImportPlan, type ImportResult, commitImport, planImport, previewImport } from './commit.ts';
