#!/usr/bin/env node
// `ww` — runs the CLI under a Node that can run it (see scripts/launch.mjs). When apps/cli/dist/main.mjs (the bundle
// of `npm run build:cli`, scripts/ensure-cli-build.ts) is newer than every source it is made from, it runs in this
// process: one Node start and one bundle instead of two starts and ~900 modules (docs/performance.md, "Large vaults,
// client side").
// Otherwise — no bundle, a stale one, or a Node too old — the sources run through the launcher, as before.
// Plain JavaScript with no dependencies on purpose: it must run on any old Node.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isSupported, main, withCompileCache } from '../../../scripts/launch.mjs';

const CLI = dirname(dirname(fileURLToPath(import.meta.url)));
const ROOT = dirname(dirname(CLI));
const BUNDLE = join(CLI, 'dist', 'main.mjs');
// The same list as CLI_INPUTS in scripts/ensure-cli-build.ts.
const INPUTS = [
  join(CLI, 'src'),
  join(CLI, 'package.json'),
  join(ROOT, 'packages', 'client', 'src'),
  join(ROOT, 'packages', 'client', 'package.json'),
  join(ROOT, 'packages', 'protocol', 'src'),
  join(ROOT, 'packages', 'protocol', 'package.json'),
  join(ROOT, 'package-lock.json'),
];

/** Whether some file under `path` was modified after `built` (ms). */
function newerThan(path, built) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return false;
  if (!stat.isDirectory()) return stat.mtimeMs > built;
  return readdirSync(path).some((name) => newerThan(join(path, name), built));
}

function bundleIsFresh() {
  if (!existsSync(BUNDLE)) return false;
  const built = statSync(BUNDLE).mtimeMs;
  return !INPUTS.some((input) => newerThan(input, built));
}

const args = process.argv.slice(2);
if (isSupported(process.versions.node) && bundleIsFresh()) {
  const { default: module } = await import('node:module');
  const cache = withCompileCache(process.env).NODE_COMPILE_CACHE;
  // The launcher gives its child the compile cache through the environment; here it is turned on for this process.
  if (cache && !process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) module.enableCompileCache?.(cache);
  await import(pathToFileURL(BUNDLE).href);
} else {
  main([join(CLI, 'src', 'main.ts'), ...args]);
}
