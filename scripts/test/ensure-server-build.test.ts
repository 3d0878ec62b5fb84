import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installBuild, withoutFetchProbes } from '../ensure-server-build.ts';

describe('installing a server build', () => {
  const root = mkdtempSync(join(tmpdir(), 'ww-install-'));
  const dist = join(root, 'dist');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  /** A staged build: the entry and its content-hashed chunks. */
  const stage = (chunks: string[]) => {
    const staging = join(root, `staging-${n++}`);
    mkdirSync(staging);
    writeFileSync(join(staging, 'main.mjs'), `build ${n}`);
    for (const chunk of chunks) writeFileSync(join(staging, chunk), chunk);
    return staging;
  };

  it('replaces the entry but keeps the chunks a running server of the last builds may still import', () => {
    installBuild(stage(['runtime-a.mjs', 'webauthn-a.mjs']), dist);
    expect(readFileSync(join(dist, 'main.mjs'), 'utf8')).toBe('build 1');
    // A new build shares one chunk and changes the other: the old one stays for servers still running build 1.
    installBuild(stage(['runtime-a.mjs', 'webauthn-b.mjs']), dist);
    expect(readFileSync(join(dist, 'main.mjs'), 'utf8')).toBe('build 2');
    expect(existsSync(join(dist, 'webauthn-a.mjs'))).toBe(true);
    installBuild(stage(['runtime-c.mjs', 'webauthn-c.mjs']), dist);
    expect(existsSync(join(dist, 'webauthn-a.mjs'))).toBe(true);
    // Build 1 is now the fourth newest: its own chunks go; what the last three builds use stays.
    installBuild(stage(['runtime-c.mjs', 'webauthn-d.mjs']), dist);
    expect(readdirSync(dist).sort()).toEqual(['builds.json', 'main.mjs', 'runtime-a.mjs', 'runtime-c.mjs', 'webauthn-b.mjs', 'webauthn-c.mjs', 'webauthn-d.mjs']);
    expect(readFileSync(join(dist, 'main.mjs'), 'utf8')).toBe('build 4');
  });
});

describe('the OPAQUE loader patch', () => {
  const id = '/repo/node_modules/@serenity-kit/opaque/cjs/index.js';
  const loader = "if (typeof Request === 'function' && x instanceof Request) f(); if (typeof Response === 'function' && y instanceof Response) g();";
  type Hooks = { transform(code: string, id: string): string | null; buildEnd(): void };
  const plugin = () => withoutFetchProbes() as unknown as Hooks;

  it('reads false for both fetch probes of the loader, and leaves every other module alone', () => {
    const p = plugin();
    expect(p.transform('typeof Request === \'function\'', '/repo/src/other.ts')).toBeNull();
    expect(p.transform(loader, id)).toBe('if (false && x instanceof Request) f(); if (false && y instanceof Response) g();');
    expect(() => p.buildEnd()).not.toThrow();
  });

  it('fails the build when the loader changed or was not bundled at all', () => {
    expect(() => plugin().transform(loader.replace("typeof Response === 'function'", 'true'), id)).toThrow(/expected "typeof Response === 'function'" exactly once/);
    expect(() => plugin().transform(`${loader} ${loader}`, id)).toThrow(/exactly once/);
    expect(() => plugin().buildEnd()).toThrow(/was not bundled/);
  });
});
