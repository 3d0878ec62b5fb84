import { createStore } from '../store.ts';

/**
 * Whether the server answers (docs/web-vault.md "Offline"). Set offline when a request cannot reach it (a failed
 * fetch: the SDK's SERVICE_UNAVAILABLE) or when the browser says it is offline; set back online when a probe of
 * `/healthz` answers — once when the page starts, on the browser's `online` event and every PROBE_INTERVAL_MS
 * while offline.
 * `since` is when this page last found it unreachable.
 */
export type Connectivity = { readonly online: true } | { readonly online: false; readonly since: number };

export const connectivity = createStore<Connectivity>(navigator.onLine ? { online: true } : { online: false, since: Date.now() });

const PROBE_INTERVAL_MS = 15_000;
const onBack = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

/** Registers work to do when the server answers again after being unreachable (send the outbox, sync). */
export function whenBackOnline(fn: () => void): void {
  onBack.add(fn);
}

export function isOffline(): boolean {
  return !connectivity.get().online;
}

export function markOffline(): void {
  if (!connectivity.get().online) return;
  connectivity.set({ online: false, since: Date.now() });
  timer ??= setInterval(() => void probe(), PROBE_INTERVAL_MS);
}

/** Asks the server whether it is there; true (and back online) when it answers. */
export async function probe(): Promise<boolean> {
  let answered = false;
  try {
    const response = await fetch('/healthz', { cache: 'no-store', credentials: 'omit' });
    answered = response.ok;
  } catch {
    answered = false;
  }
  if (answered) markOnline();
  else markOffline();
  return answered;
}

function markOnline(): void {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  if (connectivity.get().online) return;
  connectivity.set({ online: true });
  for (const fn of onBack) fn();
}

addEventListener('online', () => void probe());
addEventListener('offline', markOffline);
if (!navigator.onLine) timer = setInterval(() => void probe(), PROBE_INTERVAL_MS);
// A page opened from the service worker's cache may have a network but no server: ask once at start.
void probe();
