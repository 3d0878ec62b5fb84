/**
 * Bundles the server (packages/server/src/main.ts and the protocol package it imports) into
 * packages/server/dist/main.mjs when the bundle is missing or older than its sources. `npm start` (the root
 * `prestart` script) runs this, then starts the bundle; the benchmark does the same.
 *
 * Why a bundle, when Node 24 runs the TypeScript sources directly: one file instead of ~900 modules (Kysely ~220)
 * starts faster and idles in less memory (figures in docs/performance.md). Nothing else
 * changes: the unit tests run the sources, while the web-vault end-to-end suites, two of the three cluster-test
 * instances (PostgreSQL + Redis) and the benchmark's smoke test run the bundle through the same flows, so a bundle
 * that behaves differently from its sources fails the suite.
 *
 * The bundle is not minified (stack traces in logs keep readable names and code), but it is ASCII without JSDoc
 * comments: V8 keeps a script's source in memory, as two bytes per character if one character needs it. Packages
 * that load native code or read their own files at run time stay outside it and are imported from node_modules.
 * Concurrent callers take turns through a lock (build-freshness.ts).
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'rolldown';
import { isFresh, withBuildLock } from './build-freshness.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SERVER_DIR = join(ROOT, 'packages', 'server');
export const SERVER_DIST = join(SERVER_DIR, 'dist');
/** The bundle's entry point: `node packages/server/dist/main.mjs serve` is `ww-server serve`. */
export const SERVER_BUNDLE = join(SERVER_DIST, 'main.mjs');

/** Everything the bundle is made from (dependencies through the lock file; this script for its own settings). */
const INPUTS = [
  join(SERVER_DIR, 'src'),
  join(SERVER_DIR, 'package.json'),
  join(ROOT, 'packages', 'protocol', 'src'),
  join(ROOT, 'packages', 'protocol', 'package.json'),
  join(ROOT, 'package-lock.json'),
  fileURLToPath(import.meta.url),
];

/**
 * Left to Node's resolver at run time: native add-ons (better-sqlite3, @node-rs/argon2, and `pg-native`, which pg
 * requires only if asked for its native client, never here), and nodemailer, whose CommonJS build mail/load.ts
 * requires (its ES build would bring undici along; see there). The PostgreSQL and Redis drivers are bundled, into
 * the chunks that load only when DATABASE_URL / REDIS_URL are set: as ~100 modules of their own they held ~7 MB
 * more of an idle server's memory (docs/performance.md).
 */
export const EXTERNAL: readonly (string | RegExp)[] = [/^node:/, 'better-sqlite3', '@node-rs/argon2', 'pg-native', 'nodemailer'];

/**
 * The WASM loader that wasm-bindgen generated for @serenity-kit/opaque asks `typeof Request` and `typeof Response`
 * before instantiating the inline bytes it is always given. In Node the first touch of either global loads the whole
 * fetch implementation (undici: ~16 MB of memory and ~30 ms of start-up), which the server never uses otherwise. In
 * the bundle those two probes read `false`, which is what they decide for bytes. The build fails unless each is
 * found exactly once in that file, so a new version of the package is looked at rather than patched wrong.
 */
const OPAQUE_LOADER = /@serenity-kit[\\/]opaque[\\/](?:cjs|esm)[\\/]index\.js$/;
const FETCH_PROBES = ["typeof Request === 'function'", "typeof Response === 'function'"];

export function withoutFetchProbes(): Plugin {
  let patched = false;
  return {
    name: 'watchword:opaque-without-fetch-probes',
    transform(code, id) {
      if (!OPAQUE_LOADER.test(id)) return null;
      let out = code;
      for (const probe of FETCH_PROBES) {
        if (out.split(probe).length !== 2) throw new Error(`@serenity-kit/opaque: expected "${probe}" exactly once in ${id}; review its WASM loader`);
        out = out.replace(probe, 'false');
      }
      patched = true;
      return out;
    },
    buildEnd() {
      if (!patched) throw new Error('@serenity-kit/opaque: its WASM loader (cjs/ or esm/index.js) was not bundled; review withoutFetchProbes');
    },
  };
}

const ENTRY = 'main.mjs';
const BUILDS = 'builds.json';

/**
 * Moves a finished build from `staging` into `dist`. A server started from an earlier build is still running
 * (until its restart) and imports its lazy chunks (WebAuthn, metrics, the PostgreSQL and Redis drivers) on first
 * use: those files must stay. So the content-hashed chunks go in beside the old ones, the entry is replaced by a
 * rename last, and a chunk is deleted only once none of the last `keep` builds uses it (`builds.json` lists them).
 */
export function installBuild(staging: string, dist: string, keep = 3): void {
  mkdirSync(dist, { recursive: true });
  const chunks = readdirSync(staging).filter((name) => name !== ENTRY).sort();
  for (const name of chunks) renameSync(join(staging, name), join(dist, name));
  renameSync(join(staging, ENTRY), join(dist, ENTRY));
  let builds: string[][] = [];
  try {
    builds = JSON.parse(readFileSync(join(dist, BUILDS), 'utf8')) as string[][];
  } catch {
    // No record (a first build, or one from before the record existed): nothing older is known to be in use.
  }
  builds = [chunks, ...builds].slice(0, keep);
  writeFileSync(join(dist, BUILDS), `${JSON.stringify(builds)}\n`);
  const used = new Set([ENTRY, BUILDS, ...builds.flat()]);
  for (const name of readdirSync(dist)) if (!used.has(name)) rmSync(join(dist, name), { force: true });
}

export function serverBuildIsFresh(): boolean {
  return isFresh(SERVER_BUNDLE, INPUTS);
}

/** Bundles into `outDir` (emptied first). */
export async function bundleServer(outDir: string): Promise<void> {
  const { build } = await import('rolldown');
  await build({
    input: { main: join(SERVER_DIR, 'src', 'main.ts') },
    platform: 'node',
    plugins: [withoutFetchProbes()],
    external: [...EXTERNAL],
    logLevel: 'warn',
    output: { dir: outDir, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', cleanDir: true, comments: false, charset: 'ascii' },
  });
}

export async function ensureServerBuild(options: { log?: (line: string) => void } = {}): Promise<'fresh' | 'built'> {
  const log = options.log ?? (() => undefined);
  if (serverBuildIsFresh()) return 'fresh';
  return withBuildLock('watchword-server-build', async () => {
    if (serverBuildIsFresh()) return 'fresh';
    const started = Date.now();
    // Built next to dist/ and moved in at the end, so a server starting meanwhile never finds half a bundle.
    const staging = `${SERVER_DIST}.building-${process.pid}`;
    try {
      await bundleServer(staging);
      installBuild(staging, SERVER_DIST);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    log(`watchword: server bundled in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 'built';
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  ensureServerBuild({ log: (line) => process.stderr.write(`${line}\n`) }).catch((error: unknown) => {
    process.stderr.write(`watchword: bundling the server failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
