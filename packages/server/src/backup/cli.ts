/**
 * `ww-server backup --output FILE` and `ww-server restore FILE`. The passphrase comes from `--passphrase-stdin` (the
 * first line of standard input), else BACKUP_PASSPHRASE (automation), else a no-echo prompt (asked twice for a
 * backup). It is never an argument: arguments show in `ps` and shell history.
 */
import { createInterface } from 'node:readline';
import type { Config } from '../config.ts';
import { createBackup } from './backup.ts';
import { restoreBackup } from './restore.ts';
import { BackupError } from './sealed-file.ts';

export const BACKUP_USAGE = `usage: ww-server backup --output FILE [--passphrase-stdin]
       ww-server restore FILE [--passphrase-stdin]

backup   a consistent online copy of the SQLite database (the server may keep running) with the OPAQUE server setup,
         the server secret and the signing keys, sealed under a passphrase (Argon2id + AES-256-GCM); FILE is created
         0600 and never overwritten. On PostgreSQL (DATABASE_URL) the file holds the secrets only: back the database
         up with pg_dump (README "Backups").
restore  into an EMPTY data directory (DATA_DIR) only; on PostgreSQL, restore the dump with pg_restore first and
         set DATABASE_URL to it.

The passphrase: --passphrase-stdin (first line of standard input), else BACKUP_PASSPHRASE, else a prompt.
At least ${12} characters. Without it the backup cannot be opened: keep it apart from the backups.`;

const MIN_PASSPHRASE = 12;

function readLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let done = false;
    rl.once('line', (line) => {
      done = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!done) reject(new BackupError('--passphrase-stdin: standard input ended before a passphrase line', 'WW_BACKUP_USAGE'));
    });
  });
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!process.stdin.isTTY) return reject(new BackupError('no passphrase: use --passphrase-stdin or BACKUP_PASSPHRASE when not at a terminal', 'WW_BACKUP_USAGE'));
    process.stderr.write(question);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          return reject(new BackupError('cancelled', 'WW_BACKUP_USAGE'));
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function passphrase(flag: boolean, confirm: boolean): Promise<string> {
  let value: string;
  if (flag) value = await readLine();
  else if (process.env.BACKUP_PASSPHRASE !== undefined) value = process.env.BACKUP_PASSPHRASE;
  else {
    value = await promptHidden('Backup passphrase: ');
    if (confirm && (await promptHidden('Repeat the passphrase: ')) !== value) throw new BackupError('the passphrases do not match', 'WW_BACKUP_USAGE');
  }
  if ([...value].length < MIN_PASSPHRASE) throw new BackupError(`the passphrase must have at least ${MIN_PASSPHRASE} characters`, 'WW_BACKUP_USAGE');
  return value;
}

function parse(args: readonly string[], command: string): { positional: string[]; output?: string; stdin: boolean } {
  const out: { positional: string[]; output?: string; stdin: boolean } = { positional: [], stdin: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--passphrase-stdin') out.stdin = true;
    else if (arg === '--output' && command === 'backup') {
      const value = args[++i];
      if (value === undefined || value === '') throw new BackupError('--output needs a file name', 'WW_BACKUP_USAGE');
      out.output = value;
    } else if (arg.startsWith('--output=') && command === 'backup') out.output = arg.slice('--output='.length);
    else if (arg.startsWith('-')) throw new BackupError(`unknown option "${arg}" (see ww-server ${command} --help)`, 'WW_BACKUP_USAGE');
    else out.positional.push(arg);
  }
  return out;
}

/** Runs the sub-command; returns the line to print. @throws {BackupError} with a one-line message. */
export async function runBackupCommand(command: 'backup' | 'restore', args: readonly string[], config: Config): Promise<string> {
  if (args.includes('--help')) return `${BACKUP_USAGE}\n`;
  const parsed = parse(args, command);
  if (command === 'backup') {
    if (parsed.output === undefined || parsed.positional.length > 0) throw new BackupError('--output FILE is required (see ww-server backup --help)', 'WW_BACKUP_USAGE');
    const result = await createBackup(config, await passphrase(parsed.stdin, true), parsed.output);
    return result.database === 'sqlite'
      ? `backup written to ${parsed.output}: SQLite database (${result.databaseBytes} bytes), OPAQUE server setup, server secret, ${result.signingKeys} signing key(s)\n`
      : `backup written to ${parsed.output}: OPAQUE server setup, server secret, ${result.signingKeys} signing key(s) — the PostgreSQL data itself needs pg_dump (README "Backups")\n`;
  }
  const [file, ...rest] = parsed.positional;
  if (file === undefined || rest.length > 0) throw new BackupError('give exactly one backup FILE (see ww-server restore --help)', 'WW_BACKUP_USAGE');
  const result = await restoreBackup(config, await passphrase(parsed.stdin, false), file);
  return (
    `restored the backup of ${result.createdAt} into ${config.dataDir}: ${result.database === 'sqlite' ? 'SQLite database, ' : ''}secrets, ${result.signingKeys} signing key(s)\n` +
    (config.opaqueServerSetup !== undefined || config.serverSecret !== undefined
      ? 'note: OPAQUE_SERVER_SETUP / SERVER_SECRET are set in the environment and take precedence: they must equal the restored files in DATA_DIR/secrets/\n'
      : '')
  );
}
