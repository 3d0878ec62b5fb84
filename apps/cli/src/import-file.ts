import { readFileSync } from 'node:fs';
import { type ItemContent, WatchwordError, validateItemContent } from '@watchword/protocol';
import { CliError, EXIT } from './errors.ts';

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows. */
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
  if (quoted) throw new CliError('the CSV file has an unterminated quoted field', EXIT.usage);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c !== ''));
}

const CSV_COLUMNS = ['name', 'username', 'password', 'url', 'notes', 'totp', 'folder'] as const;

function fromCsv(text: string): unknown[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const columns = header.map((h) => h.trim().toLowerCase());
  if (!columns.includes('name')) throw new CliError(`a CSV import needs a header row with at least "name" (known: ${CSV_COLUMNS.join(', ')})`, EXIT.usage);
  return rows.map((cells) => {
    const get = (name: string) => {
      const v = cells[columns.indexOf(name)];
      return columns.includes(name) && v !== undefined && v !== '' ? v : undefined;
    };
    const login = Object.fromEntries(
      Object.entries({ username: get('username'), password: get('password'), urls: get('url') ? [get('url')] : undefined, totp: get('totp') }).filter(([, v]) => v !== undefined),
    );
    return {
      type: 'login',
      name: get('name') ?? '',
      fields: [],
      login,
      ...(get('notes') ? { notes: get('notes') } : {}),
      ...(get('folder') ? { folder: get('folder') } : {}),
    };
  });
}

/**
 * Reads items to import: a JSON array of Watchword item contents (what `ww list --json`'s items hold), or a CSV file
 * with a header row (name, username, password, url, notes, totp, folder). Every item is validated before anything is
 * sent; the first invalid one stops the import with its position.
 */
export function readImportFile(path: string, format?: 'json' | 'csv'): ItemContent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read ${path}`, EXIT.usage);
  }
  const kind = format ?? (path.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
  let raw: unknown[];
  if (kind === 'csv') raw = fromCsv(text);
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`${path} is not valid JSON`, EXIT.usage);
    }
    if (!Array.isArray(parsed)) throw new CliError(`${path} must hold a JSON array of items`, EXIT.usage);
    raw = parsed;
  }
  return raw.map((item, index) => {
    try {
      return validateItemContent(item);
    } catch (error) {
      const field = error instanceof WatchwordError ? String(error.details?.field ?? '') : '';
      throw new CliError(`item ${index + 1} is not valid${field ? ` (${field})` : ''}`, EXIT.usage);
    }
  });
}
