/**
 * The web vault's service worker (docs/web-vault.md "Installable app"), written into the build by pwa/plugin.ts with
 * SHELL (the URLs of the built files) and VERSION (a hash of them) filled in.
 *
 * - install: caches the app shell — the page and every built file — in `watchword-shell-<VERSION>`;
 * - activate: deletes every other cache of this origin's shells and takes control of open pages;
 * - fetch: answers only GET requests for the shell: the page network-first (a new deploy is seen at once; the cached
 *   page when the server cannot be reached), the content-hashed files cache-first. Everything else — the API above
 *   all — is never looked at or cached: it goes to the network as if there were no worker.
 */
const SHELL = /* SHELL */ [];
const VERSION = /* VERSION */ '';
const CACHE = `watchword-shell-${VERSION}`;
const PAGE = '/';
const FILES = new Set(SHELL);

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith('watchword-shell-') && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/index.html')) {
    event.respondWith(page(request));
  } else if (FILES.has(url.pathname) && url.pathname !== PAGE) {
    event.respondWith(file(request, url.pathname));
  }
});

async function page(request) {
  try {
    const response = await fetch(request);
    if (response.status < 500) return response;
  } catch {
    // The server cannot be reached: the cached page below.
  }
  const cached = await caches.match(PAGE, { cacheName: CACHE });
  return cached ?? Response.error();
}

async function file(request, path) {
  const cached = await caches.match(path, { cacheName: CACHE });
  return cached ?? fetch(request);
}
