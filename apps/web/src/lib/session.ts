import { LocalUnlockError, type Session, type Vault, type VaultItem, WatchwordClient, listPasskeys, unlockWithPasskeyEntries } from '@watchword/client';
import { startAutoLock } from './autolock.ts';
import { clearCopiedSecret } from './clipboard.ts';
import { UserError, describeError, isSessionEnded } from './errors.ts';
import { database } from './idb.ts';
import { applyDelta, itemsView, markComplete } from './item-store.ts';
import { forgetItems, syncItems } from './item-sync.ts';
import { isOffline, markOffline, whenBackOnline } from './offline/connectivity.ts';
import { forgetDeviceCopy, loadCopy, loadLocalUnlock, saveCopySoon, saveLocalUnlock } from './offline/copy-store.ts';
import { forgetQueued, queuedChanges } from './offline/outbox.ts';
import type { PasskeyInfo } from '@watchword/protocol';
import { keepUsedPasskey, loadKeptPasskeys } from './offline/passkey-record.ts';
import { isUnreachable, openOfflineVault, outboxConflict, pendingItems, reconnect, sendOutbox, withQueued } from './offline/queue.ts';
import { loadSession, persistSession, updateTokens } from './persisted-session.ts';
import { openWithPin } from './pin.ts';
import { navigate } from './router.ts';
import { settings, updateSettings } from './settings.ts';
import { createStore } from './store.ts';
import { describeUserAgent } from './format.ts';
import { passkeyCeremonies } from './passkeys.ts';
import { anotherTabOpen, exclusively, onTabMessage, tellOtherTabs } from './tabs.ts';

/**
 * The page's one session, and this browser profile's (docs/web-vault.md, "What the browser keeps"):
 * - the Vault object holds the account and vault keys, in memory only; locking zeroes and drops it;
 * - the Session object holds the tokens and the DPoP key pair (non-extractable private key); it is also kept in
 *   IndexedDB, the tokens sealed (persisted-session.ts), so a reload or a new tab opens the vault *locked*, on the same
 *   session — no new login, no second factor, one entry in the Devices list;
 * - the tabs share that session: refresh-token rotation takes turns through a Web Lock and hands the successor over
 *   through IndexedDB (so no tab presents a token another already rotated), and a lock the person asks for, a login
 *   and a logout reach every tab (tabs.ts).
 * - IndexedDB also holds the sealed offline things (lib/idb.ts): the encrypted copy of the vault, the master-password
 *   unlock record and the offline edits (docs/web-vault.md "Offline").
 */
export const client = new WatchwordClient({
  serverUrl: location.origin,
  // One rotation at a time across tabs; a tab whose token another tab already rotated takes the successor instead.
  coordinateRefresh: (current, rotate) =>
    exclusively('refresh', async () => {
      const userId = sessionUserId();
      const kept = await loadSession();
      if (kept && kept.userId === userId && kept.tokens.refreshToken !== current.refreshToken) return kept.tokens;
      const next = await rotate(current);
      if (userId !== undefined) await updateTokens(userId, next);
      return next;
    }),
});

export type AuthState =
  | { readonly phase: 'starting' }
  | { readonly phase: 'anonymous'; readonly notice?: string }
  | { readonly phase: 'locked'; readonly session: Session; readonly userId: string; readonly email: string; readonly idle: boolean }
  | { readonly phase: 'unlocked'; readonly vault: Vault; readonly email: string };

export const auth = createStore<AuthState>({ phase: 'starting' });

/** The decrypted items (trash included) of the unlocked vault, kept by item-store.ts; null while loading or locked. */
export { itemsView as items } from './item-store.ts';
/** Why the last load of the items failed (shown with a retry), or null. */
export const itemsError = createStore<string | null>(null);
/** When the items shown were last known to match the server (the copy's time, offline); null before the first sync. */
export const itemsSyncedAt = createStore<number | null>(null);

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

function sessionUserId(): string | undefined {
  const state = auth.get();
  return state.phase === 'unlocked' ? state.vault.userId : state.phase === 'locked' ? state.userId : undefined;
}

/** After a login: keep the session in IndexedDB (sealed), tell the other tabs, open the vault. */
export async function loggedIn(vault: Vault, options: { password?: string } = {}): Promise<void> {
  const dpopKey = vault.session.dpopKey;
  if (!dpopKey) throw new Error('the web vault logs in with a DPoP key');
  try {
    await persistSession({ userId: vault.userId, email: vault.account.email, dpopKey, tokens: vault.session.tokens });
    tellOtherTabs({ type: 'login' });
  } catch {
    // IndexedDB refused (some private windows): the session lives in this tab only, and a reload logs out.
  }
  opened(vault, options);
}

/**
 * After a login or an unlock: keep the vault, start the inactivity lock, load the items. With the master password
 * that just opened it online, (re)writes this device's offline unlock record (Argon2id, in the background).
 */
export function opened(vault: Vault, options: { password?: string } = {}): void {
  stopAutoLock?.();
  overlaid = new Set();
  itemsSyncedAt.set(vault.offlineSince);
  auth.set({ phase: 'unlocked', vault, email: vault.account.email });
  stopAutoLock = startAutoLock(() => settings.get().autoLockMinutes, () => lock({ idle: true }));
  for (const fn of onUnlock) fn(vault);
  void refreshItems().catch(() => undefined);
  if (options.password !== undefined && vault.offlineSince === null) {
    // Not after a lock or log-out meanwhile: logging out must leave no record behind.
    void client.sealForLocalUnlock(vault, options.password).then((record) => (vault.locked ? undefined : saveLocalUnlock(vault.userId, record))).catch(() => undefined);
  }
}

/**
 * The server answers again: a vault opened from the copy becomes an online one (same key, the copy as the start of
 * a delta sync), then the outbox is sent and the list synced.
 */
async function backOnline(): Promise<void> {
  const state = auth.get();
  if (state.phase !== 'unlocked') return;
  let vault = state.vault;
  if (vault.offlineSince !== null) {
    try {
      vault = await reconnect(state.vault);
    } catch (error) {
      if (isSessionEnded(error)) return sessionEnded();
      if (isUnreachable(error)) markOffline();
      return;
    }
    if (auth.get() !== state) return vault.lock();
    state.vault.lock();
    auth.set({ phase: 'unlocked', vault, email: state.email });
    for (const fn of onUnlock) fn(vault);
  }
  await refreshItems().catch(() => undefined);
}
whenBackOnline(() => void backOnline());

/**
 * Brings the item store (item-store.ts) up to date: online, the outbox is sent and a delta sync applied (decrypted in
 * the worker, item-sync.ts); a vault opened from the copy shows the copy; while the server is away the last items
 * known stay. Then the queued changes are laid over the items they change.
 */
async function showItems(vault: Vault): Promise<void> {
  if (vault.offlineSince === null && !isOffline()) {
    await sendOutbox(vault);
    try {
      await syncItems(vault);
      itemsSyncedAt.set(Date.now());
      saveCopySoon(vault);
    } catch (error) {
      if (!isUnreachable(error) || itemsView.get() === null) throw error;
      markOffline();
    }
  } else if (itemsView.get() === null) {
    if (vault.offlineSince === null) throw new UserError('The server cannot be reached, and nothing was loaded yet.');
    applyDelta({ changed: await vault.list({ trash: 'include' }), removed: [] });
    markComplete();
  }
  await overlayQueued(vault);
}

/** Ids shown with a queued change laid over the server's version (offline/queue.ts withQueued). */
let overlaid = new Set<string>();

/**
 * Lays the outbox's changes over the items they change, as one delta: the changed rows only. An item overlaid before
 * whose change has gone (sent, or dropped at a conflict) gets the vault's own version back.
 */
async function overlayQueued(vault: Vault): Promise<void> {
  if (itemsView.get() === null) return;
  if (overlaid.size === 0 && (await queuedChanges(vault.userId)).length === 0) {
    if (pendingItems.get().size > 0) pendingItems.set(new Map());
    return;
  }
  const local = vault.localItems();
  const shown = await withQueued(vault, local);
  const pending = pendingItems.get();
  const byId = new Map(shown.map((item) => [item.id, item]));
  const server = new Map(local.map((item) => [item.id, item]));
  const changed: VaultItem[] = [];
  const removed: string[] = [];
  for (const id of new Set([...overlaid, ...pending.keys()])) {
    const item = pending.has(id) ? byId.get(id) : server.get(id);
    if (item) changed.push(item);
    else removed.push(id);
  }
  overlaid = new Set(pending.keys());
  if (vault.locked) return;
  applyDelta({ changed, removed });
}

/** Fetches what changed since the last sync and applies it to the item store (a failure is kept in itemsError). */
export async function refreshItems(): Promise<void> {
  const state = auth.get();
  if (state.phase !== 'unlocked') return;
  try {
    await showItems(state.vault);
    if (auth.get() === state) itemsError.set(null);
  } catch (error) {
    if (isSessionEnded(error)) return sessionEnded();
    if (auth.get() !== state || state.vault.locked) return;
    if (isUnreachable(error)) markOffline();
    itemsError.set(describeError(error));
    throw error;
  }
}

/**
 * Drops the keys (zeroed) and the decrypted items; the session stays for a quick unlock. A lock the person asks for
 * locks every tab; the inactivity lock only this one (a tab in the background is always "inactive").
 */
export function lock(options: { idle?: boolean; fromOtherTab?: boolean } = {}): void {
  const state = auth.get();
  if (state.phase !== 'unlocked') return;
  stopAutoLock?.();
  stopAutoLock = undefined;
  void clearCopiedSecret();
  forgetItems();
  itemsError.set(null);
  pendingItems.set(new Map());
  outboxConflict.set(null);
  overlaid = new Set();
  state.vault.lock();
  auth.set({ phase: 'locked', session: state.vault.session, userId: state.vault.userId, email: state.email, idle: options.idle === true });
  if (options.idle !== true && options.fromOtherTab !== true) tellOtherTabs({ type: 'lock' });
}

/**
 * Unlocks with the master password: proven to the server when it answers; when it cannot be reached, opened here
 * against this device's unlock record and encrypted copy (SDK resumeWithPassword; docs/crypto.md).
 */
export async function unlock(password: string): Promise<void> {
  const state = auth.get();
  if (state.phase !== 'locked') return;
  try {
    opened(await client.unlock(state.session, password), { password });
    return;
  } catch (error) {
    if (!isUnreachable(error)) throw error;
  }
  markOffline();
  const [local, copy] = await Promise.all([loadLocalUnlock(state.userId), loadCopy(state.userId)]);
  if (!local || !copy) throw new UserError('The server cannot be reached, and this device keeps no offline copy of this vault.');
  try {
    const vault = await client.resumeWithPassword({ tokens: state.session.tokens, dpop: null, userId: state.userId, local, password, cache: copy.sealed }, state.session.dpopKey);
    if (auth.get() !== state) return vault.lock();
    opened(vault);
  } catch (error) {
    if (error instanceof LocalUnlockError) throw new UserError('The master password does not open the copy kept on this device.');
    throw error;
  }
}

/** Unlocks with this device's PIN (pin.ts): the account key is opened here, the vault keys fetched on the live session (or the copy, offline). */
export async function unlockWithPin(pin: string): Promise<void> {
  const state = auth.get();
  if (state.phase !== 'locked') return;
  const accountKey = await openWithPin(state.userId, pin);
  // Online on the live session; with the server unreachable, from this device's encrypted copy (offline/queue.ts).
  const vault = await openOfflineVault(state.session, accountKey, state.userId);
  if (auth.get() !== state) return vault.lock();
  opened(vault);
}

/**
 * Unlocks with one of the account's passkeys (WebAuthn PRF): the authenticator verifies the person and gives the PRF
 * output, which unwraps the account key here (docs/crypto.md "Passkey unlock"). Online, among the account's passkeys
 * (the server's list), and the one used is kept on this device for offline (offline/passkey-record.ts); with the
 * server unreachable, among the passkeys kept here — the ceremony is local, a random challenge — and the vault opens
 * from this device's encrypted copy (openOfflineVault).
 */
export async function unlockWithPasskey(): Promise<void> {
  const state = auth.get();
  if (state.phase !== 'locked') return;
  let serverList: PasskeyInfo[] | undefined;
  try {
    serverList = await listPasskeys(state.session);
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    markOffline();
  }
  const passkeys = serverList ?? (await loadKeptPasskeys(state.userId));
  if (passkeys.length === 0) {
    throw new UserError(serverList ? 'This account has no passkey that unlocks the vault.' : 'The server cannot be reached, and no passkey was used on this device yet. Unlock with your master password.');
  }
  const { accountKey, credentialId } = await unlockWithPasskeyEntries({ userId: state.userId, get: passkeyCeremonies.get, passkeys });
  const vault = await openOfflineVault(state.session, accountKey, state.userId);
  if (auth.get() !== state) return vault.lock();
  opened(vault);
  if (serverList) void keepPasskeyFor(vault, credentialId, serverList);
}

/** Keeps (refreshes) this device's offline passkey record — not after a lock or log-out meanwhile. */
async function keepPasskeyFor(vault: Vault, credentialId: string, serverList?: readonly PasskeyInfo[]): Promise<void> {
  try {
    const list = serverList ?? (await listPasskeys(vault.session));
    if (!vault.locked) await keepUsedPasskey(vault.userId, credentialId, list);
  } catch {
    // Unreachable or refused: the record is refreshed at the next online passkey unlock.
  }
}

/** Signs in from the login page with a passkey alone (no e-mail, no master password), then as after a login. */
export async function signInWithPasskey(): Promise<void> {
  let credentialId: string | undefined;
  const vault = await client.signInWithPasskey({ get: passkeyCeremonies.get, deviceName: `Web vault (${describeUserAgent(navigator.userAgent)})`, onCredential: (id) => (credentialId = id) });
  await loggedIn(vault);
  if (credentialId !== undefined) void keepPasskeyFor(vault, credentialId);
}

/** Everything this profile keeps for the account: the session, the device unlock records, the vault copy. */
async function wipeDevice(): Promise<void> {
  const db = await database();
  await Promise.all((['session', 'device-unlock', 'vault-cache'] as const).map((store) => db.clear(store)));
}

function forgetHere(notice: string | undefined): void {
  const state = auth.get();
  stopAutoLock?.();
  stopAutoLock = undefined;
  void clearCopiedSecret();
  forgetItems();
  itemsError.set(null);
  pendingItems.set(new Map());
  outboxConflict.set(null);
  overlaid = new Set();
  if (state.phase === 'unlocked') state.vault.lock();
  auth.set(notice === undefined ? { phase: 'anonymous' } : { phase: 'anonymous', notice });
  navigate('/login', { replace: true });
}

/** Forgets everything local — in memory, in IndexedDB and in every tab — and shows the login page (with `notice`). */
export function forgetSession(notice?: string): void {
  forgetHere(notice);
  void wipeDevice().finally(() => tellOtherTabs({ type: 'logout', everywhere: false }));
}

export function sessionEnded(): void {
  forgetSession('Your session has ended (it expired or was ended from another device). Log in again.');
}

/** Ends the session on the server (or every session of the account), then forgets it here either way. */
export async function logout(options: { everywhere?: boolean } = {}): Promise<void> {
  const session = currentSession();
  const state = auth.get();
  const userId = state.phase === 'unlocked' ? state.vault.userId : state.phase === 'locked' ? state.userId : undefined;
  // Logging out leaves nothing of the account on this device: its copy, unlock record and unsent changes go.
  if (userId !== undefined) await Promise.all([forgetDeviceCopy(userId), forgetQueued(userId)]).catch(() => undefined);
  try {
    if (session && options.everywhere) await session.logoutAll();
    else if (session) await session.logout();
  } catch {
    // Already ended, or the server is unreachable: the tokens are forgotten here all the same.
  } finally {
    forgetHere(options.everywhere ? 'You were logged out on every device.' : 'You are logged out.');
    await wipeDevice().catch(() => undefined);
    tellOtherTabs({ type: 'logout', everywhere: options.everywhere === true });
  }
}

/** The session kept in IndexedDB, restored locked; false when there is none. */
async function restoreKept(): Promise<boolean> {
  const kept = await loadSession();
  if (!kept) return false;
  const session = await client.restoreSession({ tokens: kept.tokens, dpop: null }, kept.dpopKey);
  auth.set({ phase: 'locked', session, userId: kept.userId, email: kept.email, idle: false });
  return true;
}

/**
 * "Log out when the browser closes": a tab marks its browser session in sessionStorage (which lives as long as the
 * tab, reloads included). A page that opens without the mark while no other vault tab answers is the first of a new
 * browser session: the kept session is ended on the server and wiped before anything else.
 */
const OPEN_MARK = 'watchword.open';

async function endKeptSession(): Promise<void> {
  const kept = await loadSession();
  if (kept) {
    const session = await client.restoreSession({ tokens: kept.tokens, dpop: null }, kept.dpopKey);
    await session.logout().catch(() => undefined);
  }
  await wipeDevice();
}

export function setLogoutOnClose(on: boolean): void {
  updateSettings({ logoutOnClose: on });
  try {
    if (on) sessionStorage.setItem(OPEN_MARK, '1');
    else sessionStorage.removeItem(OPEN_MARK);
  } catch {
    // sessionStorage disabled: the next start finds no mark and logs out, the safe side.
  }
}

/** Page start: restore this profile's session, locked (or end it, with "log out when the browser closes"). */
export async function start(): Promise<void> {
  try {
    if (settings.get().logoutOnClose) {
      const marked = sessionStorage.getItem(OPEN_MARK) !== null;
      if (!marked && !(await anotherTabOpen())) await endKeptSession();
      sessionStorage.setItem(OPEN_MARK, '1');
    }
    await restoreKept();
  } catch {
    // IndexedDB unavailable (a private window may refuse it): the page works, logged out, as before.
  } finally {
    if (auth.get().phase === 'starting') auth.set({ phase: 'anonymous' });
  }
}

onTabMessage((message) => {
  const state = auth.get();
  switch (message.type) {
    case 'login':
      if (state.phase === 'anonymous') void restoreKept().catch(() => undefined);
      break;
    case 'lock':
      lock({ fromOtherTab: true });
      break;
    case 'logout':
      if (state.phase === 'locked' || state.phase === 'unlocked') {
        forgetHere(message.everywhere ? 'You were logged out on every device.' : 'You are logged out.');
      }
      break;
  }
});

