/**
 * Builds the web vault (apps/web → apps/web/dist) when it is missing or older than its sources. Runs before
 * `npm start` (the root `prestart` script) and before the web end-to-end tests, so `npm install` itself never has
 * to build anything. Without Vite (an install that skipped dev dependencies) an existing build is used as it is,
 * and a missing one only produces a warning: the server then answers `/` with a 503 that names the build command.
 *
 * Concurrent callers (two test workers, a test run and `npm start`) take turns through a lock directory.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
export const WEB_DIR = join(ROOT, 'apps', 'web');
export const WEB_DIST = join(WEB_DIR, 'dist');
/** Everything the bundle is made from. */
const INPUTS = [
  join(WEB_DIR, 'src'),
  join(WEB_DIR, 'index.html'),
  join(WEB_DIR, 'vite.config.ts'),
  join(WEB_DIR, 'package.json'),
  join(ROOT, 'packages', 'client', 'src'),
  join(ROOT, 'packages', 'protocol', 'src'),
  join(ROOT, 'package-lock.json'),
];
const LOCK = join(tmpdir(), 'watchword-web-build.lock');
const LOCK_STALE_MS = 5 * 60_000;

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** Whether dist/index.html exists and is newer than every input. */
export function webBuildIsFresh(): boolean {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return INPUTS.every((input) => newest(input) <= built);
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A crashed builder leaves the directory behind: take over once it is clearly abandoned.
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK} (remove it if no build is running)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export type BuildOutcome = 'fresh' | 'built' | 'unavailable';

export async function ensureWebBuild(options: { log?: (line: string) => void } = {}): Promise<BuildOutcome> {
  const log = options.log ?? (() => undefined);
  if (webBuildIsFresh()) return 'fresh';
  return withLock(async () => {
    if (webBuildIsFresh()) return 'fresh';
    let vite: typeof import('vite');
    try {
      vite = await import('vite');
    } catch {
      log(existsSync(join(WEB_DIST, 'index.html'))
        ? 'watchword: Vite is not installed; serving the existing (older) web vault build.'
        : 'watchword: the web vault is not built and Vite is not installed (npm install, then npm run build -w @watchword/web).');
      return 'unavailable';
    }
    log('watchword: building the web vault (apps/web)…');
    const started = Date.now();
    // Built next to dist/ and swapped in at the end, so a server starting meanwhile never finds half a build.
    const staging = `${WEB_DIST}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    try {
      await vite.build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn', build: { outDir: staging, emptyOutDir: true } });
      rmSync(WEB_DIST, { recursive: true, force: true });
      renameSync(staging, WEB_DIST);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    log(`watchword: web vault built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 'built';
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  ensureWebBuild({ log: (line) => process.stderr.write(`${line}\n`) }).catch((error: unknown) => {
    process.stderr.write(`watchword: the web vault build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
