import { type ExportFormat, EXPORT_FORMATS, WatchwordError, api } from '@watchword/protocol';
import { reauthenticate } from '../account.ts';
import { assertPasswordAcceptable } from '../password-policy.ts';
import type { Vault, VaultItem } from '../vault.ts';
import { toBitwardenExport } from './bitwarden.ts';
import { toCsvExport } from './csv.ts';
import { type Argon2idParams, sealExport, serializeEncryptedExport } from './encrypted.ts';
import { serializeWatchwordExport, toWatchwordExport } from './watchword-json.ts';

export * from './bitwarden.ts';
export * from './csv.ts';
export * from './encrypted.ts';
export * from './watchword-json.ts';
export { EXPORT_FORMATS, type ExportFormat };

export interface ExportOptions {
  format: ExportFormat;
  /** The master password, proven to the server again (fresh authentication) before anything is exported. */
  masterPassword: string;
  /** encrypted-json only: seal with a password chosen now (default) or with the account key. */
  key?: 'password' | 'account';
  /** encrypted-json with key 'password': the export password (checked like a master password: ≥ 12 characters, strong). */
  exportPassword?: string;
  /** Checks the export password's strength (on by default; tests turn it off). */
  passwordPolicy?: boolean;
  /** Tests only: cheaper Argon2id parameters. */
  argon2?: Argon2idParams;
  now?: Date;
}

export interface ExportResult {
  format: ExportFormat;
  text: string;
  fileName: string;
  mediaType: string;
  /** How many items the file holds. */
  items: number;
  /** Items left out (the Bitwarden format has no trash). */
  skippedTrashed: number;
  /** True for the formats anyone who gets the file can read (CSV, JSON, Bitwarden JSON). */
  plaintext: boolean;
}

/** The file for `format` from decrypted items (no server call; exportVault is the way in for users). */
export async function buildExport(items: readonly VaultItem[], options: Omit<ExportOptions, 'masterPassword'> & { userId: string; accountKey?: Uint8Array }): Promise<ExportResult> {
  const now = options.now ?? new Date();
  const day = now.toISOString().slice(0, 10);
  const base = { format: options.format, skippedTrashed: 0, items: items.length };
  switch (options.format) {
    case 'json':
      return { ...base, text: serializeWatchwordExport(toWatchwordExport(items, now)), fileName: `watchword-export-${day}.json`, mediaType: 'application/json', plaintext: true };
    case 'csv':
      return { ...base, text: toCsvExport(items), fileName: `watchword-export-${day}.csv`, mediaType: 'text/csv', plaintext: true };
    case 'bitwarden-json': {
      const { data, skippedTrashed } = toBitwardenExport(items);
      return { ...base, items: data.items.length, skippedTrashed, text: `${JSON.stringify(data, null, 2)}\n`, fileName: `watchword-export-${day}-bitwarden.json`, mediaType: 'application/json', plaintext: true };
    }
    case 'encrypted-json': {
      const plaintext = serializeWatchwordExport(toWatchwordExport(items, now));
      let sealed;
      if ((options.key ?? 'password') === 'account') {
        if (!options.accountKey) throw new WatchwordError('VALIDATION_FAILED', { message: 'Sealing with the account key needs an unlocked vault.' });
        sealed = await sealExport(plaintext, { accountKey: options.accountKey, userId: options.userId });
      } else {
        if (options.exportPassword === undefined) throw new WatchwordError('VALIDATION_FAILED', { message: 'An encrypted export needs an export password (or the account key).' });
        sealed = await sealExport(plaintext, { password: options.exportPassword }, options.argon2 ? { argon2: options.argon2 } : {});
      }
      return { ...base, text: serializeEncryptedExport(sealed), fileName: `watchword-export-${day}.encrypted.json`, mediaType: 'application/json', plaintext: false };
    }
    default:
      throw new WatchwordError('VALIDATION_FAILED', { message: `Unknown export format (known: ${EXPORT_FORMATS.join(', ')}).` });
  }
}

/**
 * Exports the whole vault (trash included, except in the Bitwarden format): proves the master password again,
 * records the export in the server's audit log (the format and item count, never the content), then builds the
 * file here. Nothing is written anywhere: the caller saves `text` (0600 on disk, a download in the browser).
 */
export async function exportVault(vault: Vault, options: ExportOptions): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new WatchwordError('VALIDATION_FAILED', { message: `Unknown export format (known: ${EXPORT_FORMATS.join(', ')}).` });
  }
  const sealWithPassword = options.format === 'encrypted-json' && (options.key ?? 'password') === 'password';
  if (sealWithPassword) {
    if (options.exportPassword === undefined || options.exportPassword.length === 0) {
      throw new WatchwordError('VALIDATION_FAILED', { message: 'An encrypted export needs an export password (or the account key).' });
    }
    if (options.passwordPolicy !== false) await assertPasswordAcceptable(options.exportPassword, { email: vault.account.email });
  }
  const reauthToken = await reauthenticate(vault.session, options.masterPassword);
  const items = await vault.list({ trash: 'include' });
  const accountKey = options.format === 'encrypted-json' && options.key === 'account' ? vault.exportAccountKey() : undefined;
  try {
    const result = await buildExport(items, { ...options, userId: vault.userId, ...(accountKey ? { accountKey } : {}) });
    await vault.session.call(api.account.exportEvent, { body: { reauthToken, format: options.format, items: result.items } });
    return result;
  } finally {
    accountKey?.fill(0);
  }
}
