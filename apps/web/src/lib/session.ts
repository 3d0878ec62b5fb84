import { type Session, type Vault, WatchwordClient } from '@watchword/client';
import { startAutoLock } from './autolock.ts';
import { clearCopiedSecret } from './clipboard.ts';
import { describeError, isSessionEnded } from './errors.ts';
import { forgetItems, syncItems } from './item-sync.ts';
import { navigate } from './router.ts';
import { settings } from './settings.ts';
import { createStore } from './store.ts';

/**
 * The page's one session. Everything secret lives in memory only (docs/web-vault.md):
 * - the Vault object holds the account and vault keys; locking zeroes and drops it;
 * - the Session object holds the access and refresh tokens and the DPoP key pair (non-extractable private key);
 *   it survives a lock, so unlocking needs the master password only — and a reload ends it (log in again).
 * Nothing goes to localStorage, sessionStorage, IndexedDB or cookies.
 */
export const client = new WatchwordClient({ serverUrl: location.origin });

export type AuthState =
  | { readonly phase: 'anonymous'; readonly notice?: string }
  | { readonly phase: 'locked'; readonly session: Session; readonly email: string; readonly idle: boolean }
  | { readonly phase: 'unlocked'; readonly vault: Vault; readonly email: string };

export const auth = createStore<AuthState>({ phase: 'anonymous' });

/** The decrypted items (trash included) of the unlocked vault, kept by item-store.ts; null while loading or locked. */
export { itemsView as items } from './item-store.ts';
/** Why the last load of the items failed (shown with a retry), or null. */
export const itemsError = createStore<string | null>(null);

let stopAutoLock: (() => void) | undefined;
const onUnlock = new Set<(vault: Vault) => void>();

/** Registers work to do after every login and unlock (e.g. finding out which admin pages to show). */
export function afterUnlock(fn: (vault: Vault) => void): void {
  onUnlock.add(fn);
}

export function currentVault(): Vault {
  const state = auth.get();
  if (state.phase !== 'unlocked') throw new Error('the vault is locked');
  return state.vault;
}

export function currentSession(): Session | undefined {
  const state = auth.get();
  return state.phase === 'unlocked' ? state.vault.session : state.phase === 'locked' ? state.session : undefined;
}

/** After a login or an unlock: keep the vault, start the inactivity lock, load the items. */
export function opened(vault: Vault): void {
  stopAutoLock?.();
  auth.set({ phase: 'unlocked', vault, email: vault.account.email });
  stopAutoLock = startAutoLock(() => settings.get().autoLockMinutes, () => lock({ idle: true }));
  for (const fn of onUnlock) fn(vault);
  void refreshItems().catch(() => undefined);
}

/** Fetches what changed since the last sync and applies it to the item store (a failure is kept in itemsError). */
export async function refreshItems(): Promise<void> {
  const state = auth.get();
  if (state.phase !== 'unlocked') return;
  try {
    await syncItems(state.vault);
    if (auth.get() === state) itemsError.set(null);
  } catch (error) {
    if (isSessionEnded(error)) return sessionEnded();
    if (auth.get() !== state || state.vault.locked) return;
    itemsError.set(describeError(error));
    throw error;
  }
}

/** Drops the keys (zeroed) and the decrypted items; the session stays for a quick unlock. */
export function lock(options: { idle?: boolean } = {}): void {
  const state = auth.get();
  if (state.phase !== 'unlocked') return;
  stopAutoLock?.();
  stopAutoLock = undefined;
  void clearCopiedSecret();
  forgetItems();
  itemsError.set(null);
  state.vault.lock();
  auth.set({ phase: 'locked', session: state.vault.session, email: state.email, idle: options.idle === true });
}

export async function unlock(password: string): Promise<void> {
  const state = auth.get();
  if (state.phase !== 'locked') return;
  opened(await client.unlock(state.session, password));
}

/** Forgets everything local and shows the login page (with `notice`, if given). */
export function forgetSession(notice?: string): void {
  const state = auth.get();
  stopAutoLock?.();
  stopAutoLock = undefined;
  void clearCopiedSecret();
  forgetItems();
  itemsError.set(null);
  if (state.phase === 'unlocked') state.vault.lock();
  auth.set(notice === undefined ? { phase: 'anonymous' } : { phase: 'anonymous', notice });
  navigate('/login', { replace: true });
}

export function sessionEnded(): void {
  forgetSession('Your session has ended (it expired or was ended from another device). Log in again.');
}

/** Ends the session on the server (or every session of the account), then forgets it here either way. */
export async function logout(options: { everywhere?: boolean } = {}): Promise<void> {
  const session = currentSession();
  try {
    if (session && options.everywhere) await session.logoutAll();
    else if (session) await session.logout();
  } catch {
    // Already ended, or the server is unreachable: the tokens are forgotten here all the same.
  } finally {
    forgetSession(options.everywhere ? 'You were logged out on every device.' : 'You are logged out.');
  }
}
