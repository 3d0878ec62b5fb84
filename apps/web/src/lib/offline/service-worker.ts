/**
 * Registers the service worker that keeps the app shell for offline use (pwa/service-worker.js, written by the build;
 * docs/web-vault.md "Installable app"). Only in a build: the dev server has no sw.js. A failure leaves the vault as
 * it was, online only.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}
