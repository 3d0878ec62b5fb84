/**
 * `ww-server backup`: a consistent online copy of the embedded SQLite database (SQLite's online backup API through
 * better-sqlite3, safe while the server keeps writing) together with the secrets the data cannot be used without —
 * the OPAQUE server setup, the server secret and the token-signing keys — sealed under a passphrase (sealed-file.ts).
 * On PostgreSQL the database is backed up with pg_dump (README "Backups") and this file holds the secrets only.
 */
import { createHash } from 'node:crypto';
import { constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { readSecretFile } from '../keys/files.ts';
import { FINGERPRINT_KEY, secretPaths, setupFingerprint } from '../keys/server-secrets.ts';
import { openStorage } from '../storage/index.ts';
import { SQLITE_FILE_NAME } from '../storage/sqlite-file.ts';
import { BackupError, writeSealed } from './sealed-file.ts';

export interface BackupManifest {
  createdAt: string;
  database: { kind: 'sqlite'; bytes: number; sha256: string } | { kind: 'postgres' };
  secrets: { opaqueServerSetup: string; serverSecret: string };
  /** Every file of DATA_DIR/keys/jwt/, by name. */
  signingKeys: { name: string; content: string }[];
}

export const SIGNING_KEY_DIR = ['keys', 'jwt'] as const;
/** A signing-key file name as the key store writes them; nothing else is taken into (or out of) a backup. */
export const KEY_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export interface BackupResult {
  database: 'sqlite' | 'postgres';
  databaseBytes: number;
  signingKeys: number;
}

function secretsOf(config: Config): BackupManifest['secrets'] {
  const paths = secretPaths(config.dataDir);
  const opaqueServerSetup = config.opaqueServerSetup ?? readSecretFile(paths.opaqueSetup);
  const serverSecret = config.serverSecret ?? readSecretFile(paths.serverSecret);
  if (opaqueServerSetup === undefined || serverSecret === undefined) {
    throw new BackupError(`the server secrets are missing (OPAQUE_SERVER_SETUP / SERVER_SECRET or ${join(config.dataDir, 'secrets')}): a backup without them could not be used`, 'WW_BACKUP_REFUSED');
  }
  return { opaqueServerSetup, serverSecret };
}

function signingKeysOf(dataDir: string): BackupManifest['signingKeys'] {
  const dir = join(dataDir, ...SIGNING_KEY_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => KEY_FILE_NAME.test(name) && !name.endsWith('.tmp') && statSync(join(dir, name)).isFile())
    .sort()
    .map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * Copies the live SQLite database to `target` with the online backup API. Each step holds a read transaction; under
 * WAL it never blocks the server's writers, and a write between steps makes SQLite restart the copy. The copy is
 * therefore done in as few steps as possible (all remaining pages per step), so it finishes under constant writes.
 */
async function copySqlite(dataDir: string, target: string): Promise<string | undefined> {
  const file = join(dataDir, SQLITE_FILE_NAME);
  if (!existsSync(file)) throw new BackupError(`no database at ${file} (DATA_DIR): nothing to back up`, 'WW_BACKUP_REFUSED');
  const { default: Database } = await import('better-sqlite3');
  // Read-write like the server's own connection: a read-only one cannot open a WAL database whose -shm is missing.
  const source = new Database(file, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(target, { progress: () => 2_147_483_647 });
  } finally {
    source.close();
  }
  const copy = new Database(target, { fileMustExist: true });
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError('the copied database failed its integrity check', 'WW_BACKUP_REFUSED');
    // A database that never ran has no fingerprint yet; one with accounts always has (server-secrets.ts).
    const row = copy.prepare('SELECT value FROM meta WHERE key = ?').get(FINGERPRINT_KEY) as { value: string } | undefined;
    // The copy is a single file: no WAL beside it.
    copy.pragma('journal_mode = DELETE');
    return row?.value;
  } finally {
    copy.close();
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    for await (const chunk of file.createReadStream({ highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  } finally {
    await file.close().catch(() => undefined);
  }
  return hash.digest('hex');
}

/** Creates `output` (0600, never overwriting) holding the sealed backup. */
export async function createBackup(config: Config, passphrase: string, output: string, options: { argon2?: { memoryKiB: number; iterations: number; parallelism: number }; now?: Date } = {}): Promise<BackupResult> {
  const secrets = secretsOf(config);
  const signingKeys = signingKeysOf(config.dataDir);
  const createdAt = options.now ?? new Date();
  // The database copy is staged beside the output (same filesystem and free space the backup itself needs), not in
  // the system's temporary directory, which is often a small in-memory filesystem.
  const work = await mkdtemp(join(dirname(resolve(output)), '.ww-backup-'));
  let out;
  try {
    out = await open(output, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new BackupError(code === 'EEXIST' || code === 'ELOOP' ? `${output} already exists: a backup never overwrites a file` : `cannot create ${output} (${code ?? 'error'})`, 'WW_BACKUP_REFUSED');
  }
  let done = false;
  try {
    let manifest: BackupManifest;
    let databaseFile: string | undefined;
    let fingerprint: string | undefined;
    if (config.databaseUrl === undefined) {
      databaseFile = join(work, SQLITE_FILE_NAME);
      fingerprint = await copySqlite(config.dataDir, databaseFile);
      manifest = { createdAt: createdAt.toISOString(), database: { kind: 'sqlite', bytes: statSync(databaseFile).size, sha256: await sha256File(databaseFile) }, secrets, signingKeys };
    } else {
      const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, connectTimeoutMs: config.dbConnectTimeoutMs });
      try {
        fingerprint = await storage.meta.get(FINGERPRINT_KEY);
      } finally {
        await storage.close();
      }
      manifest = { createdAt: createdAt.toISOString(), database: { kind: 'postgres' }, secrets, signingKeys };
    }
    // Never pair a database with secrets it was not made with: such a backup could not be restored.
    if (fingerprint !== undefined && fingerprint !== setupFingerprint(secrets.opaqueServerSetup)) {
      throw new BackupError('the OPAQUE server setup does not match the database (fingerprint differs); refusing to write a backup that could not be used', 'WW_BACKUP_REFUSED');
    }
    await writeSealed(out, passphrase, { createdAt, database: manifest.database.kind, manifest, ...(databaseFile ? { databaseFile } : {}), ...(options.argon2 ? { argon2: options.argon2 } : {}) });
    done = true;
    return { database: manifest.database.kind, databaseBytes: manifest.database.kind === 'sqlite' ? manifest.database.bytes : 0, signingKeys: signingKeys.length };
  } finally {
    await out.close();
    if (!done) await unlink(output).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}
