import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

/**
 * The installable app (docs/web-vault.md "Installable app"): a small Vite plugin of our own rather than a PWA
 * plugin package — what is needed is three files, and the well-known plugin (vite-plugin-pwa) brings Workbox and a
 * build-time dependency tree far larger than this. At build time it
 * - emits the app icons (src/icons, rendered by scripts/render-icons.ts) as content-hashed files in assets/;
 * - writes `manifest.webmanifest` (name, icons 192/512 and a maskable one, start_url, display standalone, colours);
 * - writes `sw.js` (pwa/service-worker.js) with the list of every built file and a version hashed from their names
 *   (themselves content-hashed) and the page, so each deploy installs a new shell cache and drops the old;
 * - links the manifest and the theme colour from the page.
 * The server serves both files from the build with the web vault's CSP (packages/server/src/modules/web/routes.ts).
 */
const ICONS = [
  { file: 'icon-192.png', sizes: '192x192', purpose: 'any' },
  { file: 'icon-512.png', sizes: '512x512', purpose: 'any' },
  { file: 'icon-maskable-512.png', sizes: '512x512', purpose: 'maskable' },
] as const;
export const THEME_COLOR = '#1f4e79';
export const MANIFEST_FILE = 'manifest.webmanifest';
export const SERVICE_WORKER_FILE = 'sw.js';

export function installableApp(): Plugin {
  const iconDir = join(import.meta.dirname, '..', 'src', 'icons');
  const workerSource = readFileSync(join(import.meta.dirname, 'service-worker.js'), 'utf8');
  return {
    name: 'watchword-installable-app',
    apply: 'build',
    enforce: 'post',
    // The page registers the worker only in a build (the dev server has none): the build names it here.
    config: () => ({ define: { 'import.meta.env.WATCHWORD_SERVICE_WORKER': JSON.stringify(`/${SERVICE_WORKER_FILE}`) } }),
    transformIndexHtml: () => [
      { tag: 'link', attrs: { rel: 'manifest', href: `/${MANIFEST_FILE}` }, injectTo: 'head' },
      { tag: 'meta', attrs: { name: 'theme-color', content: THEME_COLOR }, injectTo: 'head' },
    ],
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const icons = ICONS.map((icon) => {
          const ref = this.emitFile({ type: 'asset', name: icon.file, source: readFileSync(join(iconDir, icon.file)) });
          return { src: `/${this.getFileName(ref)}`, sizes: icon.sizes, type: 'image/png', purpose: icon.purpose };
        });
        const manifest = {
          name: 'Watchword',
          short_name: 'Watchword',
          description: 'Your Watchword password vault: decrypted on this device, never on the server.',
          id: '/',
          start_url: '/',
          scope: '/',
          display: 'standalone',
          background_color: '#ffffff',
          theme_color: THEME_COLOR,
          icons,
        };
        this.emitFile({ type: 'asset', fileName: MANIFEST_FILE, source: `${JSON.stringify(manifest, null, 2)}\n` });

        // Files emitted in this hook are not in `bundle` yet: the icons are added by name.
        const names = new Set([...Object.keys(bundle), ...icons.map((icon) => icon.src.slice(1))]);
        const files = [...names].filter((name) => name !== SERVICE_WORKER_FILE && name !== MANIFEST_FILE && name !== 'index.html').sort();
        const shell = ['/', ...files.map((name) => `/${name}`)];
        const page = bundle['index.html'];
        const pageBytes = page?.type === 'asset' ? page.source : '';
        const version = createHash('sha256').update(JSON.stringify(shell)).update(pageBytes).digest('hex').slice(0, 16);
        const source = workerSource.replace('/* SHELL */ []', JSON.stringify(shell)).replace("/* VERSION */ ''", JSON.stringify(version));
        if (source === workerSource) throw new Error('pwa/service-worker.js lost its SHELL/VERSION placeholders');
        this.emitFile({ type: 'asset', fileName: SERVICE_WORKER_FILE, source });
      },
    },
  };
}
