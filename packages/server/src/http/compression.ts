import { Readable, pipeline } from 'node:stream';
import { brotliCompress, constants, createBrotliCompress, createGzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { api } from '@watchword/protocol';
import type { App } from './types.ts';

/**
 * The sync answers, personal and shared (ids, timestamps, sealed keys and base64url ciphertext), are compressed with br or gzip, as the client's
 * Accept-Encoding asks (docs/performance.md "Full sync"; BREACH reasoning in docs/threat-model.md).
 *
 * Only the routes in COMPRESSED_ROUTES, whose answers hold no secret and reflect nothing of the request; every other
 * answer (tokens, OPAQUE messages, admin lists that echo a search text) goes out as it is. Only answers of at least
 * COMPRESS_MIN_BYTES: below that, the CPU and the extra header cost more than the bytes saved. node:zlib rather than a plugin: one hook, no streams to wire, and the quality levels are
 * ours to choose — the fastest, since a 20 MB sync compressed at brotli's default (11) takes seconds.
 */
export const COMPRESS_MIN_BYTES = 16 * 1024;

const COMPRESSED_ROUTES: ReadonlySet<string> = new Set([api.items.list, api.vaults.sync, api.vaults.syncQuery].map((r) => `${r.method} ${r.path}`));

/**
 * The fastest settings: on a sync answer (base64url ciphertext in JSON) brotli 1 compresses as well as 4 in a third
 * of the time, and gzip 1 as well as 4; the higher levels only find the same repeated keys and ids
 * (docs/performance.md "Full sync").
 */
const BROTLI_QUALITY = 1;
const GZIP_LEVEL = 1;

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

export type Coding = 'br' | 'gzip';

/** Bounded: a header longer than this is not parsed (answered uncompressed). */
const MAX_ACCEPT_ENCODING = 512;

/** The coding to use for an Accept-Encoding header (RFC 9110 §12.5.3), or undefined for identity. br preferred. */
export function negotiateEncoding(header: string | string[] | undefined): Coding | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value || value.length > MAX_ACCEPT_ENCODING) return undefined;
  const q = new Map<string, number>();
  for (const part of value.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]{1,5})\s*$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (Number.isFinite(weight)) q.set(name, weight);
  }
  const weightOf = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  const br = weightOf('br');
  const gzipWeight = Math.max(weightOf('gzip'), q.get('x-gzip') ?? 0);
  if (br > 0 && br >= gzipWeight) return 'br';
  if (gzipWeight > 0) return 'gzip';
  return undefined;
}

export function compress(coding: Coding, body: Buffer): Promise<Buffer> {
  return coding === 'br'
    ? brotli(body, brotliOptions(body.length))
    : gz(body, { level: GZIP_LEVEL });
}

function brotliOptions(sizeHint?: number) {
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      ...(sizeHint === undefined ? {} : { [constants.BROTLI_PARAM_SIZE_HINT]: sizeHint }),
    },
  };
}

/**
 * Output chunk of the streamed compressors. zlib's default, 16 KiB, hands each 16 KiB of output back to JavaScript
 * from the thread pool: a 50,000-item sync made ~700 such round trips, a quarter of the server's CPU in the stream's
 * callbacks. A page of the sync is ~0.45 MB, so 128 KiB chunks cut the trips eightfold for 128 KiB per stream.
 */
const STREAM_CHUNK_BYTES = 128 * 1024;

/** A streamed answer (a sync of more than one page) compressed as it goes; an error on either side ends both. */
function compressStream(coding: Coding, body: Readable): Readable {
  const encoder = coding === 'br'
    ? createBrotliCompress({ ...brotliOptions(), chunkSize: STREAM_CHUNK_BYTES })
    : createGzip({ level: GZIP_LEVEL, chunkSize: STREAM_CHUNK_BYTES });
  return pipeline(body, encoder, () => {});
}

function appendVary(current: unknown, value: string): string {
  if (typeof current !== 'string' || current === '') return value;
  if (current.split(',').some((v) => v.trim().toLowerCase() === value || v.trim() === '*')) return current;
  return `${current}, ${value}`;
}

/** Registered before the write batching, so the held answer is the compressed one. */
export function registerCompression(app: App): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!COMPRESSED_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return payload;
    if (reply.hasHeader('content-encoding')) return payload;
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !type.startsWith('application/json')) return payload;
    // A sync of more than one page is streamed (modules/items): always worth compressing.
    if (payload instanceof Readable) {
      reply.header('vary', appendVary(reply.getHeader('vary'), 'accept-encoding'));
      const coding = negotiateEncoding(request.headers['accept-encoding']);
      if (!coding) return payload;
      reply.header('content-encoding', coding);
      return compressStream(coding, payload);
    }
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (body.length < COMPRESS_MIN_BYTES) return payload;
    // The answer's form depends on the header from here on, whichever coding is chosen.
    reply.header('vary', appendVary(reply.getHeader('vary'), 'accept-encoding'));
    const coding = negotiateEncoding(request.headers['accept-encoding']);
    if (!coding) return payload;
    const compressed = await compress(coding, body);
    reply.header('content-encoding', coding);
    reply.removeHeader('content-length');
    return compressed;
  });
}
