/**
 * The sealed backup file: one JSON header line, then the payload under AES-256-GCM, then the 16-byte tag.
 *
 *     {"format":"watchword-server-backup","version":1,"createdAt":…,"database":"sqlite"|"postgres",
 *      "kdf":{"name":"argon2id","memoryKiB":65536,"iterations":3,"parallelism":4,"salt":<16 bytes>},"nonce":<12 bytes>}\n
 *     AES-256-GCM(key, nonce, payload, aad = the header line without its "\n") ‖ tag
 *
 * key = Argon2id(passphrase, salt) (RFC 9106, @node-rs/argon2, m = 64 MiB, t = 3, p = 4), so the file alone does not
 * allow a cheap passphrase search. The payload is `u32 big-endian manifest length ‖ manifest JSON ‖ database file`;
 * it is streamed both ways, so a large database is never held in memory. Decryption writes the database to a file
 * the caller discards unless the tag verifies at the end (nothing of an unverified file is used).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { OperatorError } from '../operator-errors.ts';

export const BACKUP_FORMAT = 'watchword-server-backup';
export const BACKUP_VERSION = 1;
export const BACKUP_ARGON2ID = Object.freeze({ memoryKiB: 65_536, iterations: 3, parallelism: 4 });
const MAX_HEADER = 4096;
const MAX_MANIFEST = 4 * 1024 * 1024;
const TAG = 16;

type BackupErrorCode = 'WW_BACKUP_USAGE' | 'WW_BACKUP_REFUSED' | 'WW_RESTORE_REFUSED' | 'WW_BACKUP_UNREADABLE';

/** A failure of `ww-server backup` or `restore`: an operator error (operator-errors.ts); by default, an unusable file. */
export class BackupError extends OperatorError {
  constructor(message: string, code: BackupErrorCode = 'WW_BACKUP_UNREADABLE') {
    super(code, message);
    this.name = 'BackupError';
  }
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  createdAt: string;
  database: 'sqlite' | 'postgres';
  kdf: { name: 'argon2id'; memoryKiB: number; iterations: number; parallelism: number; salt: string };
  nonce: string;
}

/** Writes all of `data` (a single write may take only part of it). */
export async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += (await handle.write(data, offset, data.length - offset)).bytesWritten;
}

async function deriveKey(passphrase: string, kdf: BackupHeader['kdf']): Promise<Buffer> {
  const { hashRaw } = await import('@node-rs/argon2');
  // `algorithm: 2` is Argon2id in @node-rs/argon2's (const enum) numbering.
  return hashRaw(passphrase.normalize('NFKC'), {
    algorithm: 2,
    memoryCost: kdf.memoryKiB,
    timeCost: kdf.iterations,
    parallelism: kdf.parallelism,
    outputLen: 32,
    salt: Buffer.from(kdf.salt, 'base64url'),
  });
}

export interface SealInput {
  createdAt: Date;
  database: BackupHeader['database'];
  manifest: unknown;
  /** The database file to append after the manifest (SQLite), if any. */
  databaseFile?: string;
  argon2?: { memoryKiB: number; iterations: number; parallelism: number };
}

/** Writes the sealed file to an open handle (the caller created it 0600 and removes it on failure). */
export async function writeSealed(out: FileHandle, passphrase: string, input: SealInput): Promise<void> {
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: input.createdAt.toISOString(),
    database: input.database,
    kdf: { name: 'argon2id', ...(input.argon2 ?? BACKUP_ARGON2ID), salt: randomBytes(16).toString('base64url') },
    nonce: randomBytes(12).toString('base64url'),
  };
  const line = Buffer.from(JSON.stringify(header), 'utf8');
  const key = await deriveKey(passphrase, header.kdf);
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(header.nonce, 'base64url'));
  key.fill(0);
  cipher.setAAD(line);
  const manifest = Buffer.from(JSON.stringify(input.manifest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(manifest.length);
  await writeAll(out, Buffer.concat([line, Buffer.from('\n')]));
  await writeAll(out, cipher.update(Buffer.concat([length, manifest])));
  if (input.databaseFile) {
    for await (const chunk of createReadStream(input.databaseFile, { highWaterMark: 1024 * 1024 })) await writeAll(out, cipher.update(chunk as Buffer));
  }
  await writeAll(out, Buffer.concat([cipher.final(), cipher.getAuthTag()]));
  await out.sync();
}

function parseHeader(line: string): BackupHeader {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new BackupError('not a Watchword server backup (no header)');
  }
  if (h.format !== BACKUP_FORMAT) throw new BackupError('not a Watchword server backup');
  if (h.version !== BACKUP_VERSION) throw new BackupError(`backup version ${String(h.version)} is not supported by this server (it reads version ${BACKUP_VERSION})`);
  const kdf = h.kdf as Record<string, unknown> | undefined;
  const int = (v: unknown, min: number, max: number) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
  if (
    (h.database !== 'sqlite' && h.database !== 'postgres') ||
    !kdf || kdf.name !== 'argon2id' || !int(kdf.memoryKiB, 8, 4_194_304) || !int(kdf.iterations, 1, 64) || !int(kdf.parallelism, 1, 64) ||
    typeof kdf.salt !== 'string' || typeof h.nonce !== 'string' || Buffer.from(h.nonce, 'base64url').length !== 12 || typeof h.createdAt !== 'string'
  ) {
    throw new BackupError('the backup header is damaged');
  }
  return h as unknown as BackupHeader;
}

/** Reads only the header (no passphrase needed): what kind of backup a file is. */
export async function readHeader(path: string): Promise<{ header: BackupHeader; line: Buffer; bodyStart: number; size: number }> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new BackupError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(MAX_HEADER, size));
    await file.read(head, 0, head.length, 0);
    const end = head.indexOf(0x0a);
    if (end <= 0) throw new BackupError('not a Watchword server backup (no header)');
    const line = head.subarray(0, end);
    const header = parseHeader(line.toString('utf8'));
    if (size < end + 1 + 4 + TAG) throw new BackupError('the backup file is truncated');
    return { header, line: Buffer.from(line), bodyStart: end + 1, size };
  } finally {
    await file.close();
  }
}

/**
 * Decrypts a sealed file: the manifest is returned and the database bytes (if any) are written to `databaseOut`, which
 * the caller must delete unless this resolves. Rejects with BackupError when the passphrase is wrong or any byte of the
 * file was changed (the GCM tag), after which nothing it read may be used.
 */
export async function openSealed(path: string, passphrase: string, databaseOut: FileHandle | undefined): Promise<{ header: BackupHeader; manifest: unknown }> {
  const { header, line, bodyStart, size } = await readHeader(path);
  const file = await open(path, 'r');
  let manifest: unknown;
  try {
    const tag = Buffer.alloc(TAG);
    await file.read(tag, 0, TAG, size - TAG);
    const key = await deriveKey(passphrase, header.kdf);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.nonce, 'base64url'));
    key.fill(0);
    decipher.setAAD(line);
    decipher.setAuthTag(tag);
    let pending = Buffer.alloc(0);
    let manifestLength: number | undefined;
    const take = async (plain: Buffer) => {
      if (manifest === undefined) {
        pending = Buffer.concat([pending, plain]);
        if (manifestLength === undefined && pending.length >= 4) {
          manifestLength = pending.readUInt32BE(0);
          if (manifestLength > MAX_MANIFEST) throw new BackupError('wrong passphrase, or the backup file is damaged');
        }
        if (manifestLength === undefined || pending.length < 4 + manifestLength) return;
        const text = pending.subarray(4, 4 + manifestLength).toString('utf8');
        plain = pending.subarray(4 + manifestLength);
        pending = Buffer.alloc(0);
        manifest = text;
      }
      if (plain.length > 0) {
        if (!databaseOut) throw new BackupError('wrong passphrase, or the backup file is damaged');
        await writeAll(databaseOut, plain);
      }
    };
    const stream = createReadStream(path, { start: bodyStart, end: size - TAG - 1, highWaterMark: 1024 * 1024 });
    for await (const chunk of stream) await take(decipher.update(chunk as Buffer));
    try {
      await take(decipher.final());
    } catch (error) {
      if (error instanceof BackupError) throw error;
      throw new BackupError('wrong passphrase, or the backup file is damaged');
    }
    if (typeof manifest !== 'string') throw new BackupError('the backup file is damaged');
    await databaseOut?.sync();
    return { header, manifest: JSON.parse(manifest) as unknown };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('wrong passphrase, or the backup file is damaged');
  } finally {
    await file.close();
  }
}
