import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExtension } from '../build.ts';

/**
 * The Firefox build against what Firefox requires of a Manifest V3 add-on (MDN, "manifest.json": `background.scripts`
 * — Firefox has no extension service worker —, `browser_specific_settings.gecko.id` in e-mail or {GUID} form, MV3
 * from Firefox 109), and that it is the same source as the Chromium build: every file but the manifest is identical.
 */

interface Manifest {
  manifest_version: number;
  background: { scripts?: string[]; service_worker?: string; type?: string };
  browser_specific_settings?: { gecko?: { id?: string; strict_min_version?: string } };
  action: { default_popup: string };
  content_scripts: { js: string[]; matches: string[] }[];
  web_accessible_resources: { resources: string[]; matches: string[]; use_dynamic_url?: boolean }[];
  content_security_policy: { extension_pages: string };
  permissions: string[];
  host_permissions: string[];
}

let dist: string;
let built: { chromium: string; firefox: string };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [relative(dir, path)];
  });
}

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'ww-ext-build-'));
  built = await buildExtension(dist);
}, 120_000);

afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe('Firefox build', () => {
  it('is a valid Firefox Manifest V3: background scripts, a gecko id, MV3-capable minimum version', () => {
    const m = read(built.firefox);
    expect(m.manifest_version).toBe(3);
    expect(m.background.service_worker).toBeUndefined();
    expect(m.background.scripts).toEqual(['background.js']);
    const gecko = m.browser_specific_settings?.gecko;
    // An add-on id is an e-mail-like string or a GUID in braces (MDN, browser_specific_settings).
    expect(gecko?.id).toMatch(/^([a-zA-Z0-9._-]*@[a-zA-Z0-9._-]+|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$/);
    expect(Number(gecko?.strict_min_version?.split('.')[0])).toBeGreaterThanOrEqual(109);
    // Chromium-only keys Firefox would warn about.
    expect(JSON.stringify(m)).not.toContain('use_dynamic_url');
    expect(JSON.stringify(m)).not.toContain('minimum_chrome_version');
    // MV3: host access in host_permissions, no remote code in the CSP.
    expect(m.permissions).not.toContain('<all_urls>');
    expect(m.host_permissions).toContain('<all_urls>');
    expect(m.content_security_policy.extension_pages).toMatch(/script-src 'self'( 'wasm-unsafe-eval')?;/);
  });

  it('every file the manifest names exists in the build', () => {
    for (const dir of [built.firefox, built.chromium]) {
      const m = read(dir);
      const named = [
        ...(m.background.scripts ?? []),
        ...(m.background.service_worker ? [m.background.service_worker] : []),
        m.action.default_popup,
        ...m.content_scripts.flatMap((c) => c.js),
        ...m.web_accessible_resources.flatMap((w) => w.resources),
      ];
      const present = new Set(files(dir));
      for (const file of named) expect(present, `${dir}: ${file}`).toContain(file);
    }
  });

  it('is built from the same source as the Chromium build: only the manifest differs', () => {
    const ours = files(built.chromium).sort();
    expect(files(built.firefox).sort()).toEqual(ours);
    for (const file of ours) {
      if (file === 'manifest.json') continue;
      expect(readFileSync(join(built.firefox, file)).equals(readFileSync(join(built.chromium, file))), file).toBe(true);
    }
    const chromium = read(built.chromium);
    const firefox = read(built.firefox);
    expect(chromium.background.service_worker).toBe('background.js');
    const { background: _b, browser_specific_settings: _g, web_accessible_resources: wf, ...restF } = firefox as Manifest & Record<string, unknown>;
    const { background: _c, minimum_chrome_version: _v, web_accessible_resources: wc, ...restC } = chromium as Manifest & Record<string, unknown>;
    expect(restF).toEqual(restC);
    expect(wf.map((w) => w.resources)).toEqual(wc.map((w) => w.resources));
  });

  it('the zip holds exactly the folder', () => {
    for (const dir of [built.firefox, built.chromium]) {
      const zip = unzipSync(readFileSync(`${dir}.zip`));
      expect(Object.keys(zip).sort()).toEqual(files(dir).sort());
      for (const [name, bytes] of Object.entries(zip)) expect(Buffer.from(bytes).equals(readFileSync(join(dir, name))), name).toBe(true);
    }
  });
});
