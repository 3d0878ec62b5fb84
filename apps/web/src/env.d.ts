/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The service worker's URL, defined by the build (pwa/plugin.ts); undefined on the dev server. */
  readonly WATCHWORD_SERVICE_WORKER?: string;
}
