import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFresh, newest, withBuildLock } from '../build-freshness.ts';

describe('start-time builds: freshness and lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-freshness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  it('an output is fresh only while it exists and nothing under any input is newer', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'deep'), { recursive: true });
    const a = join(src, 'a.ts');
    const b = join(src, 'deep', 'b.ts');
    const lock = join(dir, 'package-lock.json');
    const out = join(dir, 'main.mjs');
    for (const file of [a, b, lock]) writeFileSync(file, 'x');
    at(a, 1_000);
    at(b, 2_000);
    at(lock, 1_500);
    expect(newest(src)).toBe(2_000_000);
    expect(newest(join(dir, 'missing'))).toBe(0);
    expect(isFresh(out, [src, lock])).toBe(false);
    writeFileSync(out, 'bundle');
    at(out, 3_000);
    expect(isFresh(out, [src, lock])).toBe(true);
    // A file deep in an input directory, edited after the build, makes it stale; so does the lock file.
    at(b, 4_000);
    expect(isFresh(out, [src, lock])).toBe(false);
    at(out, 5_000);
    at(lock, 6_000);
    expect(isFresh(out, [src, lock])).toBe(false);
  });

  it('concurrent builders take turns', async () => {
    const name = `ww-freshness-test-${process.pid}`;
    const events: string[] = [];
    const build = (id: string) =>
      withBuildLock(name, async () => {
        events.push(`${id} start`);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`${id} end`);
      });
    await Promise.all([build('one'), build('two')]);
    expect(events).toEqual(events[0] === 'one start' ? ['one start', 'one end', 'two start', 'two end'] : ['two start', 'two end', 'one start', 'one end']);
  });
});
