import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs without types, on purpose (it must run on any old Node)
import { cachedNodePath, isSupported } from '../launch.mjs';

const launcher = join(import.meta.dirname, '..', 'launch.mjs');
// The machine's own (older) Node, if it has one: the launcher must cope with it.
const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
  if (!existsSync(p)) return false;
  const v = spawnSync(p, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return v !== '' && !isSupported(v);
});

describe('scripts/launch.mjs', () => {
  it('accepts Node >= 22.12 and refuses older versions', () => {
    expect(isSupported('v24.0.0')).toBe(true);
    expect(isSupported('22.12.0')).toBe(true);
    expect(isSupported('v23.1.0')).toBe(true);
    expect(isSupported('v22.11.9')).toBe(false);
    expect(isSupported('v20.20.2')).toBe(false);
  });

  it('runs the entry under the host Node when it is new enough, passing arguments and exit code', () => {
    const r = spawnSync(process.execPath, [launcher, '--eval', 'console.log(process.version); process.exit(7)'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(process.version);
    expect(r.status).toBe(7);
  });

  it('names the package for this platform in the cache directory', () => {
    const t = cachedNodePath({ WATCHWORD_NODE_DIR: '/tmp/x' });
    expect(t.bin).toBe(`/tmp/x/node_modules/node-${process.platform}-${process.arch}/bin/node`);
  });

  it.runIf(oldNode)('on an old Node with WATCHWORD_NO_NODE_FETCH=1 fails with one clear line', () => {
    const r = spawnSync(oldNode!, [launcher, '--eval', '1'], { encoding: 'utf8', env: { ...process.env, WATCHWORD_NO_NODE_FETCH: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Node >= 22\.12 is required \(found 20\./);
  });

  it.runIf(oldNode)('on an old Node re-runs itself under the cached Node 24 with a one-line notice only when fetching', () => {
    // The cache that ../shared/node24.sh and earlier runs fill; the launcher fetches into it when it is empty.
    const cache = cachedNodePath();
    const hadCache = existsSync(cache.bin);
    const r = spawnSync(oldNode!, [launcher, '--eval', 'console.log(process.versions.node)'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^24\./);
    if (hadCache) expect(r.stderr).toBe('');
    else expect(r.stderr).toMatch(/fetching Node 24 LTS/);
  });
});

describe('compile cache', () => {
  it('points NODE_COMPILE_CACHE into the user cache unless the caller chose', async () => {
    // @ts-expect-error plain .mjs
    const { withCompileCache } = await import('../launch.mjs');
    expect(withCompileCache({ XDG_CACHE_HOME: '/c' }).NODE_COMPILE_CACHE).toBe('/c/watchword-compile-cache');
    expect(withCompileCache({ NODE_COMPILE_CACHE: '/mine' }).NODE_COMPILE_CACHE).toBe('/mine');
    expect(withCompileCache({ NODE_DISABLE_COMPILE_CACHE: '1' }).NODE_COMPILE_CACHE).toBeUndefined();
  });
});
