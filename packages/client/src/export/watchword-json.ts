import { type ItemContent, WatchwordError, validateItemContent } from '@watchword/protocol';
import type { VaultItem } from '../vault.ts';

/**
 * Watchword's own export: every item's whole content (whatever ItemContent holds, passed through as it is) with its
 * id, times and trash state. `parseWatchwordExport(serializeWatchwordExport(x))` gives back exactly `x`.
 *
 *     { "format": "watchword", "version": 1, "exportedAt": "<ISO 8601>",
 *       "items": [ { "id", "createdAt", "updatedAt", "trashedAt": <ms or null>, "content": { …ItemContent } } ] }
 */
export const WATCHWORD_EXPORT_FORMAT = 'watchword';
export const WATCHWORD_EXPORT_VERSION = 1;
/** Bounds of a file this parser reads (a hostile file is refused before it costs much). */
export const MAX_EXPORT_ITEMS = 100_000;
export const MAX_EXPORT_TEXT_LENGTH = 512 * 1024 * 1024;

export interface ExportedItem {
  id: string;
  createdAt: number;
  updatedAt: number;
  /** When the item went to the trash (ms since the epoch), or null when it is not in the trash. */
  trashedAt: number | null;
  content: ItemContent;
}

export interface WatchwordExport {
  format: typeof WATCHWORD_EXPORT_FORMAT;
  version: typeof WATCHWORD_EXPORT_VERSION;
  exportedAt: string;
  items: ExportedItem[];
}

export function toWatchwordExport(items: readonly VaultItem[], now: Date = new Date()): WatchwordExport {
  return {
    format: WATCHWORD_EXPORT_FORMAT,
    version: WATCHWORD_EXPORT_VERSION,
    exportedAt: now.toISOString(),
    items: items.map((item) => ({ id: item.id, createdAt: item.createdAt, updatedAt: item.updatedAt, trashedAt: item.deletedAt, content: item.content })),
  };
}

export function serializeWatchwordExport(data: WatchwordExport): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

const invalid = (message: string): WatchwordError => new WatchwordError('VALIDATION_FAILED', { message: `Not a valid Watchword export: ${message}.` });
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const ITEM_KEYS = new Set(['id', 'createdAt', 'updatedAt', 'trashedAt', 'content']);

/**
 * Reads a Watchword JSON export, checking every item's content against the item schema.
 * @throws {WatchwordError} VALIDATION_FAILED naming the first problem (the item's position, never its content).
 */
export function parseWatchwordExport(text: string): WatchwordExport {
  if (text.length > MAX_EXPORT_TEXT_LENGTH) throw invalid('the file is too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('the file is not JSON');
  }
  if (!isRecord(parsed) || parsed.format !== WATCHWORD_EXPORT_FORMAT) throw invalid('"format" is not "watchword"');
  if (parsed.version !== WATCHWORD_EXPORT_VERSION) throw invalid(`version ${String(parsed.version)} is not supported (this client reads version 1)`);
  if (typeof parsed.exportedAt !== 'string' || Number.isNaN(Date.parse(parsed.exportedAt)) || parsed.exportedAt.length > 64) throw invalid('"exportedAt" is not a time');
  if (!Array.isArray(parsed.items)) throw invalid('"items" is not a list');
  if (parsed.items.length > MAX_EXPORT_ITEMS) throw invalid(`more than ${MAX_EXPORT_ITEMS} items`);
  const items = parsed.items.map((raw: unknown, index): ExportedItem => {
    const where = `item ${index + 1}`;
    if (!isRecord(raw)) throw invalid(`${where} is not an object`);
    for (const key of Object.keys(raw)) if (!ITEM_KEYS.has(key)) throw invalid(`${where} has an unknown property`);
    if (typeof raw.id !== 'string' || raw.id.length === 0 || raw.id.length > 64) throw invalid(`${where} has no valid id`);
    if (!isTime(raw.createdAt) || !isTime(raw.updatedAt)) throw invalid(`${where} has no valid times`);
    if (raw.trashedAt !== null && !isTime(raw.trashedAt)) throw invalid(`${where} has an invalid trash time`);
    let content: ItemContent;
    try {
      content = validateItemContent(raw.content);
    } catch (error) {
      const field = error instanceof WatchwordError ? String(error.details?.field ?? '') : '';
      throw invalid(`${where} is not a valid item${field ? ` (${field})` : ''}`);
    }
    return { id: raw.id, createdAt: raw.createdAt, updatedAt: raw.updatedAt, trashedAt: raw.trashedAt, content };
  });
  return { format: WATCHWORD_EXPORT_FORMAT, version: WATCHWORD_EXPORT_VERSION, exportedAt: parsed.exportedAt, items };
}
