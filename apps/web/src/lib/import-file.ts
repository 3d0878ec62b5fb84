import { type ItemContent, ImportFileError, parseImport as parse } from '@watchword/client';
import { UserError } from './errors.ts';

/** An import file the page cannot use; its message is shown as is. */
export class ImportError extends UserError {
  override name = 'ImportError';
}

/**
 * The SDK's import parser (the same formats as `ww import`); the file never leaves the page unencrypted. Every item
 * is validated before anything is sent; the first invalid one stops the import.
 */
export function parseImport(text: string, format: 'json' | 'csv'): ItemContent[] {
  try {
    return parse(text, format);
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    const message = error.message.charAt(0).toUpperCase() + error.message.slice(1);
    throw new ImportError(message.startsWith('Item ') ? `${message}: nothing was imported.` : `${message}.`);
  }
}
