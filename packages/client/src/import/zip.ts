import { Unzip, UnzipInflate } from 'fflate';
import { IMPORT_LIMITS } from './limits.ts';
import { importError } from './types.ts';

export const isZip = (bytes: Uint8Array) => bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/**
 * Reads the entries of a zip file that `wanted` picks, streaming through fflate: entries are counted as they appear
 * and inflated bytes are counted as they come out, so a zip bomb stops at IMPORT_LIMITS rather than filling memory.
 * The other entries are listed (their names returned) but never inflated.
 */
export function readZip(bytes: Uint8Array, wanted: (name: string) => boolean): { files: Map<string, Uint8Array>; names: string[] } {
  const files = new Map<string, Uint8Array>();
  const names: string[] = [];
  let inflated = 0;
  let failure: Error | undefined;
  const unzip = new Unzip((file) => {
    if (failure) return;
    names.push(file.name);
    if (names.length > IMPORT_LIMITS.maxZipEntries) {
      failure = importError('IMPORT_TOO_LARGE', `zip entry ${names.length}: more than ${IMPORT_LIMITS.maxZipEntries} entries`, { entry: names.length });
      return;
    }
    if (!wanted(file.name)) return;
    const chunks: Uint8Array[] = [];
    file.ondata = (error, data, final) => {
      if (failure) return;
      if (error) {
        failure = importError('IMPORT_UNREADABLE', `zip entry ${names.length} (${safeName(file.name)}): it cannot be inflated`, { entry: names.length });
        return;
      }
      inflated += data.length;
      if (inflated > IMPORT_LIMITS.maxUncompressedBytes) {
        failure = importError('IMPORT_TOO_LARGE', `zip entry ${names.length} (${safeName(file.name)}): inflates past ${IMPORT_LIMITS.maxUncompressedBytes / 1024 / 1024} MiB`, { entry: names.length });
        file.terminate();
        return;
      }
      chunks.push(data);
      if (final) files.set(file.name, concat(chunks));
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  // Pushed in slices so that an oversized entry is caught after a slice's worth of inflation, not after all of it.
  const slice = 64 * 1024;
  try {
    for (let at = 0; at < bytes.length && !failure; at += slice) unzip.push(bytes.subarray(at, at + slice), at + slice >= bytes.length);
  } catch {
    const last = names.at(-1);
    failure ??= importError('IMPORT_UNREADABLE', last === undefined ? 'the zip file is malformed or truncated' : `zip entry ${names.length} (${safeName(last)}): malformed or truncated`, { entry: names.length });
  }
  if (failure) throw failure;
  return { files, names };
}

function safeName(name: string): string {
  return name.replace(/[^\w./ -]/g, '?').slice(0, 80);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
