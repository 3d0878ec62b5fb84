import { type ItemContent, WatchwordError } from '@watchword/protocol';

/** Every format the importer reads. Detected from the content; a caller may force one. */
export const IMPORT_FORMATS = [
  'watchword-json',
  'watchword-csv',
  'bitwarden-json',
  'bitwarden-csv',
  '1password-1pux',
  '1password-csv',
  'lastpass-csv',
  'keepass-xml',
  'keepass-kdbx',
  'keepassxc-csv',
  'chrome-csv',
  'firefox-csv',
  'safari-csv',
  'protonpass-json',
  'protonpass-csv',
  'protonpass-zip',
  'dashlane-csv',
  'keeper-csv',
  'nordpass-csv',
  'enpass-json',
] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export function isImportFormat(value: unknown): value is ImportFormat {
  return typeof value === 'string' && (IMPORT_FORMATS as readonly string[]).includes(value);
}

/** One item as it will come in: its content, whether it goes to the trash, and what of it cannot come in. */
export interface ImportedItem {
  content: ItemContent;
  trashed: boolean;
  /** Things the source item holds that Watchword cannot store (attachments, passkeys), in words fit to show. */
  leftOut: string[];
  /** Where it sits in the file, for messages: "line 12", "entry 3". */
  source: string;
}

export interface ImportInput {
  bytes: Uint8Array;
  /** Forces a format instead of detecting one. */
  format?: ImportFormat;
  /** For password-protected files (Bitwarden encrypted JSON, KDBX). */
  password?: string;
}

export interface ParsedImport {
  format: ImportFormat;
  items: ImportedItem[];
}

/** An import error from the catalogue, with a message that names the place in the file and never a value from it. */
export function importError(
  code: 'IMPORT_UNREADABLE' | 'IMPORT_UNKNOWN_FORMAT' | 'IMPORT_TOO_LARGE' | 'IMPORT_PASSWORD_REQUIRED' | 'IMPORT_WRONG_PASSWORD',
  message: string,
  details: Record<string, unknown> = {},
): WatchwordError {
  return new WatchwordError(code, { message, details });
}
