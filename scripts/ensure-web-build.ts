/**
 * Builds the web vault (apps/web → apps/web/dist) when it is missing or older than its sources. Runs before
 * `npm start` (the root `prestart` script) and before the web end-to-end tests, so `npm install` itself never has
 * to build anything. Without Vite (an install that skipped dev dependencies) an existing build is used as it is,
 * and a missing one only produces a warning: the server then answers `/` with a 503 that names the build command.
 *
 * Concurrent callers take turns through a lock (build-freshness.ts).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFresh, withBuildLock } from './build-freshness.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const WEB_DIR = join(ROOT, 'apps', 'web');
export const WEB_DIST = join(WEB_DIR, 'dist');
/** Everything the bundle is made from. */
const INPUTS = [
  join(WEB_DIR, 'src'),
  join(WEB_DIR, 'index.html'),
  join(WEB_DIR, 'vite.config.ts'),
  join(WEB_DIR, 'pwa'),
  join(WEB_DIR, 'package.json'),
  join(ROOT, 'packages', 'client', 'src'),
  join(ROOT, 'packages', 'protocol', 'src'),
  join(ROOT, 'package-lock.json'),
];

/** Whether dist/index.html exists and is newer than every input. */
export function webBuildIsFresh(): boolean {
  return isFresh(join(WEB_DIST, 'index.html'), INPUTS);
}

export type BuildOutcome = 'fresh' | 'built' | 'unavailable';

export async function ensureWebBuild(options: { log?: (line: string) => void } = {}): Promise<BuildOutcome> {
  const log = options.log ?? (() => undefined);
  if (webBuildIsFresh()) return 'fresh';
  return withBuildLock('watchword-web-build', async () => {
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
