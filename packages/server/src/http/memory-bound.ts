/**
 * Gives the memory of large answers and bodies back (issue 23; docs/performance.md "Server memory").
 *
 * A full sync of 50,000 items writes ~20 MB; its page buffers and the compressor's output are ArrayBuffers outside
 * V8's heap, and the few that outlive two scavenges (while the socket still holds them) are freed only by a major GC.
 * V8 starts one on its own only when the old generation has grown about fourfold since the last one or when external
 * memory has grown by 64 MB: after a few large syncs the server held ~2× its idle RSS in garbage, and kept it while
 * idle (V8's memory reducer did not run in 12 s of quiet).
 *
 * So, while the process's RSS is above the soft limit, one major GC is asked for (run as a task of its own):
 * - when a request ends and the large requests (`LARGE_REQUEST_BYTES` or more each) have moved another `everyBytes`
 *   on their sockets since the last check (read and written): during a run of large syncs or imports, at most one per 8 MiB (a 50,000-item br sync costs ~250 ms
 *   of CPU for 10 MB; a GC on this heap ~20–30 ms). Counted when the request ends, not chunk by chunk: collecting
 *   within a 20 MB sync as well cost it ~40 % more CPU (two GCs) and did not lower the peak;
 * - once the server has been quiet for `quietMs` after at least `quietMinBytes` of traffic, a memory-reducing one
 *   (`Collector`): what the last requests left is given back when they end, not when the next large one comes, and
 *   the young generation they grew with it.
 * Below the soft limit nothing is collected by hand.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { FastifyRequest } from 'fastify';
import type { App } from './types.ts';

/**
 * Bytes moved between two checks of the RSS against the soft limit. At 16 MiB the 50,000-item syncs of
 * `npm run bench:sync` peaked at 1.51–1.54× the idle RSS (against 1.42× at 8 MiB), for ~15 % less CPU per sync.
 */
export const MEMORY_CHECK_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * The default soft limit: this much above the RSS the server had when it became ready. After a major GC a server that
 * has answered large syncs sits at ~1.3× (the young generation at its full 16 MB, code compiled since); at 1.4× each
 * 50,000-item sync started higher and peaked at 1.47–1.65× in `npm run bench:sync`, at 1.25× at 1.41–1.43×.
 */
export const DEFAULT_SOFT_LIMIT_FACTOR = 1.25;

/**
 * Quiet time (no request ending) after which the RSS is checked once more. In `npm run bench`, whose phases (load
 * tests, logins, imports, then the large syncs) follow each other without a second's pause, 1 s never came between
 * them and the 50,000-item syncs started from the load phases' memory: 1.55–1.56× idle at their peak; at 250 ms,
 * 1.45×. At most one such collection per 1 MiB of traffic however the requests are spaced.
 */
export const QUIET_MS = 250;

/**
 * Requests that moved less than this are not counted towards `everyBytes` (only towards the quiet check): their garbage
 * is what V8's scavenges free as it goes; a steady load of small requests (15,000 item reads a second, ~12 MB/s) would
 * otherwise pay for a major GC every ~0.7 s.
 */
export const LARGE_REQUEST_BYTES = 64 * 1024;

/** Traffic since the last collection below which a quiet period is not worth a check. */
export const QUIET_MIN_BYTES = 1024 * 1024;

/**
 * Runs one major GC as a task of its own. `reduce`: V8's memory-reducing collection ("last resort": full GCs until
 * nothing more is freed, new space shrunk, freed pages returned) — ~120 MB → ~56 MB of RSS where a regular one left
 * ~119 MB in a standalone test, for about the same pause (22 against 17 ms); but the new space it shrinks then grows
 * back under the next large sync, which cost a run of 50,000-item syncs ~60 % more CPU when every collection reduced.
 */
export type Collector = (reduce: boolean) => void;

export interface MemoryBoundOptions {
  /** RSS above which a major GC is asked for, bytes; undefined: DEFAULT_SOFT_LIMIT_FACTOR × the RSS when ready; 0: never. */
  softLimitBytes: number | undefined;
  everyBytes?: number;
  largeRequestBytes?: number;
  quietMinBytes?: number;
  /** The process's RSS, bytes. */
  rss?: () => number;
  /** Runs one major GC, later (not inside the caller); undefined when the runtime offers none. */
  collect?: Collector | undefined;
}

/**
 * V8's major GC, without `gc` on the global object: V8's gc extension is installed only in contexts created while
 * --expose-gc is set, so it is set, one context made to fetch the function, and unset again — on the first collection,
 * not at start (the context is ~0.4 MB, and a server that never answers a large sync never needs it). `execution:
 * 'async'` runs the collection as a task of its own rather than inside the caller. If the runtime refuses, collecting
 * does nothing.
 */
export function majorCollector(): Collector {
  let run: ((options: { type: 'major'; execution: 'async'; flavor: 'regular' | 'last-resort' }) => unknown) | null | undefined;
  return (reduce) => {
    if (run === undefined) run = fetchGc();
    run?.({ type: 'major', execution: 'async', flavor: reduce ? 'last-resort' : 'regular' });
  };
}

function fetchGc(): ((options: { type: 'major'; execution: 'async'; flavor: 'regular' | 'last-resort' }) => unknown) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as (options: { type: 'major'; execution: 'async'; flavor: 'regular' | 'last-resort' }) => unknown) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** The counting and the decision, apart from Fastify (tested alone). */
export class MemoryBound {
  readonly #everyBytes: number;
  readonly #largeRequestBytes: number;
  readonly #quietMinBytes: number;
  readonly #rss: () => number;
  readonly #collect: Collector | undefined;
  #softLimit: number | undefined;
  /** Bytes since the last check against the limit, and since the last collection. */
  #moved = 0;
  #sinceCollection = 0;
  #collections = 0;

  constructor(options: MemoryBoundOptions) {
    this.#everyBytes = options.everyBytes ?? MEMORY_CHECK_EVERY_BYTES;
    this.#largeRequestBytes = options.largeRequestBytes ?? LARGE_REQUEST_BYTES;
    this.#quietMinBytes = options.quietMinBytes ?? QUIET_MIN_BYTES;
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
    if (!this.#active() || !(bytes > 0)) return false;
    this.#sinceCollection += bytes;
    if (bytes < this.#largeRequestBytes) return false;
    this.#moved += bytes;
    if (this.#moved < this.#everyBytes) return false;
    this.#moved = 0;
    return this.#collectAbove(false);
  }

  /** No request has ended for a while; true when it asked for a collection. */
  quiet(): boolean {
    if (!this.#active() || this.#sinceCollection < this.#quietMinBytes) return false;
    // Checked once per quiet period: the next check needs new traffic.
    this.#sinceCollection = 0;
    return this.#collectAbove(true);
  }

  #active(): boolean {
    return this.#collect !== undefined && Boolean(this.#softLimit);
  }

  #collectAbove(reduce: boolean): boolean {
    if (this.#rss() <= (this.#softLimit as number)) return false;
    this.#sinceCollection = 0;
    this.#collections++;
    (this.#collect as Collector)(reduce);
    return true;
  }
}

/** A request's socket counters when it began. */
const counted = new WeakMap<FastifyRequest, { read: number; written: number }>();

/**
 * Counts every request's bytes on its socket (between onRequest and onResponse: the body read, the answer written,
 * compressed or not) into `bound`, and tells it when no request has ended for `quietMs`. Synchronous hooks, as the
 * other per-request hooks are.
 */
export function registerMemoryBound(app: App, bound: MemoryBound, quietMs = QUIET_MS): void {
  // Restarted by every request that ends (refresh() re-arms it in place); never keeps the process alive.
  const quiet = setTimeout(() => bound.quiet(), quietMs).unref();
  app.addHook('onReady', (done) => {
    bound.ready();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearTimeout(quiet);
    done();
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const socket = request.raw.socket;
    if (socket) counted.set(request, { read: socket.bytesRead, written: socket.bytesWritten });
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const entry = counted.get(request);
    const socket = request.raw.socket;
    if (entry && socket) bound.moved(socket.bytesRead - entry.read + socket.bytesWritten - entry.written);
    quiet.refresh();
    done();
  });
}
