/**
 * `npm install` builds nothing: a fresh machine needs no compiler, no Python and no Node headers.
 *
 * better-sqlite3 ships its binaries inside the npm package (`prebuilds/<platform>-<arch>.node`) and says
 * `"gypfile": false`, but it also ships `binding.gyp`, and npm, installing from a lock file, does not carry `gypfile`
 * over from the package: it sees the `binding.gyp` and runs its implicit `node-gyp rebuild`, which needs Python,
 * make and the Node headers (downloaded from the internet) even though the rebuild would compile nothing. The root
 * package.json's `allowScripts` (npm ≥ 11.16) denies that script; the package then loads its prebuilt binary.
 * @swc/core's postinstall only checks its native binding (shipped in its optional per-platform package, installed
 * like any other) and would fetch a WebAssembly fallback if it were missing: denied too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean; version?: string }> };

/** The npm that runs `npm install` here (its JavaScript entry, run with this Node). */
function npmCli(): string {
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  return join(dirname(realpathSync(which)), 'npm-cli.js');
}

describe('npm install builds nothing', () => {
  it('every dependency with an install script is reviewed and denied in allowScripts', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('better-sqlite3');
    for (const name of withScripts) expect(pkg.allowScripts?.[name], `${name} runs an install script`).toBe(false);
  });

  it('better-sqlite3 loads the binary its package ships, not one built here', () => {
    const require = createRequire(join(root, 'packages', 'server', 'package.json'));
    const dir = dirname(require.resolve('better-sqlite3/package.json'));
    const binding = require(join(dir, 'lib', 'binding.js')) as { getPrebuildPath(): string | null };
    expect(binding.getPrebuildPath()).toBe(join(dir, 'prebuilds', `${process.platform}-${process.arch}.node`));
    expect(existsSync(join(dir, 'build', 'Release', 'better_sqlite3.node'))).toBe(false);
    const Database = require('better-sqlite3') as new (file: string) => { prepare(sql: string): { get(): unknown }; close(): void };
    const db = new Database(':memory:');
    expect(db.prepare('select 1 as one').get()).toEqual({ one: 1 });
    db.close();
  });

  it('npm ci of it from the lock file runs no build on a machine without a compiler, Python or make', () => {
    // A project of better-sqlite3 alone, with this repository's lock entries and allowScripts, installed by
    // `npm ci` from npm's cache with a PATH of only Node and a shell: a node-gyp run would fail at once.
    const dir = mkdtempSync(join(tmpdir(), 'ww-nocompiler-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      symlinkSync(process.execPath, join(bin, 'node'));
      symlinkSync('/bin/sh', join(bin, 'sh'));
      const project = join(dir, 'project');
      mkdirSync(project);
      const entries = Object.fromEntries(['node_modules/better-sqlite3', 'node_modules/node-addon-api'].map((k) => [k, lock.packages[k]]));
      const version = (lock.packages['node_modules/better-sqlite3'] as { version: string }).version;
      const manifest = { name: 'install-probe', version: '1.0.0', private: true, dependencies: { 'better-sqlite3': version }, allowScripts: pkg.allowScripts };
      writeFileSync(join(project, 'package.json'), JSON.stringify(manifest));
      writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'install-probe', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': manifest, ...entries } }));
      const r = spawnSync(process.execPath, [npmCli(), 'ci', '--prefer-offline', '--foreground-scripts', '--no-audit', '--no-fund'], {
        cwd: project,
        encoding: 'utf8',
        env: { PATH: bin, HOME: homedir(), npm_config_update_notifier: 'false' },
        timeout: 120_000,
      });
      expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/gyp|Python/i);
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(join(project, 'node_modules', 'better-sqlite3', 'build'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
