import { WatchwordError, validateItemContent } from '@watchword/protocol';
import { type CsvRow, headerKeys } from './csv.ts';
import { isRecord } from './json.ts';
import { type ImportedItem, importError } from './types.ts';

function own(content: unknown, trashed: boolean, source: string): ImportedItem {
  try {
    return { content: validateItemContent(content), trashed, leftOut: [], source };
  } catch (error) {
    const field = error instanceof WatchwordError ? String(error.details?.['field'] ?? '') : '';
    throw importError('IMPORT_UNREADABLE', `${source}: not a valid Watchword item${field ? ` (${field})` : ''}`, { source, field });
  }
}

/**
 * Watchword's own JSON: the export (`{ "format": "watchword", "version": 1, "items": [{ "content", "trashedAt", … }] }`)
 * or a plain array of item contents.
 */
export function parseWatchwordJson(doc: unknown): ImportedItem[] {
  if (Array.isArray(doc)) return doc.map((c, i) => own(c, false, `entry ${i + 1}`));
  if (!isRecord(doc) || doc['format'] !== 'watchword' || !Array.isArray(doc['items'])) throw importError('IMPORT_UNREADABLE', 'the file is not a Watchword export');
  if (doc['version'] !== 1) throw importError('IMPORT_UNREADABLE', 'the Watchword export is of a version this client does not read (it reads version 1)');
  return doc['items'].map((raw, i) => {
    const source = `entry ${i + 1}`;
    if (isRecord(raw) && isRecord(raw['content'])) return own(raw['content'], typeof raw['trashedAt'] === 'number', source);
    return own(raw, false, source);
  });
}

export const isWatchwordJson = (doc: unknown): boolean =>
  (Array.isArray(doc) && doc.length > 0 && doc.every((i) => isRecord(i) && typeof i['type'] === 'string' && Array.isArray(i['fields']))) ||
  (isRecord(doc) && doc['format'] === 'watchword');

const LISTS = new Set(['folderPath', 'tags', 'login.urls']);
const FLAGS = new Set(['favorite', 'archived']);

/**
 * Watchword's own CSV export: one column per item property (`login.username`, …), lists one entry per line, `fields`
 * as JSON, `trashed` last. Cells the exporter neutralised against formula injection (a `'` before `=`, `+`, `-`, `@`,
 * tab or CR) get their value back.
 */
export function watchwordCsvItem(header: readonly string[], row: CsvRow): ImportedItem {
  const source = `line ${row.line}`;
  const keys = headerKeys(header);
  const content: Record<string, unknown> = {};
  let trashed = false;
  keys.forEach((key, i) => {
    const raw = row.cells[i] ?? '';
    const cell = /^'[=+\-@\t\r]/.test(raw) ? raw.slice(1) : raw;
    const name = header[i]?.trim() ?? key;
    if (name === 'trashed') return void (trashed = cell === 'true');
    if (cell === '') return;
    let value: unknown = cell;
    if (LISTS.has(name)) value = cell.split('\n');
    else if (FLAGS.has(name)) value = cell === 'true';
    else if (name === 'fields') {
      try {
        value = JSON.parse(cell);
      } catch {
        throw importError('IMPORT_UNREADABLE', `${source}: the fields column is not JSON`, { line: row.line });
      }
    }
    const [top, sub] = name.split('.', 2) as [string, string | undefined];
    if (sub === undefined) content[top] = value;
    else content[top] = { ...(isRecord(content[top]) ? content[top] : {}), [sub]: value };
  });
  content['fields'] ??= [];
  return own(content, trashed, source);
}

export const isWatchwordCsvHeader = (keys: readonly string[]): boolean => ['type', 'name', 'fields', 'trashed', 'login.username'].every((k) => keys.includes(k));
