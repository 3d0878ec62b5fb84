import { type ItemContent, WatchwordError, validateItemContent } from '@watchword/protocol';

/**
 * Import files, shared by `ww import` and the web vault: a JSON array of Watchword item contents, or CSV (RFC 4180)
 * with a header row naming some of: name, username, password, url, notes, totp, folder. Every item is validated
 * before anything is sent; the first invalid one stops the import with its position (nothing is imported).
 */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

export const IMPORT_CSV_COLUMNS = ['name', 'username', 'password', 'url', 'notes', 'totp', 'folder'] as const;

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new ImportFileError('the CSV file has an unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c !== ''));
}

function fromCsv(text: string): unknown[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const columns = header.map((h) => h.trim().toLowerCase());
  if (!columns.includes('name')) throw new ImportFileError(`a CSV import needs a header row with at least "name" (known: ${IMPORT_CSV_COLUMNS.join(', ')})`);
  return rows.map((cells) => {
    const get = (name: string): string | undefined => {
      const index = columns.indexOf(name);
      const v = index === -1 ? undefined : cells[index];
      return v === undefined || v === '' ? undefined : v;
    };
    const url = get('url');
    const login = Object.fromEntries(
      Object.entries({ username: get('username'), password: get('password'), urls: url ? [url] : undefined, totp: get('totp') }).filter(([, v]) => v !== undefined),
    );
    const notes = get('notes');
    const folder = get('folder');
    return { type: 'login', name: get('name') ?? '', fields: [], login, ...(notes ? { notes } : {}), ...(folder ? { folder } : {}) };
  });
}

/** Parses and validates a whole import file. @throws {ImportFileError} with a message fit to show. */
export function parseImport(text: string, format: 'json' | 'csv'): ItemContent[] {
  let raw: unknown[];
  if (format === 'csv') raw = fromCsv(text);
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ImportFileError('the file is not valid JSON');
    }
    if (!Array.isArray(parsed)) throw new ImportFileError('a JSON import must hold a JSON array of items');
    raw = parsed;
  }
  return raw.map((item, index) => {
    try {
      return validateItemContent(item);
    } catch (error) {
      const field = error instanceof WatchwordError ? String(error.details?.field ?? '') : '';
      throw new ImportFileError(`item ${index + 1} is not valid${field ? ` (${field})` : ''}`);
    }
  });
}
