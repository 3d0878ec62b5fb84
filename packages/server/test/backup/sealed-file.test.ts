/**
 * The sealed backup file in-process (cheap Argon2id parameters): any changed or missing byte is refused and the data
 * directory stays as it was; a backup of one kind of database is not restored onto the other; restore brings back
 * the same database bytes and secrets.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/backup.ts';
import { runBackupCommand } from '../../src/backup/cli.ts';
import { restoreBackup } from '../../src/backup/restore.ts';
import { BackupError } from '../../src/backup/sealed-file.ts';
import { loadConfig } from '../../src/config.ts';
import { OperatorError, type OperatorErrorCode } from '../../src/operator-errors.ts';
import { loadServerSecrets } from '../../src/keys/server-secrets.ts';
import { openStorage } from '../../src/storage/index.ts';
import { type TempDir, createTempDir } from '@watchword/testkit';

const CHEAP = { memoryKiB: 64, iterations: 1, parallelism: 1 };
const PASSPHRASE = 'sealed file test passphrase';

describe('sealed backup file', () => {
  let tmp: TempDir;
  let file: string;
  const dataDir = () => join(tmp.path, 'data');

  beforeAll(async () => {
    tmp = await createTempDir();
    const config = loadConfig({ DATA_DIR: dataDir() });
    const storage = await openStorage({ dataDir: config.dataDir });
    await storage.migrateToLatest();
    await loadServerSecrets(config, storage);
    await storage.close();
    file = join(tmp.path, 'b.backup');
    const result = await createBackup(config, PASSPHRASE, file, { argon2: CHEAP });
    expect(result).toMatchObject({ database: 'sqlite', signingKeys: 0 });
  });
  afterAll(async () => tmp?.remove());

  const restoreInto = (name: string, source = file, env: Record<string, string> = {}) => restoreBackup(loadConfig({ DATA_DIR: join(tmp.path, name), ...env }), PASSPHRASE, source);
  /** The message of the BackupError (an operator error) `promise` rejects with, checked to carry `code`. */
  const refused = async (promise: Promise<unknown>, code: OperatorErrorCode = 'WW_BACKUP_UNREADABLE') => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect(error).toBeInstanceOf(OperatorError);
    expect((error as OperatorError).code).toBe(code);
    return (error as Error).message;
  };

  it('restores the same secrets, and a database with the same tables', async () => {
    await restoreInto('ok');
    for (const name of ['opaque-server-setup', 'server-secret']) {
      expect(readFileSync(join(tmp.path, 'ok', 'secrets', name), 'utf8')).toBe(readFileSync(join(dataDir(), 'secrets', name), 'utf8'));
    }
    const storage = await openStorage({ dataDir: join(tmp.path, 'ok') });
    expect(await storage.pendingMigrations()).toEqual([]);
    await storage.close();
  });

  it('refuses a file with any byte changed, or cut short, and leaves no trace', async () => {
    const bytes = readFileSync(file);
    const headerEnd = bytes.indexOf(0x0a);
    for (const [label, at] of [['header', 10], ['manifest', headerEnd + 3], ['database', Math.floor(bytes.length / 2)], ['tag', bytes.length - 1]] as const) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      const changed = join(tmp.path, `changed-${label}`);
      writeFileSync(changed, copy);
      expect(await refused(restoreInto(`target-${label}`, changed)), label).toMatch(/wrong passphrase|damaged|not a Watchword/);
      expect(existsSync(join(tmp.path, `target-${label}`)), label).toBe(false);
    }
    const truncated = join(tmp.path, 'truncated');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    expect(await refused(restoreInto('target-truncated', truncated))).toMatch(/wrong passphrase|damaged/);
    expect(readdirSync(tmp.path).filter((n) => n.includes('.restore-'))).toEqual([]);
  });

  it('a SQLite backup is not restored onto PostgreSQL', async () => {
    expect(await refused(restoreInto('pg', file, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), 'WW_RESTORE_REFUSED')).toMatch(/DATABASE_URL is set/);
  });

  it('refuses a file that is not a backup', async () => {
    const other = join(tmp.path, 'other');
    writeFileSync(other, '{"format":"watchword","version":1}\n0000000000000000000000000000');
    expect(await refused(restoreInto('other-target', other))).toMatch(/not a Watchword server backup/);
    expect(await refused(restoreInto('other-target', join(tmp.path, 'no-such-file')))).toMatch(/cannot read .*no-such-file \(ENOENT\)/);
  });

  it('the command refuses a short passphrase, a missing --output and unknown options before doing anything', async () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    const saved = process.env.BACKUP_PASSPHRASE;
    process.env.BACKUP_PASSPHRASE = 'too short';
    try {
      const output = join(tmp.path, 'short.backup');
      expect(await refused(runBackupCommand('backup', ['--output', output], config), 'WW_BACKUP_USAGE')).toMatch(/at least 12 characters/);
      expect(existsSync(output)).toBe(false);
      expect(await refused(runBackupCommand('backup', [], config), 'WW_BACKUP_USAGE')).toMatch(/--output FILE is required/);
      expect(await refused(runBackupCommand('restore', [file, '--passphrase=x'], config), 'WW_BACKUP_USAGE')).toMatch(/unknown option/);
      expect(await refused(runBackupCommand('backup', ['--output', file], { ...config }), 'WW_BACKUP_USAGE')).toMatch(/at least 12/);
    } finally {
      if (saved === undefined) delete process.env.BACKUP_PASSPHRASE;
      else process.env.BACKUP_PASSPHRASE = saved;
    }
  });
});
