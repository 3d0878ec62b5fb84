import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { zipSync } from 'fflate';
import { build } from 'rolldown';

/**
 * `npm run build:extension`: bundles the extension (rolldown, the bundler under Vite) and writes, per browser, an
 * unpacked folder and a zip of it — dist/chromium, dist/chromium.zip, dist/firefox, dist/firefox.zip. The two builds
 * share every file but the manifest. Each script is one self-contained file: an MV3 service worker cannot import
 * dynamically and a content script cannot import at all.
 */
const HERE = import.meta.dirname;
export const DIST = join(HERE, 'dist');
const pkg = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')) as { version: string; description: string };

/** Extension pages: scripts from this extension only; WebAssembly compilation for OPAQUE; no inline code, no eval. */
export const EXTENSION_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *; connect-src 'self' https: http:; img-src 'self' data:; style-src 'self'";

export function manifest(browser: 'chromium' | 'firefox'): Record<string, unknown> {
  const common = {
    manifest_version: 3,
    name: 'Watchword',
    version: pkg.version,
    description: 'Fill and save logins from your self-hosted Watchword vault.',
    action: { default_title: 'Watchword', default_popup: 'popup.html' },
    permissions: ['storage', 'tabs', 'alarms', 'idle', 'clipboardWrite'],
    host_permissions: ['<all_urls>'],
    content_scripts: [{ matches: ['http://*/*', 'https://*/*'], js: ['content.js'], all_frames: true, run_at: 'document_idle' }],
    commands: { 'fill-login': { suggested_key: { default: 'Ctrl+Shift+L', mac: 'Command+Shift+L' }, description: 'Fill the best matching login (again: the next one)' } },
    content_security_policy: { extension_pages: EXTENSION_CSP },
  };
  if (browser === 'chromium') {
    return {
      ...common,
      minimum_chrome_version: '116',
      background: { service_worker: 'background.js', type: 'module' },
      // use_dynamic_url: the menu's address changes per session, so a page cannot frame it by a known address.
      web_accessible_resources: [{ resources: ['menu.html', 'prompt.html', 'menu.js', 'prompt.js', 'ui.css'], matches: ['<all_urls>'], use_dynamic_url: true }],
    };
  }
  return {
    ...common,
    background: { scripts: ['background.js'], type: 'module' },
    browser_specific_settings: { gecko: { id: 'extension@watchword.invalid', strict_min_version: '128.0' } },
    web_accessible_resources: [{ resources: ['menu.html', 'prompt.html', 'menu.js', 'prompt.js', 'ui.css'], matches: ['<all_urls>'] }],
  };
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

export async function buildExtension(dist = DIST): Promise<{ chromium: string; firefox: string }> {
  const out = join(dist, 'chromium');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const entries: [string, 'esm' | 'iife'][] = [
    ['background', 'esm'],
    ['popup', 'esm'],
    ['menu', 'esm'],
    ['prompt', 'esm'],
    ['content', 'iife'],
  ];
  for (const [name, format] of entries) {
    await build({
      input: join(HERE, 'src', `${name}.ts`),
      platform: 'browser',
      logLevel: 'warn',
      output: { file: join(out, `${name}.js`), format, codeSplitting: false, minify: false, comments: false },
    });
  }
  cpSync(join(HERE, 'static'), out, { recursive: true });
  const firefox = join(dist, 'firefox');
  cpSync(out, firefox, { recursive: true });
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest('chromium'), null, 2)}\n`);
  writeFileSync(join(firefox, 'manifest.json'), `${JSON.stringify(manifest('firefox'), null, 2)}\n`);
  for (const dir of [out, firefox]) {
    const entriesZip: Record<string, Uint8Array> = {};
    for (const path of files(dir).sort()) entriesZip[relative(dir, path).split('\\').join('/')] = readFileSync(path);
    writeFileSync(`${dir}.zip`, zipSync(entriesZip, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') }));
  }
  return { chromium: out, firefox };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { chromium, firefox } = await buildExtension();
  console.log(`Watchword extension: ${relative(process.cwd(), chromium)} (+ .zip), ${relative(process.cwd(), firefox)} (+ .zip)`);
}
