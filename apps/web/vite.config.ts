import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import preact from '@preact/preset-vite';
import { type Plugin, defineConfig } from 'vite';
import { installableApp } from './pwa/plugin.ts';

/**
 * The web vault build (docs/web-vault.md). `vite build` writes dist/: index.html plus content-hashed files in
 * dist/assets/, which the server serves with long-lived cache headers and the web vault's CSP, and the installable
 * app's manifest.webmanifest and sw.js (pwa/plugin.ts).
 *
 * `npm run dev` (root) runs this config's dev server with the API proxied to a local server.
 */
const API = process.env.WATCHWORD_DEV_API ?? 'http://127.0.0.1:8080';

const CHUNK_NAMES: [RegExp, string][] = [
  [/@zxcvbn-ts[\\/]language-common/, 'zxcvbn-common'],
  [/@zxcvbn-ts[\\/]language-en/, 'zxcvbn-en'],
  [/@zxcvbn-ts[\\/]core/, 'zxcvbn-core'],
  [/[\\/]qrcode[\\/]/, 'qrcode'],
];

function chunkName(moduleIds: readonly string[]): string {
  for (const [pattern, name] of CHUNK_NAMES) if (moduleIds.some((id) => pattern.test(id))) return name;
  return 'chunk';
}

/** Text files worth compressing; smaller files gain too little for the header. */
const TEXT_FILE = /\.(?:html|m?js|css|json|webmanifest|svg|txt|wasm)$/;
const MIN_GZIP_BYTES = 1024;

/**
 * Writes a gzipped copy (`<name>.gz`, best compression) beside each text file of the build that gzip makes smaller.
 * The server then holds only the copies in memory and compresses nothing at run time (server:
 * modules/web/routes.ts); written after the files themselves, so a copy is never older than its file.
 */
function gzippedCopies(): Plugin {
  return {
    name: 'watchword-gzipped-copies',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist';
      for (const name of Object.keys(bundle)) {
        if (!TEXT_FILE.test(name)) continue;
        const path = join(dir, name);
        const body = readFileSync(path);
        if (body.length < MIN_GZIP_BYTES) continue;
        const zipped = gzipSync(body, { level: 9 });
        if (zipped.length < body.length) writeFileSync(`${path}.gz`, zipped);
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Preact's JSX through Vite's own (Oxc) transform; in dev also Prefresh (hot updates keep the in-memory session:
  // a full reload would log out, since tokens live in memory only) and the Preact devtools hook.
  plugins: [preact({ reactAliasesEnabled: false }), installableApp(), gzippedCopies()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Private class fields and the rest of ES2022 (the SDK uses them); every browser with WebAuthn L2 has it.
    target: 'es2022',
    // Never turn an asset into a data: URL: the CSP allows data: for images only, and hashed files cache better.
    assetsInlineLimit: 0,
    // Browsers that run ES2022 modules all support <link rel="modulepreload">: no polyfill code.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
    // The OPAQUE module carries its WebAssembly inline (base64, ~430 kB) and zxcvbn its dictionaries: big on purpose.
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      output: {
        // Readable names for the lazily loaded chunks (the password-strength dictionaries, the QR encoder).
        chunkFileNames: (chunk) => `assets/${chunkName(chunk.moduleIds)}-[hash].js`,
      },
    },
  },
  server: {
    host: 'localhost',
    port: Number(process.env.WATCHWORD_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: {
      '/api': { target: API },
      '/.well-known': { target: API },
      '/healthz': { target: API },
    },
  },
});
