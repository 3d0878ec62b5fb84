import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs without types (it must run on any old Node)
import { SERVER_NODE_FLAGS, nodeFlagsFor } from '../launch.mjs';

const launcher = join(import.meta.dirname, '..', 'launch.mjs');

/** The server's Node flags (docs/performance.md "Server memory"): added by the launcher for the server's entry only. */
describe('scripts/launch.mjs: the server process flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-launch-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Stand-ins at the server's and another entry's paths that print the flags their Node was started with.
  const print = 'console.log(JSON.stringify(process.execArgv));\n';
  const serverEntry = join(dir, 'packages', 'server', 'dist', 'main.mjs');
  const otherEntry = join(dir, 'bench', 'run.mjs');
  mkdirSync(join(dir, 'packages', 'server', 'dist'), { recursive: true });
  mkdirSync(join(dir, 'bench'), { recursive: true });
  writeFileSync(serverEntry, print);
  writeFileSync(otherEntry, print);
  const execArgv = (entry: string, env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [launcher, entry], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env } });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim()) as string[];
  };

  it('caps the young generation of the server it starts, and of nothing else', () => {
    expect(SERVER_NODE_FLAGS).toEqual(['--max-semi-space-size=8']);
    expect(execArgv(serverEntry)).toEqual(expect.arrayContaining(SERVER_NODE_FLAGS));
    expect(execArgv(otherEntry)).not.toContain('--max-semi-space-size=8');
    expect(nodeFlagsFor('packages/server/src/main.ts', {})).toEqual(SERVER_NODE_FLAGS);
    expect(nodeFlagsFor('packages/server/dist/main.mjs.old', {})).toEqual([]);
  });

  it("leaves the semi-space to an operator's NODE_OPTIONS", () => {
    expect(execArgv(serverEntry, { NODE_OPTIONS: '--max-semi-space-size=16' })).not.toContain('--max-semi-space-size=8');
    expect(nodeFlagsFor('packages/server/dist/main.mjs', { NODE_OPTIONS: '--max-semi-space-size=16' })).toEqual([]);
  });
});
