// apps/cli/bin/ww.mjs runs the CLI bundle (scripts/ensure-cli-build.ts) in its own process while the bundle is newer
// than every source, and the sources through the launcher otherwise: a stale bundle is never run.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_BUNDLE, cliBuildIsFresh, ensureCliBuild } from '../ensure-cli-build.ts';

const CLI_DIR = join(import.meta.dirname, '..', '..', 'apps', 'cli');
const BIN = join(CLI_DIR, 'bin', 'ww.mjs');
const VERSION = (JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string }).version;
// Reports every module of apps/cli that Node loads, in every Node process (NODE_OPTIONS reaches the launcher's child).
const TRACE = `--import=data:text/javascript,${encodeURIComponent(
  "import{registerHooks}from'node:module';registerHooks({load(url,c,next){if(url.includes('/apps/cli/')&&/main\\.(ts|mjs)$/.test(url))process.stderr.write('loaded '+url+'\\n');return next(url,c)}});",
)}`;

function ww(args: string[]): { stdout: string; loaded: string[] } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_OPTIONS: TRACE } });
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, loaded: [...r.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1] as string) };
}

describe('ww runs its bundle only while it is fresh', () => {
  beforeAll(async () => {
    await ensureCliBuild();
  }, 120_000);

  it('runs the fresh bundle in its own process', () => {
    expect(cliBuildIsFresh()).toBe(true);
    const run = ww(['--version']);
    expect(run.stdout.trim()).toBe(VERSION);
    expect(run.loaded).toEqual([expect.stringMatching(/\/apps\/cli\/dist\/main\.mjs$/)]);
  });

  it('runs the sources when the bundle is older than a source', () => {
    const { atime, mtime } = statSync(CLI_BUNDLE);
    try {
      utimesSync(CLI_BUNDLE, new Date(0), new Date(0));
      expect(cliBuildIsFresh()).toBe(false);
      const run = ww(['--version']);
      expect(run.stdout.trim()).toBe(VERSION);
      expect(run.loaded).toEqual([expect.stringMatching(/\/apps\/cli\/src\/main\.ts$/)]);
    } finally {
      utimesSync(CLI_BUNDLE, atime, mtime);
    }
  });
});
