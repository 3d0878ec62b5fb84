/**
 * `ww-server restore FILE`: puts a backup made by `ww-server backup` into an EMPTY data directory — the SQLite
 * database (when the backup holds one), `secrets/` and `keys/jwt/` — and refuses anything else, so a restore can never
 * overwrite a live installation. Everything is written to a private staging directory beside DATA_DIR first and moved
 * into place only once the whole file has been decrypted and verified; a failure leaves DATA_DIR as it was.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, statSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { writeSecretFile } from '../keys/files.ts';
import { secretPaths, setupFingerprint } from '../keys/server-secrets.ts';
import { SQLITE_FILE_NAME } from '../storage/sqlite-file.ts';
import { type BackupManifest, KEY_FILE_NAME, SIGNING_KEY_DIR } from './backup.ts';
import { BackupError, openSealed, readHeader } from './sealed-file.ts';

export interface RestoreResult {
  database: 'sqlite' | 'postgres';
  createdAt: string;
  signingKeys: number;
}

function assertEmptyTarget(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  if (!statSync(dataDir).isDirectory()) throw new BackupError(`${dataDir} (DATA_DIR) is not a directory`, 'WW_RESTORE_REFUSED');
  if (readdirSync(dataDir).length > 0) throw new BackupError(`${dataDir} (DATA_DIR) is not empty: restore only into an empty data directory (nothing was changed)`, 'WW_RESTORE_REFUSED');
}

function checkManifest(value: unknown, kind: 'sqlite' | 'postgres'): BackupManifest {
  const m = value as Partial<BackupManifest> | null;
  const ok =
    m !== null && typeof m === 'object' &&
    typeof m.secrets?.opaqueServerSetup === 'string' && typeof m.secrets.serverSecret === 'string' &&
    Array.isArray(m.signingKeys) && m.signingKeys.every((k) => typeof k?.name === 'string' && KEY_FILE_NAME.test(k.name) && typeof k.content === 'string') &&
    m.database?.kind === kind;
  if (!ok) throw new BackupError('the backup file is damaged (its contents do not match its header)');
  return m as BackupManifest;
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

export async function restoreBackup(config: Config, passphrase: string, file: string): Promise<RestoreResult> {
  const dataDir = resolve(config.dataDir);
  const { header } = await readHeader(file);
  if (header.database === 'sqlite' && config.databaseUrl !== undefined) {
    throw new BackupError('this backup holds an embedded SQLite database, but DATABASE_URL is set: unset it to restore onto SQLite', 'WW_RESTORE_REFUSED');
  }
  if (header.database === 'postgres' && config.databaseUrl === undefined) {
    throw new BackupError('this backup is of a PostgreSQL installation (secrets only): set DATABASE_URL to the database you restore with pg_restore (README "Backups")', 'WW_RESTORE_REFUSED');
  }
  assertEmptyTarget(dataDir);
  mkdirSync(dirname(dataDir), { recursive: true });
  const staging = await mkdtemp(join(dirname(dataDir), `.${basename(dataDir)}.restore-`));
  try {
    const databasePath = join(staging, SQLITE_FILE_NAME);
    const database = header.database === 'sqlite' ? await open(databasePath, 'wx', 0o600) : undefined;
    let manifest: BackupManifest;
    try {
      manifest = checkManifest((await openSealed(file, passphrase, database)).manifest, header.database);
    } finally {
      await database?.close();
    }
    if (manifest.database.kind === 'sqlite') {
      const { bytes, sha256 } = manifest.database;
      if (statSync(databasePath).size !== bytes || (await sha256File(databasePath)) !== sha256) throw new BackupError('the backup file is damaged (database checksum)');
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(databasePath, { fileMustExist: true });
      try {
        const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('opaque_setup_fingerprint') as { value: string } | undefined;
        if (row && row.value !== setupFingerprint(manifest.secrets.opaqueServerSetup)) throw new BackupError('the backup’s secrets do not match its database');
      } finally {
        db.close();
      }
    }
    const paths = secretPaths(staging);
    writeSecretFile(paths.opaqueSetup, manifest.secrets.opaqueServerSetup);
    writeSecretFile(paths.serverSecret, manifest.secrets.serverSecret);
    for (const key of manifest.signingKeys) writeSecretFile(join(staging, ...SIGNING_KEY_DIR, key.name), key.content.replace(/\n$/, ''));
    // Checked again right before the move: nothing may have appeared in DATA_DIR meanwhile.
    assertEmptyTarget(dataDir);
    if (existsSync(dataDir)) rmdirSync(dataDir);
    renameSync(staging, dataDir);
    return { database: header.database, createdAt: header.createdAt, signingKeys: manifest.signingKeys.length };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
