/**
 * Registers the service worker that keeps the app shell for offline use (pwa/service-worker.js, written by the build;
 * docs/web-vault.md "Installable app"). Only in a build, which names the worker (pwa/plugin.ts): the dev server has
 * none. A failure leaves the vault as it was, online only.
 */
export function registerServiceWorker(): void {
  const url = import.meta.env.WATCHWORD_SERVICE_WORKER;
  if (url === undefined || !('serviceWorker' in navigator)) return;
  void navigator.serviceWorker.register(url, { scope: '/' }).catch(() => undefined);
}
