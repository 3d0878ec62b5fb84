/**
 * The web vault's tabs of one browser profile share one session (docs/web-vault.md, "One session per browser"):
 * - a BroadcastChannel tells the other tabs about a login, a lock the person asked for, a logout, and answers "is
 *   another tab open?" (for "log out when the browser closes");
 * - a Web Lock (navigator.locks) serialises work that must not interleave between tabs: refresh-token rotation and
 *   the PIN's try counter.
 * Messages carry no secret: the tokens travel through IndexedDB, sealed.
 */
export type TabMessage = { type: 'login' } | { type: 'lock' } | { type: 'logout'; everywhere: boolean } | { type: 'anyone-open' } | { type: 'open' };

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('watchword-tabs') : undefined;
const listeners = new Set<(message: TabMessage) => void>();

channel?.addEventListener('message', (event: MessageEvent<TabMessage>) => {
  const message = event.data;
  if (message?.type === 'anyone-open') {
    channel.postMessage({ type: 'open' } satisfies TabMessage);
    return;
  }
  for (const fn of listeners) fn(message);
});

export function tellOtherTabs(message: TabMessage): void {
  channel?.postMessage(message);
}

export function onTabMessage(fn: (message: TabMessage) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Whether another tab of the web vault answers within `waitMs` (every open tab answers at once). */
export function anotherTabOpen(waitMs = 300): Promise<boolean> {
  if (!channel) return Promise.resolve(false);
  return new Promise((resolve) => {
    const stop = onTabMessage((message) => {
      if (message.type !== 'open') return;
      clearTimeout(timer);
      stop();
      resolve(true);
    });
    const timer = setTimeout(() => {
      stop();
      resolve(false);
    }, waitMs);
    channel.postMessage({ type: 'anyone-open' } satisfies TabMessage);
  });
}

/** Runs `work` while holding the profile-wide lock `name`, so that no other tab runs work under the same name meanwhile. */
export function exclusively<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!('locks' in navigator)) return work();
  return navigator.locks.request(`watchword-${name}`, work);
}
