import Papa from 'papaparse';
import { IMPORT_LIMITS } from './limits.ts';
import { importError } from './types.ts';

export interface CsvRow {
  cells: string[];
  /** The 1-based line of the file the row starts on. */
  line: number;
}

/**
 * Splits CSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, CRLF or LF) into rows with
 * the line each starts on, through papaparse. Cells are kept exactly as written: a cell starting with `=`, `+`, `-`
 * or `@` is text here and is never evaluated. Rows whose cells are all empty are skipped. A line longer than
 * IMPORT_LIMITS.maxLineChars or an unclosed quote is an error naming the line.
 */
export function readCsv(raw: string): CsvRow[] {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  checkLineLengths(text);
  const rows: CsvRow[] = [];
  let line = 1;
  let consumed = 0;
  let failure: { line: number; reason: string } | undefined;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    quoteChar: '"',
    escapeChar: '"',
    header: false,
    skipEmptyLines: false,
    step(result, parser) {
      const start = line;
      const cursor = result.meta.cursor;
      line += countNewlines(text, consumed, cursor);
      consumed = cursor;
      const quoteError = result.errors.find((e) => e.code === 'MissingQuotes' || e.code === 'InvalidQuotes');
      if (quoteError) {
        failure = { line: start, reason: quoteError.code === 'MissingQuotes' ? 'a quoted field is not closed' : 'a quote is misplaced' };
        parser.abort();
        return;
      }
      const cells = result.data;
      if (cells.some((c) => c !== '')) rows.push({ cells, line: start });
      if (rows.length > IMPORT_LIMITS.maxItems + 1) {
        failure = { line: start, reason: `more than ${IMPORT_LIMITS.maxItems} rows` };
        parser.abort();
      }
    },
  });
  if (failure) {
    throw importError(failure.reason.startsWith('more than') ? 'IMPORT_TOO_LARGE' : 'IMPORT_UNREADABLE', `line ${failure.line}: ${failure.reason}`, { line: failure.line });
  }
  return rows;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function checkLineLengths(text: string): void {
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > IMPORT_LIMITS.maxLineChars) {
      throw importError('IMPORT_TOO_LARGE', `line ${line}: longer than ${IMPORT_LIMITS.maxLineChars / 1024 / 1024} MiB`, { line });
    }
    start = end + 1;
    line++;
  }
}

/** A header row's names as compared: trimmed and lower-cased. */
export function headerKeys(cells: readonly string[]): string[] {
  return cells.map((c) => c.trim().toLowerCase());
}
