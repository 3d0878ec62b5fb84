/**
 * The web vault (apps/web): the files Vite builds, served from memory. Only what the build wrote is ever served —
 * `index.html` and the flat `assets/` directory, read once at start-up — so no request path reaches the file
 * system and path traversal has nothing to work with: a name is looked up in a Map or answered 404.
 *
 * - `GET /` and `GET /index.html`: the page, `cache-control: no-cache` (revalidated with its ETag on every load, so
 *   a new deploy is picked up at once) and the web vault's CSP (SECURITY.md "Headers").
 * - `GET /assets/<name>`: Vite's content-hashed files, `cache-control: public, max-age=31536000, immutable`: a
 *   changed file gets a new name, so a cached one never goes stale. Volume class `none`: a Map lookup with no state
 *   store, database or file access behind it (cheaper than the counter that would limit it), and a first page load
 *   fetches several at once — counting them would spend the per-IP `read` budget that public API routes share.
 *   The page itself stays in the `read` class.
 * - Compressible files are sent gzipped to clients that accept it (RFC 9110 §8.4.1.3); `vary: accept-encoding`. The
 *   web build writes a gzipped copy beside each (`<name>.gz`, apps/web/vite.config.ts): then only that copy is held
 *   in memory (about 1 MB instead of 2.4 MB), and the plain bytes are unzipped once, on the first request that
 *   refuses gzip. Without a copy, or with one older than its file, the plain file is held and gzipped on first
 *   request instead. The copies are never served under their own names.
 * - `GET /sw.js` and `GET /manifest.webmanifest`: the installable app's service worker and manifest (apps/web
 *   pwa/plugin.ts), `no-cache` like the page (a new deploy's worker must be seen at once; the worker's own script
 *   carries the web vault's CSP, which governs what the worker may fetch). They live at the root because a worker
 *   controls only pages under its own path. 404 when the build has none.
 * - Not built (no `index.html`): `/` answers 503 naming the command that builds it; `npm start` builds it first
 *   (scripts/ensure-web-build.ts), so this is only seen when the server is started some other way.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WatchwordError } from '@watchword/protocol';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';

export const BUILD_COMMAND = 'npm run build -w @watchword/web';
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const INDEX_CACHE_CONTROL = 'no-cache';

/** Content types by extension; anything else is served as application/octet-stream (and nosniff keeps it inert). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
});
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.wasm', '.svg', '.txt', '.ico']);
/** Smaller files gain too little from gzip to be worth the header. */
const MIN_GZIP_BYTES = 1024;

/** The suffix of the gzipped copies the web build writes beside its files. */
export const GZIP_SUFFIX = '.gz';

export interface StaticFile {
  readonly type: string;
  /** Strong validator (RFC 9110 §8.8.3): a hash of the bytes held (the gzipped copy's, when there is one). */
  readonly etag: string;
  readonly compressible: boolean;
  /** The file's bytes. */
  body(): Buffer;
  /** The gzipped bytes; null when gzip does not make the file smaller. */
  gzip(): Buffer | null;
}

export interface WebVaultFiles {
  readonly index: StaticFile;
  readonly assets: ReadonlyMap<string, StaticFile>;
  /** The installable app's files at the root of the build (ROOT_FILES), those the build wrote. */
  readonly root: ReadonlyMap<string, StaticFile>;
}

/** The files served from the root besides the page: the service worker and the web app manifest. */
export const ROOT_FILES = ['sw.js', 'manifest.webmanifest'] as const;

const etagOf = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;

/** Whether the build left an up-to-date gzipped copy of `path` (written after the file itself). */
function gzippedCopy(path: string): string | undefined {
  const copy = path + GZIP_SUFFIX;
  try {
    return statSync(copy).mtimeMs >= statSync(path).mtimeMs ? copy : undefined;
  } catch {
    return undefined;
  }
}

function staticFile(path: string): StaticFile {
  const ext = extname(path).toLowerCase();
  const type = CONTENT_TYPES[ext] ?? 'application/octet-stream';
  const copy = COMPRESSIBLE.has(ext) ? gzippedCopy(path) : undefined;
  if (copy !== undefined) {
    const zipped = readFileSync(copy);
    let body: Buffer | undefined;
    return { type, etag: etagOf(zipped), compressible: true, body: () => (body ??= gunzipSync(zipped)), gzip: () => zipped };
  }
  const body = readFileSync(path);
  let zipped: Buffer | null | undefined;
  return {
    type,
    etag: etagOf(body),
    compressible: COMPRESSIBLE.has(ext) && body.length >= MIN_GZIP_BYTES,
    body: () => body,
    gzip: () => {
      if (zipped === undefined) {
        const z = gzipSync(body);
        zipped = z.length < body.length ? z : null;
      }
      return zipped;
    },
  };
}

/**
 * Reads a built vault into memory: `index.html` and the regular files directly in `assets/` (Vite writes no
 * sub-directories there; anything else in the directory is not served), each from its gzipped copy when the build
 * wrote one. undefined when there is no index.html.
 */
export function loadWebVault(dir: string): WebVaultFiles | undefined {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return undefined;
  const assets = new Map<string, StaticFile>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      if (name.endsWith(GZIP_SUFFIX)) continue;
      const path = join(assetDir, name);
      if (statSync(path).isFile()) assets.set(name, staticFile(path));
    }
  }
  const root = new Map<string, StaticFile>();
  for (const name of ROOT_FILES) {
    const path = join(dir, name);
    if (existsSync(path) && statSync(path).isFile()) root.set(name, staticFile(path));
  }
  return { index: staticFile(indexPath), assets, root };
}

/** RFC 9110 §13.1.2: If-None-Match with a matching (weakly compared) validator, or `*`, means "not modified". */
function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  // `gzip;q=0` refuses it (RFC 9110 §12.5.3).
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile, cacheControl: string): FastifyReply {
  reply.header('cache-control', cacheControl).header('etag', file.etag);
  if (file.compressible) reply.header('vary', 'accept-encoding');
  if (notModified(request, file.etag)) return reply.code(304).send();
  reply.type(file.type);
  if (file.compressible && acceptsGzip(request)) {
    const zipped = file.gzip();
    if (zipped !== null) return reply.header('content-encoding', 'gzip').send(zipped);
  }
  return reply.send(file.body());
}

export function webRoutes(app: App, ctx: Context, files: WebVaultFiles | undefined = loadWebVault(ctx.config.webVaultDir)): void {
  if (!files) ctx.log.warn({ dir: ctx.config.webVaultDir }, `the web vault is not built: run \`${BUILD_COMMAND}\`, then restart the server`);

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!files) {
      throw new WatchwordError('SERVICE_UNAVAILABLE', {
        details: { reason: `The web vault is not built. Run \`${BUILD_COMMAND}\`, then restart the server (\`npm start\` does both).` },
      });
    }
    return send(request, reply, files.index, INDEX_CACHE_CONTROL);
  };
  // Not API routes: hidden from the OpenAPI document (and so from the strict query-string rule: `/?utm_…` loads).
  const pageOptions = { config: { permission: 'public', rateLimit: 'read', csp: 'web-vault' }, schema: { hide: true } } as const;
  app.get('/', pageOptions, page);
  app.get('/index.html', pageOptions, page);

  for (const name of ROOT_FILES) {
    app.get(`/${name}`, pageOptions, async (request, reply) => {
      const file = files?.root.get(name);
      if (!file) throw new WatchwordError('NOT_FOUND');
      return send(request, reply, file, INDEX_CACHE_CONTROL);
    });
  }

  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    { config: { permission: 'public', rateLimit: 'none' }, schema: { hide: true } },
    async (request, reply) => {
      // Exact names from the build only; `..`, `%2F` and friends are simply not in the Map.
      const file = files?.assets.get(request.params.file);
      if (!file) throw new WatchwordError('NOT_FOUND');
      return send(request, reply, file, ASSET_CACHE_CONTROL);
    },
  );
}
