import { argon2d, argon2id } from 'hash-wasm';
import * as kdbxweb from 'kdbxweb';
import { makeItem } from './item-builder.ts';
import { type KeePassEntry, keePassDraft } from './keepass-entry.ts';
import { IMPORT_LIMITS } from './limits.ts';
import { type ImportedItem, importError } from './types.ts';

/** The largest Argon2 cost a KDBX file may ask for here: KeePassXC's defaults are 64 MiB and a few passes. */
const MAX_ARGON2_KIB = 1024 * 1024;
const MAX_ARGON2_PASSES = 1000;

// kdbxweb ships without Argon2 (KDBX 4's default key derivation); hash-wasm's WebAssembly Argon2 runs the same in
// Node and the browser. Version 0x10 (Argon2 1.0) is refused: hash-wasm implements 1.3 (0x13), what KeePass writes.
kdbxweb.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type, version) => {
  if (version !== 0x13) throw importError('IMPORT_UNREADABLE', 'the KDBX file uses Argon2 version 1.0, which Watchword cannot open');
  if (memory > MAX_ARGON2_KIB || iterations > MAX_ARGON2_PASSES || parallelism > 64) throw importError('IMPORT_TOO_LARGE', 'the KDBX file asks for an Argon2 cost beyond 1 GiB or 1000 passes');
  const args = { password: new Uint8Array(password), salt: new Uint8Array(salt), memorySize: memory, iterations, parallelism, hashLength: length, outputType: 'binary' as const };
  const hash = type === kdbxweb.CryptoEngine.Argon2TypeArgon2id ? await argon2id(args) : await argon2d(args);
  return hash.buffer.slice(hash.byteOffset, hash.byteOffset + hash.byteLength) as ArrayBuffer;
});

export const isKdbx = (bytes: Uint8Array): boolean =>
  bytes.length >= 8 && bytes[0] === 0x03 && bytes[1] === 0xd9 && bytes[2] === 0xa2 && bytes[3] === 0x9a && bytes[4] === 0x67 && bytes[5] === 0xfb && bytes[6] === 0x4b && bytes[7] === 0xb5;

/** Opens a KDBX 3.1 or 4 database with its master password (no key file) and reads every entry. */
export async function parseKdbx(bytes: Uint8Array, password: string | undefined): Promise<ImportedItem[]> {
  if (password === undefined) throw importError('IMPORT_PASSWORD_REQUIRED', 'a KeePass database (KDBX) is encrypted: give its master password');
  let db: kdbxweb.Kdbx;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    db = await kdbxweb.Kdbx.load(buffer, new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(password)));
  } catch (error) {
    if (error instanceof kdbxweb.KdbxError && error.code === kdbxweb.Consts.ErrorCodes.InvalidKey) throw importError('IMPORT_WRONG_PASSWORD', 'the password does not open this KeePass database');
    if (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('IMPORT_')) throw error;
    const what = error instanceof kdbxweb.KdbxError ? error.code : 'damaged';
    throw importError('IMPORT_UNREADABLE', `the KeePass database cannot be read (${what})`, { reason: what });
  }
  const binUuid = db.meta.recycleBinEnabled ? db.meta.recycleBinUuid?.id : undefined;
  const entries: KeePassEntry[] = [];
  const walk = (group: kdbxweb.KdbxGroup, path: string[], trashed: boolean, depth: number) => {
    if (depth > IMPORT_LIMITS.maxDepth) throw importError('IMPORT_TOO_LARGE', `groups nest deeper than ${IMPORT_LIMITS.maxDepth}`);
    const inBin = trashed || (binUuid !== undefined && group.uuid.id === binUuid);
    for (const entry of group.entries) entries.push(readEntry(entry, inBin ? [] : path, inBin));
    for (const child of group.groups) walk(child, inBin ? [] : [...path, child.name ?? ''], inBin, depth + 1);
  };
  for (const root of db.groups) walk(root, [], false, 0);
  return entries.map((e, i) => makeItem(keePassDraft(e), `entry ${i + 1}`));
}

function text(value: kdbxweb.KdbxEntryField | undefined): string {
  if (value === undefined) return '';
  return value instanceof kdbxweb.ProtectedValue ? value.getText() : value;
}

function readEntry(entry: kdbxweb.KdbxEntry, groups: string[], trashed: boolean): KeePassEntry {
  const strings = new Map<string, { value: string; protected: boolean }>();
  for (const [key, value] of entry.fields) strings.set(key, { value: text(value), protected: value instanceof kdbxweb.ProtectedValue });
  return {
    strings,
    tags: entry.tags.join(';'),
    attachments: [...entry.binaries.keys()],
    groups,
    trashed,
    history: entry.history.map((h) => text(h.fields.get('Password'))),
  };
}
