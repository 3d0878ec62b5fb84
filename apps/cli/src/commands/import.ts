import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  DUPLICATE_CHOICES,
  type DuplicateChoice,
  IMPORT_FORMATS,
  IMPORT_LIMITS,
  type ImportFormat,
  type ImportSummary,
  WatchwordError,
  commitImport,
  parseImportFile,
  previewImport,
} from '@watchword/client';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { clean, progressBar } from '../output.ts';
import { promptHidden, promptVisible, readStdinLine } from '../prompt.ts';

interface ImportOptions {
  format?: ImportFormat;
  yes?: boolean;
  dryRun?: boolean;
  duplicates?: DuplicateChoice;
  filePasswordStdin?: boolean;
}

/** Reads the whole file, refusing one past the import limit before reading it. */
function readFile(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new CliError(`cannot read ${path}`, EXIT.usage);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > IMPORT_LIMITS.maxFileBytes) throw new CliError(`${path}: larger than ${IMPORT_LIMITS.maxFileBytes / 1024 / 1024} MiB, the most one import reads`, EXIT.usage);
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** The summary as lines for the terminal (names cleaned of control characters). */
export function describeSummary(s: ImportSummary, file: string): string[] {
  const types = Object.entries(s.byType).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${n === 1 ? t : t === 'identity' ? 'identities' : `${t}s`}`).join(', ');
  const lines = [`${clean(file)}: ${s.format}, ${s.total} item(s) — ${types || 'none'}`];
  if (s.trashed > 0) lines.push(`  ${s.trashed} go to the trash (they were in the trash there)`);
  if (s.archived > 0) lines.push(`  ${s.archived} archived`);
  lines.push('  Folders:');
  for (const f of s.byFolder) lines.push(`    ${f.folder === '' ? '(no folder)' : clean(f.folder)}: ${f.count}`);
  if (s.leftOut.length > 0) {
    lines.push(`  Left out (cannot come in), ${s.leftOut.length} item(s):`);
    for (const l of s.leftOut) lines.push(`    ${clean(l.name)} (${l.source}): ${l.what.map(clean).join(', ')}`);
  }
  if (s.duplicates.length > 0) {
    lines.push(`  Already in the vault (same name, user name and host), ${s.duplicates.length} item(s):`);
    for (const d of s.duplicates) lines.push(`    ${clean(d.name)} (${d.source})`);
  }
  return lines;
}

async function parse(bytes: Uint8Array, opts: ImportOptions) {
  const base = { bytes, ...(opts.format ? { format: opts.format } : {}) };
  if (opts.filePasswordStdin) return parseImportFile({ ...base, password: await readStdinLine('the password of the file') });
  try {
    return await parseImportFile(base);
  } catch (error) {
    if (!(error instanceof WatchwordError) || error.code !== 'IMPORT_PASSWORD_REQUIRED' || !process.stdin.isTTY) throw error;
    return parseImportFile({ ...base, password: await promptHidden('Password of the file: ') });
  }
}

export function importCommand(program: Command, context: (cmd: Command) => CliContext): void {
  program
    .command('import <file>')
    .description('add the items of an export file from another password manager (or Watchword); shows what will come in first')
    .addOption(new Option('--format <format>', 'the file format (default: detected from the content)').choices([...IMPORT_FORMATS]))
    .option('--yes', 'import without asking')
    .option('--dry-run', 'only show what would be imported')
    .addOption(new Option('--duplicates <choice>', 'items already in the vault (same name, user name and host): skip, merge or keep both').choices([...DUPLICATE_CHOICES]))
    .option('--file-password-stdin', 'read the password of an encrypted file (Bitwarden, KDBX) as the first line of standard input')
    .action(async (file: string, opts: ImportOptions, cmd: Command) => {
      const ctx = context(cmd);
      const parsed = await parse(readFile(file), opts);
      if (parsed.items.length === 0) return ctx.info('Nothing to import.');
      // The duplicate check reads every item: all of the local copy is decrypted for it.
      const vault = await ctx.vault({ items: 'all' });
      const plan = await previewImport(vault, parsed);
      if (ctx.json && opts.dryRun) return ctx.out(JSON.stringify({ summary: plan.summary }));
      for (const line of describeSummary(plan.summary, file)) ctx.info(line);
      if (opts.dryRun) return ctx.info('Dry run: nothing was imported.');
      let duplicates = opts.duplicates;
      if (duplicates === undefined && plan.duplicates.size > 0) {
        if (opts.yes || !process.stdin.isTTY) {
          duplicates = 'skip';
          ctx.info('Items already in the vault are skipped (choose with --duplicates skip|merge|keep).');
        } else {
          const answer = (await promptVisible('Items already in the vault: [s]kip, [m]erge or [k]eep both? ')).trim().toLowerCase();
          duplicates = answer.startsWith('m') ? 'merge' : answer.startsWith('k') ? 'keep' : 'skip';
        }
      }
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new CliError('no terminal to confirm on: add --yes to import, or --dry-run to only look', EXIT.usage);
        const answer = (await promptVisible('Import these items? [y/N] ')).trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') return ctx.info('Nothing was imported.');
      }
      const bar = progressBar(parsed.items.length - (duplicates === 'skip' || duplicates === undefined ? plan.duplicates.size : 0));
      const result = await commitImport(vault, plan, { duplicates: duplicates ?? 'skip', onProgress: bar.update });
      bar.done();
      if (ctx.json) return ctx.out(JSON.stringify({ ...result, summary: plan.summary }));
      ctx.info(
        `Imported ${result.added} item(s)${result.trashed ? ` (${result.trashed} into the trash)` : ''}${result.merged ? `, merged ${result.merged}` : ''}${result.skipped ? `, skipped ${result.skipped} already in the vault` : ''}.`,
      );
      ctx.info('Delete the export file now: it holds your passwords unencrypted.');
    });
}
