/**
 * Bundles the CLI (apps/cli/src/main.ts with the SDK and protocol packages it imports) into apps/cli/dist/main.mjs
 * when the bundle is missing or older than its sources: `npm run build:cli`, and the benchmark before it times `ww`.
 *
 * Why: `ww` is started for every command, and from the sources a start loads ~900 modules (TypeBox alone ~75 ms of
 * them) in a second Node process; the bundle, imported in the first one, starts in about half the time
 * (docs/performance.md, "Large vaults, client side"). apps/cli/bin/ww.mjs runs the bundle only while it is newer than
 * every source, and the sources otherwise, so a stale bundle is never run. The CLI's tests run the sources.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFresh, withBuildLock } from './build-freshness.ts';
import { installBuild, withoutFetchProbes } from './ensure-server-build.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLI_DIR = join(ROOT, 'apps', 'cli');
export const CLI_DIST = join(CLI_DIR, 'dist');
export const CLI_BUNDLE = join(CLI_DIST, 'main.mjs');

/**
 * Everything the bundle is made from. apps/cli/bin/ww.mjs checks the same list (it is plain JavaScript and cannot
 * import this file): a change here goes there too.
 */
export const CLI_INPUTS = [
  join(CLI_DIR, 'src'),
  join(CLI_DIR, 'package.json'),
  join(ROOT, 'packages', 'client', 'src'),
  join(ROOT, 'packages', 'client', 'package.json'),
  join(ROOT, 'packages', 'protocol', 'src'),
  join(ROOT, 'packages', 'protocol', 'package.json'),
  join(ROOT, 'package-lock.json'),
];

export function cliBuildIsFresh(): boolean {
  return isFresh(CLI_BUNDLE, CLI_INPUTS);
}

async function bundleCli(outDir: string): Promise<void> {
  const { build } = await import('rolldown');
  await build({
    input: { main: join(CLI_DIR, 'src', 'main.ts') },
    platform: 'node',
    plugins: [withoutFetchProbes()],
    external: [/^node:/],
    logLevel: 'warn',
    output: { dir: outDir, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', cleanDir: true, comments: false, charset: 'ascii' },
  });
}

export async function ensureCliBuild(options: { log?: (line: string) => void } = {}): Promise<'fresh' | 'built'> {
  const log = options.log ?? (() => undefined);
  if (cliBuildIsFresh()) return 'fresh';
  return withBuildLock('watchword-cli-build', async () => {
    if (cliBuildIsFresh()) return 'fresh';
    const started = Date.now();
    // Built beside dist/ and moved in at the end, so a `ww` starting meanwhile never finds half a bundle.
    const staging = `${CLI_DIST}.building-${process.pid}`;
    try {
      await bundleCli(staging);
      installBuild(staging, CLI_DIST);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    log(`watchword: CLI bundled in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 'built';
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  ensureCliBuild({ log: (line) => process.stderr.write(`${line}\n`) }).catch((error: unknown) => {
    process.stderr.write(`watchword: bundling the CLI failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
