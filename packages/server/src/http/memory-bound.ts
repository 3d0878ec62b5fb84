/**
 * Gives the memory of large answers and bodies back (issue 23; docs/performance.md "Server memory").
 *
 * A full sync of 50,000 items writes ~20 MB; its page buffers and the compressor's output are ArrayBuffers outside
 * V8's heap, and the few that outlive two scavenges (while the socket still holds them) are freed only by a major GC.
 * V8 starts one on its own only when the old generation has grown about fourfold since the last one or when external
 * memory has grown by 64 MB: after a few large syncs the server held ~2× its idle RSS in garbage, and kept it while
 * idle (V8's memory reducer did not run in 12 s of quiet). Measured with a major GC after every large answer: 1.3–1.4×
 * idle during and after the same syncs, against 1.9–2.3× without.
 *
 * So: the bytes each request moved (read and written on its socket) are counted; once `everyBytes` have moved and the
 * process's RSS is above the soft limit, one major GC is asked for, run as a task of its own after the answer is out.
 * A GC costs ~10–20 ms on this heap, at most one per `everyBytes` moved (8 MiB: a 50,000-item br sync costs ~200 ms
 * of CPU for 10 MB). Below the soft limit nothing is collected by hand.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { FastifyRequest } from 'fastify';
import type { App } from './types.ts';

/** Bytes moved between two checks of the RSS against the soft limit. */
export const MEMORY_CHECK_EVERY_BYTES = 8 * 1024 * 1024;

/** The default soft limit: this much above the RSS the server had when it became ready. */
export const DEFAULT_SOFT_LIMIT_FACTOR = 1.25;

export interface MemoryBoundOptions {
  /** RSS above which a major GC is asked for, bytes; undefined: DEFAULT_SOFT_LIMIT_FACTOR × the RSS when ready; 0: never. */
  softLimitBytes: number | undefined;
  everyBytes?: number;
  /** The process's RSS, bytes. */
  rss?: () => number;
  /** Runs one major GC, later (not inside the caller); undefined when the runtime offers none. */
  collect?: (() => void) | undefined;
}

/**
 * A major-GC function, without `gc` on the global object: V8's gc extension is installed only in contexts created
 * while --expose-gc is set, so it is set, one context made to fetch the function, and unset again. `execution: 'async'`
 * runs the collection as a task of its own rather than inside the caller. Undefined if the runtime refuses.
 */
export function majorCollector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc !== 'function') return undefined;
    return () => void (gc as (options: { type: 'major'; execution: 'async' }) => unknown)({ type: 'major', execution: 'async' });
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** The counting and the decision, apart from Fastify (tested alone). */
export class MemoryBound {
  readonly #everyBytes: number;
  readonly #rss: () => number;
  readonly #collect: (() => void) | undefined;
  #softLimit: number | undefined;
  #moved = 0;
  #collections = 0;

  constructor(options: MemoryBoundOptions) {
    this.#everyBytes = options.everyBytes ?? MEMORY_CHECK_EVERY_BYTES;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
    this.#collect = options.collect;
    this.#softLimit = options.softLimitBytes;
  }

  /** The soft limit in force, bytes (0: off); undefined until `ready` when it is derived from the ready RSS. */
  get softLimitBytes(): number | undefined {
    return this.#softLimit;
  }

  /** Manual collections asked for so far. */
  get collections(): number {
    return this.#collections;
  }

  /** The server is ready: the default soft limit is taken from the RSS now, before any request. */
  ready(): void {
    this.#softLimit ??= Math.round(this.#rss() * DEFAULT_SOFT_LIMIT_FACTOR);
  }

  /** A request moved `bytes` (read and written); true when it asked for a collection. */
  moved(bytes: number): boolean {
    if (this.#collect === undefined || !this.#softLimit || !(bytes > 0)) return false;
    this.#moved += bytes;
    if (this.#moved < this.#everyBytes) return false;
    this.#moved = 0;
    if (this.#rss() <= this.#softLimit) return false;
    this.#collections++;
    this.#collect();
    return true;
  }
}

const startBytes = new WeakMap<FastifyRequest, { read: number; written: number }>();

/**
 * Counts every request's bytes on its socket (between onRequest and onResponse: the body read, the answer written,
 * compressed or not) into `bound`. Synchronous hooks, as the other per-request hooks are.
 */
export function registerMemoryBound(app: App, bound: MemoryBound): void {
  app.addHook('onReady', (done) => {
    bound.ready();
    done();
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const socket = request.raw.socket;
    if (socket) startBytes.set(request, { read: socket.bytesRead, written: socket.bytesWritten });
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const start = startBytes.get(request);
    const socket = request.raw.socket;
    if (start && socket) bound.moved(socket.bytesRead - start.read + socket.bytesWritten - start.written);
    done();
  });
}
