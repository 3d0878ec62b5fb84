import { createStore, useStore } from './store.ts';

/**
 * Hash routing (`#/path?query`): the server serves one page, and the links it mails are
 * `<PUBLIC_URL>/#/verify-email?token=…` and `<PUBLIC_URL>/#/recover?token=…` — the token stays in the fragment, so
 * it never reaches a server log or a Referer header.
 */
export interface Route {
  /** Path segments after `#/`, decoded: `#/vault/abc/edit` → ['vault', 'abc', 'edit']. */
  readonly parts: readonly string[];
  readonly query: URLSearchParams;
  /** The raw fragment without `#`, for redirects back after login or unlock. */
  readonly href: string;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { parts, query: new URLSearchParams(query), href: raw || '/' };
}

export const route = createStore<Route>(parseHash(location.hash));
addEventListener('hashchange', () => route.set(parseHash(location.hash)));

/** Goes to `#/…`; `replace` keeps the current entry out of the history (redirects, tokens in links). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const hash = `#${path.startsWith('/') ? path : `/${path}`}`;
  if (location.hash === hash) return;
  if (options.replace) {
    history.replaceState(history.state, '', hash);
    route.set(parseHash(hash));
  } else {
    location.hash = hash;
  }
}

/** `#/a/b` with each segment encoded. */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

export function useRoute(): Route {
  return useStore(route);
}
