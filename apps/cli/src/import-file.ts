import { readFileSync } from 'node:fs';
import { type ItemContent, ImportFileError, parseImport } from '@watchword/client';
import { CliError, EXIT } from './errors.ts';

export { parseCsv } from '@watchword/client';

/**
 * Reads items to import (the SDK's `parseImport`: a JSON array of item contents, or CSV with a header row); the
 * format follows `--format`, else the file name. Problems become one usage error naming the file.
 */
export function readImportFile(path: string, format?: 'json' | 'csv'): ItemContent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read ${path}`, EXIT.usage);
  }
  try {
    return parseImport(text, format ?? (path.toLowerCase().endsWith('.csv') ? 'csv' : 'json'));
  } catch (error) {
    if (error instanceof ImportFileError) throw new CliError(`${path}: ${error.message}`, EXIT.usage);
    throw error;
  }
}
