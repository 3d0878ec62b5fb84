#!/usr/bin/env node
// Runs a Watchword entry point (a .ts/.mjs file) under a Node that can run it.
// Host Node >= 22.12 → used as is. Older → Node 24 LTS is fetched once from the npm registry
// (package node-<platform>-<arch>) into a cache directory and this launcher re-runs under it,
// with a one-line notice. WATCHWORD_NO_NODE_FETCH=1 turns that into a clear error instead.
// Plain JavaScript with no dependencies on purpose: it must run on any old Node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MINIMUM = [22, 12];

export function isSupported(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
}

export function cachedNodePath(env = process.env) {
  const dir = env.WATCHWORD_NODE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'watchword-node24');
  const pkg = `node-${process.platform}-${process.arch}`;
  return { dir, pkg, bin: join(dir, 'node_modules', pkg, 'bin', 'node') };
}

function fetchNode24({ dir, pkg, bin }) {
  if (existsSync(bin)) return;
  process.stderr.write(`watchword: Node ${process.versions.node} is too old; fetching Node 24 LTS from the npm registry into ${dir} (once)…\n`);
  mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@24`], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(bin)) {
    process.stderr.write(`watchword: could not install ${pkg}@24; install Node 24 LTS yourself (see .nvmrc).\n`);
    process.exit(1);
  }
}

/**
 * Node's module compile cache also keeps the type-stripped TypeScript: warm starts skip the transform and never load
 * the stripper (about 0.2 s and 20 MB less; docs/performance.md). An explicit NODE_COMPILE_CACHE wins.
 */
export function withCompileCache(env) {
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return env;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return { ...env, NODE_COMPILE_CACHE: join(base, 'watchword-compile-cache') };
}

/**
 * Node flags for the server's process (`npm start`, `npm run migrate`): V8's young generation held at an 8 MB
 * semi-space, the size it starts with. Left to itself V8 grows it to 64 MB under the allocation of a large sync or
 * bulk add and keeps it, with the garbage a rarer scavenge frees later: ~275 MB of RSS after 50,000-item syncs against
 * ~205 MB held, for the same server CPU per sync. A 2 MB cap saved little more memory and cost ~50 % more CPU per sync
 * (docs/performance.md "Server memory"). An operator's own --max-semi-space-size in NODE_OPTIONS wins.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8'];

const SERVER_ENTRY = /(^|[\\/])packages[\\/]server[\\/](dist[\\/]main\.mjs|src[\\/]main\.ts)$/;

/**
 * The server's environment for glibc's malloc: two arenas, and blocks of 128 KiB or more always mapped on their own (so
 * returned to the system when freed) rather than the threshold rising after the first large free. After bulk-adding
 * and syncing 50,000 items: 143–158 MB of RSS against 178–181 MB without (either alone 158–165; docs/performance.md
 * "Server memory"). Other C libraries ignore them; an operator's own values win.
 */
export const SERVER_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

/** The environment the launcher adds for `entry`: the server's, where `env` does not set it already. */
export function serverEnvFor(entry, env = process.env) {
  const added = {};
  if (!SERVER_ENTRY.test(entry || '')) return added;
  for (const name of Object.keys(SERVER_ENV)) if (env[name] === undefined) added[name] = SERVER_ENV[name];
  return added;
}

/** The flags the launcher adds for `entry`: the server's, unless NODE_OPTIONS sets its own semi-space. */
export function nodeFlagsFor(entry, env = process.env) {
  if (!SERVER_ENTRY.test(entry || '')) return [];
  if (/--max-semi-space-size\b/.test(env.NODE_OPTIONS || '')) return [];
  return SERVER_NODE_FLAGS;
}

/** Signals a service manager or a terminal sends to stop a process; the launcher passes each on to its child. */
export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Runs the child and ends as it ends: with its exit code, or by the signal that ended it. A stop signal sent to the
 * launcher (by `npm start`, systemd, Docker, a terminal) is forwarded to the child instead of ending the launcher
 * and leaving the child orphaned, still serving.
 */
function run(node, args, env = process.env) {
  const child = spawn(node, args, { stdio: 'inherit', env: withCompileCache(env) });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`watchword: cannot run ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    // Ended by a signal: end the same way, so whoever waits on the launcher sees what happened to the child (and, for a
    // signal whose default is not to end a process, the shell's convention 128 + its number).
    if (signal) {
      process.kill(process.pid, signal);
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    process.exit(code ?? 1);
  });
}

export function main(argv = process.argv.slice(2)) {
  if (argv.length === 0) {
    process.stderr.write('usage: node scripts/launch.mjs <entry.ts|entry.mjs> [args…]\n');
    process.exit(1);
  }
  if (isSupported(process.versions.node)) {
    // Node 22.12–22.17 can strip types only behind a flag; 22.18+ and 24 do it by default.
    const flags = process.features.typescript ? [] : ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'];
    run(process.execPath, [...flags, ...nodeFlagsFor(argv[0]), ...argv], { ...process.env, ...serverEnvFor(argv[0]) });
    return;
  }
  if (process.env.WATCHWORD_NO_NODE_FETCH === '1') {
    process.stderr.write(`watchword: Node >= ${MINIMUM.join('.')} is required (found ${process.versions.node}); install Node 24 LTS (see .nvmrc), or unset WATCHWORD_NO_NODE_FETCH to let the launcher fetch it.\n`);
    process.exit(1);
  }
  const target = cachedNodePath();
  fetchNode24(target);
  // Child processes that look up `node` on PATH get the same Node 24.
  const env = { ...process.env, PATH: `${dirname(target.bin)}${delimiter}${process.env.PATH ?? ''}` };
  run(target.bin, [fileURLToPath(import.meta.url), ...argv], env);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
