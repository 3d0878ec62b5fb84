import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs without types (it must run on any old Node)
import { SERVER_ENV, SERVER_NODE_FLAGS, nodeFlagsFor, serverEnvFor } from '../launch.mjs';

const launcher = join(import.meta.dirname, '..', 'launch.mjs');

/** The server's Node flags (docs/performance.md "Server memory"): added by the launcher for the server's entry only. */
describe('scripts/launch.mjs: the server process flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-launch-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Stand-ins at the server's and another entry's paths that print the flags their Node was started with.
  const print = 'console.log(JSON.stringify({ execArgv: process.execArgv, arenas: process.env.MALLOC_ARENA_MAX ?? null, mmap: process.env.MALLOC_MMAP_THRESHOLD_ ?? null }));\n';
  const serverEntry = join(dir, 'packages', 'server', 'dist', 'main.mjs');
  const otherEntry = join(dir, 'bench', 'run.mjs');
  mkdirSync(join(dir, 'packages', 'server', 'dist'), { recursive: true });
  mkdirSync(join(dir, 'bench'), { recursive: true });
  writeFileSync(serverEntry, print);
  writeFileSync(otherEntry, print);
  const started = (entry: string, env: Record<string, string> = {}) => {
    const base: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '' };
    delete base.MALLOC_ARENA_MAX;
    delete base.MALLOC_MMAP_THRESHOLD_;
    const r = spawnSync(process.execPath, [launcher, entry], { encoding: 'utf8', env: { ...base, ...env } });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim()) as { execArgv: string[]; arenas: string | null; mmap: string | null };
  };
  const execArgv = (entry: string, env: Record<string, string> = {}) => started(entry, env).execArgv;

  it('caps the young generation of the server it starts, and of nothing else', () => {
    expect(SERVER_NODE_FLAGS).toEqual(['--max-semi-space-size=8']);
    expect(execArgv(serverEntry)).toEqual(expect.arrayContaining(SERVER_NODE_FLAGS));
    expect(execArgv(otherEntry)).not.toContain('--max-semi-space-size=8');
    expect(nodeFlagsFor('packages/server/src/main.ts', {})).toEqual(SERVER_NODE_FLAGS);
    expect(nodeFlagsFor('packages/server/dist/main.mjs.old', {})).toEqual([]);
  });

  it("sets glibc malloc's arenas and mmap threshold for the server only, unless the environment sets them", () => {
    expect(started(serverEntry)).toMatchObject({ arenas: SERVER_ENV.MALLOC_ARENA_MAX, mmap: SERVER_ENV.MALLOC_MMAP_THRESHOLD_ });
    expect(started(otherEntry)).toMatchObject({ arenas: null, mmap: null });
    expect(started(serverEntry, { MALLOC_ARENA_MAX: '8' })).toMatchObject({ arenas: '8', mmap: SERVER_ENV.MALLOC_MMAP_THRESHOLD_ });
    expect(serverEnvFor('bench/run.ts', {})).toEqual({});
  });

  it("leaves the semi-space to an operator's NODE_OPTIONS", () => {
    expect(execArgv(serverEntry, { NODE_OPTIONS: '--max-semi-space-size=16' })).not.toContain('--max-semi-space-size=8');
    expect(nodeFlagsFor('packages/server/dist/main.mjs', { NODE_OPTIONS: '--max-semi-space-size=16' })).toEqual([]);
  });
});
