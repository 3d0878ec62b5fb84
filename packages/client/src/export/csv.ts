import Papa from 'papaparse';
import { ItemContentSchema } from '@watchword/protocol';
import type { VaultItem } from '../vault.ts';

/**
 * CSV export (RFC 4180, CRLF, header row), written by papaparse. The columns follow the item schema
 * (ItemContentSchema), so a property the schema gains becomes a column without a change here:
 * - a top-level text or flag is one column under its own name (`type`, `name`, `notes`, `favorite`, `folder`, …);
 * - a nested object gives one column per property, named `object.property` (`login.username`, `card.number`, …);
 * - a list of texts is one cell, one entry per line (`login.urls`); a list of objects is one cell of JSON (`fields`);
 * - `trashed` (true/false) comes last.
 * Cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'` (papaparse's `escapeFormulae`, with the pattern below),
 * so a spreadsheet shows them as text instead of running them as a formula (CSV injection). That changes such values
 * (a password starting with `-` reads `'-…`): the JSON formats are the lossless ones.
 */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

interface Column {
  name: string;
  path: readonly string[];
  node: SchemaNode;
}

function columnsOf(schema: SchemaNode): Column[] {
  const columns: Column[] = [];
  for (const [key, node] of Object.entries(schema.properties ?? {})) {
    if (node.type === 'object' && node.properties) {
      for (const [sub, child] of Object.entries(node.properties)) columns.push({ name: `${key}.${sub}`, path: [key, sub], node: child });
    } else columns.push({ name: key, path: [key], node });
  }
  return columns;
}

/** The columns, in order (the last is `trashed`). */
export const CSV_EXPORT_COLUMNS: readonly string[] = [...columnsOf(ItemContentSchema as unknown as SchemaNode).map((c) => c.name), 'trashed'];

/**
 * What a spreadsheet may take for a formula. Given explicitly: papaparse's own `escapeFormulae: true` pattern ends in
 * `.*$` without the `s` flag, so it misses a multi-line cell (`@x\ny`) — exactly what notes hold.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: unknown, node: SchemaNode): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return node.items?.type === 'string' ? value.join('\n') : JSON.stringify(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function toCsvExport(items: readonly VaultItem[]): string {
  const columns = columnsOf(ItemContentSchema as unknown as SchemaNode);
  const rows = items.map((item) => {
    const content = item.content as unknown as Record<string, unknown>;
    const row = columns.map((column) => {
      let value: unknown = content;
      for (const key of column.path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      return cell(value, column.node);
    });
    row.push(item.deletedAt === null ? 'false' : 'true');
    return row;
  });
  return `${Papa.unparse({ fields: [...CSV_EXPORT_COLUMNS], data: rows }, { newline: '\r\n', escapeFormulae: FORMULA_START })}\r\n`;
}
