import { closeSync, constants, fsyncSync, openSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { PasswordPolicyError, checkPassword } from '@watchword/client';
import { EXPORT_FORMATS, type ExportFormat, exportVault } from '@watchword/client/export';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { promptHidden } from '../prompt.ts';

type Ctx = (cmd: Command) => CliContext;

/**
 * Writes `text` to a new file readable by its owner only (0600). The file must not exist: O_EXCL refuses an existing
 * path — a symbolic link included, so a link planted where the export goes cannot redirect it — and O_NOFOLLOW refuses
 * a link as the last component on systems where O_EXCL alone would not.
 */
export function writePrivateFile(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') throw new CliError(`${path} already exists: choose another --output (an export never overwrites a file or follows a link)`, EXIT.usage);
    throw new CliError(`cannot create ${path} (${code ?? 'error'})`, EXIT.usage);
  }
  try {
    // writeFileSync on a descriptor writes everything (a single write may take only part of a large export).
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function exportCommands(program: Command, context: Ctx): void {
  program
    .command('export')
    .description('write the whole vault to a file (asks for the master password again; the export is recorded in your activity)')
    .addOption(new Option('--format <format>', 'json (Watchword, lossless), csv, encrypted-json or bitwarden-json').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option('--output <file>', 'file to create, mode 0600; never overwritten ("-": standard output). Default: watchword-export-DATE.<ext> here')
    .addOption(new Option('--key <key>', 'encrypted-json: seal with an export password chosen now, or with your account key').choices(['password', 'account']).default('password'))
    .action(async (opts: { format: ExportFormat; output?: string; key: 'password' | 'account' }, cmd: Command) => {
      const ctx = context(cmd);
      const stored = ctx.requireLogin();
      if (opts.key === 'account' && opts.format !== 'encrypted-json') throw new CliError('--key applies to --format encrypted-json only', EXIT.usage);
      // Fresh authentication: the master password is asked for even when WATCHWORD_SESSION keeps the vault unlocked.
      const masterPassword = await ctx.password('Master password (again, to export): ');
      let exportPassword: string | undefined;
      if (opts.format === 'encrypted-json' && opts.key === 'password') exportPassword = await askExportPassword(ctx, stored.email);
      const vault = await ctx.vault({ password: masterPassword, items: 'all' });
      const result = await exportVault(vault, { format: opts.format, masterPassword, key: opts.key, ...(exportPassword !== undefined ? { exportPassword } : {}) });
      const output = opts.output ?? result.fileName;
      if (output === '-') process.stdout.write(result.text);
      else writePrivateFile(output, result.text);
      const where = output === '-' ? 'standard output' : output;
      if (result.plaintext) {
        ctx.info(`Warning: this ${opts.format} export is NOT encrypted — anyone who can read ${where === 'standard output' ? 'it' : where} can read every password in it. Keep it offline and delete it when you are done.`);
      }
      if (result.skippedTrashed > 0) ctx.info(`${result.skippedTrashed} item(s) in the trash left out (the Bitwarden format has no trash).`);
      if (ctx.json) return output === '-' ? undefined : ctx.out(JSON.stringify({ exported: result.items, format: opts.format, file: output, skippedTrashed: result.skippedTrashed }));
      ctx.info(`Exported ${result.items} item(s) to ${where}${output === '-' ? '' : ' (mode 0600)'}.`);
    });
}

/**
 * The password that seals an encrypted export: WATCHWORD_EXPORT_PASSWORD, or the next line with --password-stdin, or a
 * prompt asked twice. It protects the whole vault offline, so it must pass the master-password policy.
 */
async function askExportPassword(ctx: CliContext, email: string): Promise<string> {
  const given = ctx.options.passwordStdin ? await ctx.answer('Export password: ', { hidden: true }) : ctx.env.WATCHWORD_EXPORT_PASSWORD;
  if (given !== undefined) {
    if (given.length === 0) throw new CliError('the export password is empty', EXIT.usage);
    return given;
  }
  for (let attempt = 1; ; attempt++) {
    const candidate = await promptHidden('Export password (seals the file; you will need it to open it): ');
    const check = await checkPassword(candidate, { email });
    if (!check.ok) {
      const error = new PasswordPolicyError(check);
      ctx.info(error.message);
      if (attempt >= 3) throw error;
      continue;
    }
    if ((await promptHidden('Repeat the export password: ')) !== candidate) throw new CliError('the passwords do not match', EXIT.usage);
    return candidate;
  }
}
