/// <reference types="chrome" />
import { SecondFactorRequiredError, type SecondFactorPrompt, type Session, type Vault, type VaultItem, WatchwordClient, WatchwordError, generatePassword } from '@watchword/client';
import { type ItemContent, parseTotpSecret } from '@watchword/protocol';
import { cardLabel, currentTotp, fillValues } from './lib/fill-values.ts';
import { identityLabel } from './lib/identity-values.ts';
import { type KeyLogin, keyLogin } from './lib/key-login.ts';
import { clearDpopKey, loadDpopKey, saveDpopKey } from './lib/dpop-store.ts';
import { type PageKey, baseDomain, compiledInsecure, compiledScore, originOf, pageKey } from './lib/match.ts';
import { CopyKeeper, clearVaultCopy, loadVaultCopy, seedFromCopy } from './lib/vault-copy.ts';
import { type Indexed, VaultIndex } from './lib/vault-index.ts';
import type { ContentRequest, ExtensionRequest, FillValues, FormKind, ItemList, ItemSummary, LoginForm, MenuView, PopupOpen, PromptView, Reply, Status, ToContent } from './lib/messages.ts';

/**
 * The service worker: the only place that holds the vault key and decrypted items (in memory). Across a worker
 * restart it resumes from a sealed account key in chrome.storage.session (memory only, cleared when the browser
 * closes, not readable by content scripts); the DPoP key is a non-extractable CryptoKeyPair in IndexedDB.
 * chrome.storage.local keeps only settings: the server address, the e-mail, the lock time, the "never" sites.
 */

interface LocalSettings {
  serverUrl?: string;
  email?: string;
  idleMinutes?: number;
  neverSites?: string[];
  fillOnLoad?: boolean;
}

interface SessionState {
  tokens?: { accessToken: string; refreshToken: string; accessExpiresAt: number };
  userId?: string;
  sealed?: string;
  resumeKey?: string;
}

const DEFAULT_IDLE_MINUTES = 15;
const IDLE_ALARM = 'idle-lock';
/** The settings form offers whole minutes (1 to 1440); a smaller stored value (tests) is honoured down to 1 second. */
const MIN_IDLE_MINUTES = 1 / 60;
const SYNC_ALARM = 'sync';
const SYNC_MINUTES = 5;
const MAX_TEXT = 1024;
const MAX_NEVER_SITES = 1000;
const TOKEN_TTL_MS = 5 * 60_000;
const SYNC_ON_OPEN_MS = 30_000;
const FORM_KINDS: readonly FormKind[] = ['login', 'registration', 'change-password', 'otp', 'username-only', 'card', 'identity'];

let vault: Vault | undefined;
let session: Session | undefined;
let resuming: Promise<void> | undefined;
let lastSync = 0;
/** A sign-in waiting for the popup's security-key assertion (lib/key-login.ts), and the login it belongs to. */
let pendingKey: KeyLogin | undefined;
let keyDone: Promise<void> | undefined;

const local = {
  async get(): Promise<LocalSettings> {
    return (await chrome.storage.local.get(['serverUrl', 'email', 'idleMinutes', 'neverSites', 'fillOnLoad'])) as LocalSettings;
  },
  set: (values: LocalSettings) => chrome.storage.local.set(values),
};
const sessionStore = {
  async get(): Promise<SessionState> {
    return (await chrome.storage.session.get(['tokens', 'userId', 'sealed', 'resumeKey'])) as SessionState;
  },
  set: (values: SessionState) => chrome.storage.session.set(values),
  clear: () => chrome.storage.session.clear(),
};

function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

function text(value: unknown, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length > max) fail('VALIDATION_FAILED', 'The request is invalid.');
  return value;
}

async function client(): Promise<WatchwordClient> {
  const { serverUrl } = await local.get();
  if (!serverUrl) fail('VALIDATION_FAILED', 'Connect to a Watchword server first.');
  return new WatchwordClient({
    serverUrl,
    onTokens: async (tokens) => {
      await sessionStore.set({ tokens });
    },
  });
}

/** After a worker restart: the session from storage.session and the DPoP key from IndexedDB; the vault if sealed. */
async function ensureResumed(): Promise<void> {
  if (vault || session) return;
  resuming ??= (async () => {
    const state = await sessionStore.get();
    const dpopKey = await loadDpopKey();
    if (!state.tokens || !dpopKey) return;
    const c = await client();
    const stored = { tokens: state.tokens, dpop: null };
    if (state.sealed && state.resumeKey && state.userId) {
      try {
        vault = await c.resumeSealed({ ...stored, userId: state.userId, sealed: state.sealed, resumeKey: state.resumeKey }, dpopKey);
        session = vault.session;
        await seedFromCopy(vault);
        await refreshIndex(vault);
        return;
      } catch {
        await sessionStore.set({ sealed: undefined, resumeKey: undefined } as SessionState);
      }
    }
    session = await c.restoreSession(stored, dpopKey);
  })().finally(() => {
    resuming = undefined;
  });
  await resuming;
}

/** The decrypted items, searched and matched without the network (lib/vault-index.ts). */
const vaultIndex = new VaultIndex();

let indexing: Promise<unknown> = Promise.resolve();
/** The encrypted copy of the vault on this device (lib/vault-copy.ts), sealed again after syncs that change it. */
const copy = new CopyKeeper();

/**
 * A delta sync (personal and shared vaults), then the index brought in step with what it changed. One at a time: a
 * sync alarm, a popup opening and a save do not interleave their syncs. Each is recorded as a `watchword:sync` User
 * Timing measure in the worker (what it re-indexed, in `detail`), which the benchmark and the tests read.
 */
function refreshIndex(v: Vault): Promise<void> {
  const run = indexing.then(async () => {
    const start = performance.now();
    const synced = v.offlineSince === null ? await v.sync() : undefined;
    if (vault !== v) return;
    if (synced && (synced.full || synced.changed > 0 || synced.removed > 0)) copy.changed(v);
    const personal = new Set(v.account.vaults.map((p) => p.id));
    const detail = vaultIndex.update(v.localItems(), (vaultId) => (personal.has(vaultId) ? null : v.vaultName(vaultId)));
    lastSync = Date.now();
    performance.clearMeasures('watchword:sync');
    performance.measure('watchword:sync', { start, detail });
  });
  indexing = run.catch(() => undefined);
  return run;
}

function indexed(id: string): VaultItem {
  const entry = vaultIndex.get(id);
  if (!entry) fail('ITEM_NOT_FOUND', 'The item does not exist.');
  return entry.item;
}

function insecureFor(item: VaultItem, page: string): boolean {
  const key = pageKey(page);
  const entry = vaultIndex.get(item.id);
  return key !== undefined && entry !== undefined && compiledInsecure(entry.entries, key);
}

async function keepUnlocked(v: Vault, c: WatchwordClient, copyRead?: Promise<string | undefined>): Promise<void> {
  vault = v;
  session = v.session;
  const sealed = await c.sealForResume(v);
  await sessionStore.set({ tokens: v.session.tokens, userId: v.userId, sealed: sealed.sealed, resumeKey: sealed.resumeKey });
  // From the device's encrypted copy, the first sync is a delta rather than every item downloaded and decrypted.
  await seedFromCopy(v, copyRead);
  await refreshIndex(v);
  await chrome.alarms.create(SYNC_ALARM, { periodInMinutes: SYNC_MINUTES });
  await touch();
}

async function idleMs(): Promise<number> {
  const minutes = (await local.get()).idleMinutes;
  const value = typeof minutes === 'number' && Number.isFinite(minutes) ? minutes : DEFAULT_IDLE_MINUTES;
  return Math.min(24 * 60, Math.max(MIN_IDLE_MINUTES, value)) * 60_000;
}

/**
 * Idle lock: every use of Watchword (a popup request, an inline menu, a fill) moves a chrome.alarms deadline to now +
 * the chosen idle time; when it fires the vault locks. An alarm outlives the worker being stopped, unlike a timer.
 * Besides, chrome.idle locks when the whole machine is idle or its screen locks (listener below).
 */
async function touch(): Promise<void> {
  if (!vault) return;
  await chrome.alarms.create(IDLE_ALARM, { when: Date.now() + (await idleMs()) });
}

async function lock(): Promise<void> {
  await chrome.alarms.clear(IDLE_ALARM);
  const v = vault;
  vault = undefined;
  vaultIndex.clear();
  // A copy still to be sealed is sealed now, while the keys are there; then they are zeroed.
  await copy.flush();
  v?.lock();
  await sessionStore.set({ sealed: undefined, resumeKey: undefined } as SessionState);
  await chrome.storage.session.remove(['sealed', 'resumeKey']);
}

async function status(): Promise<Status> {
  await ensureResumed().catch(() => undefined);
  const settings = await local.get();
  const state: Status['state'] = !settings.serverUrl ? 'disconnected' : vault ? 'unlocked' : session ? 'locked' : 'signed-out';
  return { serverUrl: settings.serverUrl ?? null, email: settings.email ?? null, state, idleMinutes: settings.idleMinutes ?? DEFAULT_IDLE_MINUTES, fillOnLoad: settings.fillOnLoad === true };
}

async function requireVault(): Promise<Vault> {
  await ensureResumed();
  if (!vault) fail('UNAUTHENTICATED', 'The vault is locked.');
  return vault;
}

function summary(entry: Indexed, score: number): ItemSummary {
  const { item } = entry;
  const login = item.content.login;
  return {
    id: item.id,
    vault: entry.vault,
    name: item.content.name,
    username: login?.username ?? item.content.identity?.email ?? '',
    urls: login?.urls ?? [],
    hasPassword: Boolean(login?.password),
    hasTotp: Boolean(login?.totp),
    type: item.content.type,
    score,
  };
}

/** Logins matching a page, best first; ties by name (the index is in name order). */
async function matchingLogins(pageUrl: string): Promise<VaultItem[]> {
  await requireVault();
  const key = pageKey(pageUrl);
  if (!key) return [];
  const scored: { item: VaultItem; score: number }[] = [];
  for (const entry of vaultIndex.candidates(key)) {
    const score = compiledScore(entry.entries, key);
    if (score > 0) scored.push({ item: entry.item, score });
  }
  return scored.sort((a, b) => b.score - a.score).map((s) => s.item);
}

/**
 * Delta sync when the popup opens (at most every 30 s; the alarm syncs every 5 minutes besides). The list is answered
 * from the index at once; a sync that brings changes shows on the next request.
 */
function syncOnOpen(v: Vault): void {
  if (Date.now() - lastSync <= SYNC_ON_OPEN_MS) return;
  lastSync = Date.now();
  void refreshIndex(v).catch(() => undefined);
}

/** Most rows the popup is sent for one list (it shows the first screen; a search narrows the rest). */
const MAX_LIST = 100;

/**
 * The popup's list: without a query the page's matches (best first); with one, the items containing it (the page's
 * matches first), at most MAX_LIST of them, and how many match in all.
 */
function listItems(query: string, key: PageKey | undefined): ItemList {
  const scores = new Map<Indexed, number>();
  if (key) {
    for (const entry of vaultIndex.candidates(key)) {
      const score = compiledScore(entry.entries, key);
      if (score > 0) scores.set(entry, score);
    }
  }
  const out: ItemSummary[] = [];
  let total = 0;
  if (!query) {
    for (const [entry, score] of scores) out.push(summary(entry, score));
    total = out.length;
  } else {
    for (const [entry, score] of scores) {
      if (!entry.text.includes(query)) continue;
      total++;
      out.push(summary(entry, score));
    }
    for (const entry of vaultIndex.all) {
      if (scores.has(entry) || !entry.text.includes(query)) continue;
      total++;
      if (out.length < MAX_LIST) out.push(summary(entry, 0));
    }
  }
  return { items: out.sort((a, b) => b.score - a.score).slice(0, MAX_LIST), total };
}

// ---- Senders ---------------------------------------------------------------------------------------------------

const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL('/')).origin;

type Sender = { kind: 'page'; path: string; tabId: number | undefined } | { kind: 'content'; tabId: number; frameId: number; frameUrl: string; tabUrl: string };

/** Who sent a message: one of our pages (popup, menu, prompt) or our content script in a tab's frame. */
function senderKind(sender: chrome.runtime.MessageSender): Sender | undefined {
  if (sender.id !== chrome.runtime.id) return undefined;
  const url = sender.url ? safeUrl(sender.url) : undefined;
  if (!url) return undefined;
  // Our pages: the extension's origin, or for a web-accessible page framed into a tab, the per-session address
  // Chromium gives it (use_dynamic_url); sender.id already proved it is this extension.
  if (url.origin === EXTENSION_ORIGIN || url.protocol === 'chrome-extension:' || url.protocol === 'moz-extension:') return { kind: 'page', path: url.pathname, tabId: sender.tab?.id };
  if (!sender.tab?.id || sender.frameId === undefined || !sender.tab.url) return undefined;
  const origin = (sender as { origin?: string }).origin;
  if (origin && origin !== 'null' && origin !== url.origin) return undefined;
  return { kind: 'content', tabId: sender.tab.id, frameId: sender.frameId, frameUrl: url.href, tabUrl: sender.tab.url };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

// ---- Inline menu and prompts -------------------------------------------------------------------------------------

interface MenuToken {
  tabId: number;
  frameId: number;
  frameUrl: string;
  tabUrl: string;
  kind: FormKind;
  frameConfirmed: boolean;
  expiresAt: number;
}

interface PromptToken {
  tabId: number;
  site: string;
  pageUrl: string;
  username: string;
  password: string;
  itemId: string | null;
  expiresAt: number;
}

const menus = new Map<string, MenuToken>();
const prompts = new Map<string, PromptToken>();
/** Keyboard shortcut: which match of a tab was filled last (pressing again cycles). */
const cycle = new Map<number, number>();
/** Frames of each tab that hold forms (reported by the content script), for the keyboard shortcut. */
const tabFrames = new Map<number, Map<number, { url: string; kinds: FormKind[] }>>();

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function liveMenu(token: unknown, sender: Sender): MenuToken {
  if (typeof token !== 'string') fail('VALIDATION_FAILED', 'The request is invalid.');
  const menu = menus.get(token);
  if (!menu || menu.expiresAt < Date.now()) fail('NOT_FOUND', 'Not found.');
  if (sender.kind !== 'page' || sender.path !== '/menu.html' || sender.tabId !== menu.tabId) fail('FORBIDDEN', 'You are not allowed to do this.');
  return menu;
}

function sameOrigin(a: string, b: string): boolean {
  return originOf(a) !== undefined && originOf(a) === originOf(b);
}

async function menuView(menu: MenuToken): Promise<MenuView> {
  const crossOrigin = !sameOrigin(menu.frameUrl, menu.tabUrl);
  const base = { kind: menu.kind, canGenerate: menu.kind === 'registration' || menu.kind === 'change-password' };
  await ensureResumed().catch(() => undefined);
  if (!vault) return { ...base, state: 'locked', confirmFrameOrigin: null, insecure: false, items: [] };
  if (crossOrigin && !menu.frameConfirmed) return { ...base, state: 'unlocked', confirmFrameOrigin: originOf(menu.frameUrl) ?? 'null', insecure: false, items: [] };
  // A cross-origin frame (once allowed) is matched by the page the person sees: the tab's address.
  const page = crossOrigin ? menu.tabUrl : menu.frameUrl;
  if (menu.kind === 'card') {
    // Cards are not tied to sites: every card is offered.
    const cards = vaultIndex.all.filter((e) => e.item.content.type === 'card').slice(0, 50);
    return { ...base, state: 'unlocked', confirmFrameOrigin: null, insecure: false, items: cards.map((e) => ({ id: e.item.id, name: e.item.content.name, username: cardLabel(e.item), vault: e.vault, insecure: false })) };
  }
  if (menu.kind === 'identity') {
    // Identities are not tied to sites either: every identity is offered.
    const identities = vaultIndex.all.filter((e) => e.item.content.type === 'identity').slice(0, 50);
    return { ...base, state: 'unlocked', confirmFrameOrigin: null, insecure: false, items: identities.map((e) => ({ id: e.item.id, name: e.item.content.name, username: identityLabel(e.item), vault: e.vault, insecure: false })) };
  }
  const items = menu.kind === 'registration' ? [] : await matchingLogins(page);
  return {
    ...base,
    state: 'unlocked',
    confirmFrameOrigin: null,
    insecure: items.some((i) => insecureFor(i, menu.frameUrl)),
    items: items.slice(0, 50).map((i) => ({ id: i.id, name: i.content.name, username: i.content.login?.username ?? '', vault: vaultIndex.get(i.id)?.vault ?? null, insecure: insecureFor(i, menu.frameUrl) })),
  };
}

async function sendToFrame(tabId: number, frameId: number, message: ToContent): Promise<void> {
  await chrome.tabs.sendMessage(tabId, message, { frameId });
}

async function menuFill(menu: MenuToken, request: { itemId?: string; generate?: boolean; acceptInsecure?: boolean }, token: string): Promise<void> {
  const v = await requireVault();
  if (!sameOrigin(menu.frameUrl, menu.tabUrl) && !menu.frameConfirmed) fail('FORBIDDEN', 'You are not allowed to do this.');
  let values: FillValues = {};
  if (request.generate) {
    const password = generatePassword({ length: 20 });
    values = menu.kind === 'registration' ? { username: v.account.email, newPassword: password } : { newPassword: password };
  } else {
    const id = text(request.itemId, 64);
    const page = sameOrigin(menu.frameUrl, menu.tabUrl) ? menu.frameUrl : menu.tabUrl;
    const siteless = menu.kind === 'card' || menu.kind === 'identity';
    const item = siteless ? vaultIndex.get(id)?.item : (await matchingLogins(page)).find((i) => i.id === id);
    if (siteless && item?.content.type !== menu.kind) fail('ITEM_NOT_FOUND', 'The item does not exist.');
    if (!item) fail('ITEM_NOT_FOUND', 'The item does not exist.');
    if (insecureFor(item, menu.frameUrl) && request.acceptInsecure !== true) fail('FORBIDDEN', 'This page is not secure: confirm first.');
    values = await fillValues(item, menu.kind === 'change-password' ? 'login' : menu.kind);
  }
  await sendToFrame(menu.tabId, menu.frameId, { type: 'fill', values, token });
  menus.delete(token);
}

async function onSubmitted(sender: Extract<Sender, { kind: 'content' }>, request: Extract<ContentRequest, { type: 'submitted' }>): Promise<void> {
  if (!vault) return;
  const username = text(request.username);
  const password = text(request.password);
  const newPassword = text(request.newPassword);
  const secret = newPassword || password;
  if (!secret) return;
  const site = originOf(sender.frameUrl);
  if (!site) return;
  const { neverSites = [] } = await local.get();
  if (neverSites.includes(baseDomain(new URL(site).hostname))) return;
  // A cross-origin frame was filled (after the person allowed it) from the logins of the tab's site.
  const matches = [...(await matchingLogins(sender.frameUrl)), ...(sameOrigin(sender.frameUrl, sender.tabUrl) ? [] : await matchingLogins(sender.tabUrl))];
  let target: VaultItem | undefined;
  if (request.kind === 'change-password') {
    target = matches.find((i) => password && i.content.login?.password === password) ?? matches.find((i) => !username || i.content.login?.username === username);
    if (!newPassword || target?.content.login?.password === newPassword) return;
  } else {
    // A password-only form names no user: any login of the site with this password is the same credential.
    if (!username && matches.some((i) => i.content.login?.password === secret)) return;
    target = matches.find((i) => (i.content.login?.username ?? '') === username);
    if (target?.content.login?.password === secret) return;
  }
  const token = newToken();
  prompts.set(token, { tabId: sender.tabId, site, pageUrl: sender.frameUrl, username, password: secret, itemId: target?.id ?? null, expiresAt: Date.now() + TOKEN_TTL_MS });
  await sendToFrame(sender.tabId, 0, { type: 'show-prompt', token });
}

async function promptAnswer(token: string, prompt: PromptToken, answer: 'save' | 'never' | 'dismiss'): Promise<void> {
  prompts.delete(token);
  if (answer === 'never') {
    const settings = await local.get();
    const never = new Set(settings.neverSites ?? []);
    never.add(baseDomain(new URL(prompt.site).hostname));
    await local.set({ neverSites: [...never].slice(-MAX_NEVER_SITES) });
  } else if (answer === 'save') {
    const v = await requireVault();
    if (prompt.itemId) {
      const item = await v.get(prompt.itemId);
      const content: ItemContent = { ...item.content, login: { ...item.content.login, password: prompt.password, ...(prompt.username ? { username: prompt.username } : {}) } };
      await v.update(item.id, content, item.revision);
    } else {
      await v.add({ type: 'login', name: new URL(prompt.site).hostname, fields: [], login: { username: prompt.username, password: prompt.password, urls: [prompt.site] } });
    }
    await refreshIndex(v);
  }
  await sendToFrame(prompt.tabId, 0, { type: 'close-prompt', token }).catch(() => undefined);
}

// ---- Popup requests ----------------------------------------------------------------------------------------------

function contentFromForm(form: LoginForm, base?: ItemContent): ItemContent {
  const name = text(form.name, 256).trim();
  if (!name) fail('VALIDATION_FAILED', 'The request is invalid.');
  const url = text(form.url, 2048).trim();
  const totpSecret = text(form.totp, 512).trim();
  if (totpSecret) parseTotpSecret(totpSecret);
  const login = { ...base?.login, username: text(form.username, 512), password: text(form.password, 1024), urls: url ? [url, ...(base?.login?.urls?.slice(1) ?? [])] : [], ...(totpSecret ? { totp: totpSecret } : {}) };
  if (!totpSecret) delete login.totp;
  return { ...(base ?? { type: 'login', fields: [] }), type: 'login', name, notes: text(form.notes, 10_000), login } as ItemContent;
}

async function handlePage(request: ExtensionRequest, sender: Extract<Sender, { kind: 'page' }>): Promise<unknown> {
  const popupOnly = () => {
    if (sender.path !== '/popup.html') fail('FORBIDDEN', 'You are not allowed to do this.');
  };
  switch (request.type) {
    case 'status':
      return status();
    case 'connect': {
      popupOnly();
      const url = safeUrl(text(request.serverUrl, 2048).trim());
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) fail('VALIDATION_FAILED', 'Enter the web address of a Watchword server (https://…).');
      await logout();
      await local.set({ serverUrl: url.origin });
      return status();
    }
    case 'login': {
      popupOnly();
      const email = text(request.email, 320).trim();
      const password = text(request.password);
      const { serverUrl } = await local.get();
      if (!serverUrl) fail('VALIDATION_FAILED', 'Connect to a Watchword server first.');
      // The SDK makes a non-extractable DPoP key at login; it is kept in IndexedDB so the session outlives a
      // service-worker restart.
      const withKey = new WatchwordClient({ serverUrl, dpop: 'generate', onTokens: async (tokens) => sessionStore.set({ tokens }) });
      const factor = request.secondFactor;
      pendingKey?.settle();
      const key = factor?.method === 'webauthn' ? keyLogin() : undefined;
      pendingKey = key;
      const secondFactor: SecondFactorPrompt | undefined = !factor
        ? undefined
        : factor.method === 'webauthn'
          ? async (challenge) => ({ method: 'webauthn', response: await key!.prompt(challenge.webauthn) })
          : async () => ({ method: factor.method, code: text(factor.code, 64).replace(/\s+/g, '') });
      const done = (async () => {
        try {
          const v = await withKey.login({ email, password, deviceName: 'Watchword browser extension', ...(secondFactor ? { secondFactor } : {}) });
          if (!v.session.dpopKey) fail('INTERNAL', 'Something went wrong.');
          await saveDpopKey(v.session.dpopKey);
          await local.set({ email });
          await keepUnlocked(v, withKey);
        } catch (error) {
          if (error instanceof SecondFactorRequiredError) fail('SECOND_FACTOR_REQUIRED_LOGIN', `methods:${error.methods.join(',')}`);
          throw error;
        } finally {
          key?.settle();
          if (pendingKey === key) pendingKey = undefined;
        }
      })();
      if (key) {
        // A security key: answer with the challenge's options as soon as the server sent them; the popup gets the
        // assertion and finishes the sign-in with 'login-key' (the login goes on meanwhile, here).
        keyDone = done;
        done.catch(() => undefined);
        const options = await Promise.race([key.options, done.then(() => null)]);
        if (options) return { webauthn: options };
      }
      await done;
      return status();
    }
    case 'login-key': {
      popupOnly();
      const key = pendingKey;
      const done = keyDone;
      if (!key || !done) fail('NOT_FOUND', 'Not found.');
      const response = request.response;
      if (response !== null && (typeof response !== 'object' || Array.isArray(response))) fail('VALIDATION_FAILED', 'The request is invalid.');
      // The server checks the assertion against its strict schema, the challenge and the origin.
      key.answer(response);
      keyDone = undefined;
      await done;
      return status();
    }
    case 'unlock': {
      popupOnly();
      await ensureResumed();
      if (!session) fail('UNAUTHENTICATED', 'Sign in again.');
      const c = await client();
      // The device's copy is read from IndexedDB while the master password is checked.
      const { userId } = await sessionStore.get();
      const copyRead = userId ? loadVaultCopy(userId) : undefined;
      copyRead?.catch(() => undefined);
      const v = await c.unlock(session, text(request.password));
      await keepUnlocked(v, c, copyRead);
      return status();
    }
    case 'lock':
      popupOnly();
      await lock();
      return status();
    case 'logout':
      popupOnly();
      await logout();
      return status();
    case 'settings': {
      popupOnly();
      const minutes = Math.trunc(Number(request.idleMinutes));
      if (!Number.isFinite(minutes) || minutes < 1 || minutes > 24 * 60) fail('VALIDATION_FAILED', 'The request is invalid.');
      if (request.fillOnLoad !== undefined && typeof request.fillOnLoad !== 'boolean') fail('VALIDATION_FAILED', 'The request is invalid.');
      await local.set({ idleMinutes: minutes, ...(request.fillOnLoad !== undefined ? { fillOnLoad: request.fillOnLoad } : {}) });
      chrome.idle.setDetectionInterval(minutes * 60);
      return status();
    }
    case 'open': {
      // The popup's first request: its status and, when unlocked, the page's matches in one round trip.
      popupOnly();
      const current = await status();
      if (current.state !== 'unlocked' || !vault) return { status: current, items: null } satisfies PopupOpen;
      syncOnOpen(vault);
      const key = request.pageUrl === null ? undefined : pageKey(text(request.pageUrl, 2048));
      return { status: current, items: listItems('', key).items } satisfies PopupOpen;
    }
    case 'items': {
      popupOnly();
      const v = await requireVault();
      if (request.query === '') syncOnOpen(v);
      const query = text(request.query, 256).trim().toLowerCase();
      const key = request.pageUrl === null ? undefined : pageKey(text(request.pageUrl, 2048));
      return listItems(query, key);
    }
    case 'reveal': {
      popupOnly();
      await requireVault();
      const item = indexed(text(request.id, 64));
      const login = item.content.login ?? {};
      if (request.field === 'username') return login.username ?? '';
      if (request.field === 'password') return login.password ?? '';
      if (request.field === 'totp') return (await currentTotp(login.totp)) ?? '';
      return fail('VALIDATION_FAILED', 'The request is invalid.');
    }
    case 'item': {
      popupOnly();
      await requireVault();
      const item = indexed(text(request.id, 64));
      const login = item.content.login ?? {};
      const form: LoginForm = { id: item.id, name: item.content.name, username: login.username ?? '', password: login.password ?? '', url: login.urls?.[0] ?? '', totp: login.totp ?? '', notes: item.content.notes ?? '' };
      return form;
    }
    case 'save-item': {
      popupOnly();
      const v = await requireVault();
      const saved = request.item.id
        ? await v.get(text(request.item.id, 64)).then((item) => v.update(item.id, contentFromForm(request.item, item.content), item.revision))
        : await v.add(contentFromForm(request.item));
      await refreshIndex(v);
      return saved.id;
    }
    case 'generate': {
      const length = Math.trunc(Number(request.length));
      return generatePassword({ length: Math.min(128, Math.max(8, Number.isFinite(length) ? length : 20)), symbols: request.symbols === true, digits: request.digits !== false });
    }
    case 'menu-get':
      return menuView(liveMenu(request.token, sender));
    case 'menu-confirm-frame': {
      const menu = liveMenu(request.token, sender);
      menu.frameConfirmed = true;
      return menuView(menu);
    }
    case 'menu-fill': {
      const menu = liveMenu(request.token, sender);
      await menuFill(menu, request, request.token);
      return true;
    }
    case 'menu-close': {
      const menu = liveMenu(request.token, sender);
      menus.delete(request.token);
      await sendToFrame(menu.tabId, menu.frameId, { type: 'close-menu', token: request.token }).catch(() => undefined);
      return true;
    }
    case 'prompt-get': {
      const prompt = livePrompt(request.token, sender);
      const item = prompt.itemId ? vaultIndex.get(prompt.itemId)?.item : undefined;
      const view: PromptView = { mode: prompt.itemId ? 'update' : 'save', site: new URL(prompt.site).host, username: prompt.username, itemName: item?.content.name ?? null };
      return view;
    }
    case 'prompt-answer': {
      const prompt = livePrompt(request.token, sender);
      if (request.answer !== 'save' && request.answer !== 'never' && request.answer !== 'dismiss') fail('VALIDATION_FAILED', 'The request is invalid.');
      await promptAnswer(request.token, prompt, request.answer);
      return true;
    }
    default:
      return fail('VALIDATION_FAILED', 'The request is invalid.');
  }
}

function livePrompt(token: unknown, sender: Sender): PromptToken {
  if (typeof token !== 'string') fail('VALIDATION_FAILED', 'The request is invalid.');
  const prompt = prompts.get(token);
  if (!prompt || prompt.expiresAt < Date.now()) fail('NOT_FOUND', 'Not found.');
  if (sender.kind !== 'page' || sender.path !== '/prompt.html' || sender.tabId !== prompt.tabId) fail('FORBIDDEN', 'You are not allowed to do this.');
  return prompt;
}

async function logout(): Promise<void> {
  const s = session;
  const v = vault;
  vault = undefined;
  // A copy being written finishes before the copy is deleted below (and one not yet started is not written).
  await copy.cancel();
  v?.lock();
  vaultIndex.clear();
  session = undefined;
  await s?.logout().catch(() => undefined);
  await sessionStore.clear();
  await clearVaultCopy().catch(() => undefined);
  await clearDpopKey();
  await chrome.alarms.clear(SYNC_ALARM);
  await chrome.alarms.clear(IDLE_ALARM);
}

async function handleContent(request: ContentRequest, sender: Extract<Sender, { kind: 'content' }>): Promise<unknown> {
  switch (request.type) {
    case 'frame-forms': {
      if (!Array.isArray(request.kinds) || !request.kinds.every((k) => FORM_KINDS.includes(k))) fail('VALIDATION_FAILED', 'The request is invalid.');
      const frames = tabFrames.get(sender.tabId) ?? new Map();
      frames.set(sender.frameId, { url: sender.frameUrl, kinds: request.kinds.slice(0, 20) });
      tabFrames.set(sender.tabId, frames);
      return true;
    }
    case 'page-loaded':
      await fillOnLoad(sender);
      return true;
    case 'menu-open': {
      if (!FORM_KINDS.includes(request.kind)) fail('VALIDATION_FAILED', 'The request is invalid.');
      const token = newToken();
      for (const [key, menu] of menus) if (menu.expiresAt < Date.now() || (menu.tabId === sender.tabId && menu.frameId === sender.frameId)) menus.delete(key);
      menus.set(token, { tabId: sender.tabId, frameId: sender.frameId, frameUrl: sender.frameUrl, tabUrl: sender.tabUrl, kind: request.kind, frameConfirmed: false, expiresAt: Date.now() + TOKEN_TTL_MS });
      return token;
    }
    case 'submitted':
      if (!FORM_KINDS.includes(request.kind)) fail('VALIDATION_FAILED', 'The request is invalid.');
      await onSubmitted(sender, request);
      return true;
    default:
      return fail('VALIDATION_FAILED', 'The request is invalid.');
  }
}

chrome.runtime.onMessage.addListener((message: unknown, rawSender, sendResponse: (reply: Reply<unknown>) => void) => {
  const sender = senderKind(rawSender);
  if (!sender || typeof message !== 'object' || message === null) {
    sendResponse({ ok: false, code: 'FORBIDDEN', message: 'You are not allowed to do this.' });
    return false;
  }
  const request = message as { type?: unknown };
  // Use of Watchword postpones the idle lock; a content script merely reporting its forms is not use.
  const use = sender.kind === 'page' || request.type === 'menu-open';
  const work = sender.kind === 'page' ? handlePage(message as ExtensionRequest, sender) : handleContent(message as ContentRequest, sender);
  work
    .then(
      (value) => sendResponse({ ok: true, value }),
      (error: unknown) => {
        const code = error instanceof WatchwordError ? error.code : ((error as { code?: string }).code ?? 'INTERNAL');
        const message = error instanceof WatchwordError || (error as { code?: string }).code ? (error as Error).message : 'Something went wrong.';
        sendResponse({ ok: false, code, message });
      },
    )
    // After the answer is on its way: the idle deadline need not delay it, nor (after an unlock) putting the whole
    // index in name order, which the first screen does not need (lib/vault-index.ts).
    .then(() => {
      if (request.type === 'open' || request.type === 'items') vaultIndex.sortNow();
      return use ? touch() : undefined;
    })
    .catch(() => undefined);
  return true;
});

// ---- Fill on page load (opt-in) -----------------------------------------------------------------------------------

/**
 * The opt-in "fill on page load": off unless the person turned it on in the popup's settings. A page that fills on load
 * hands the password to whatever script runs in it (an injected script on a compromised page, an invisible form in an
 * ad frame), so even when on it fills only the top frame of the tab, only when exactly one login matches the page,
 * never a page on http with a login saved for https, and never into a frame of another origin.
 */
async function fillOnLoad(sender: Extract<Sender, { kind: 'content' }>): Promise<void> {
  if (sender.frameId !== 0 || !sameOrigin(sender.frameUrl, sender.tabUrl)) return;
  const settings = await local.get();
  if (settings.fillOnLoad !== true) return;
  await ensureResumed().catch(() => undefined);
  if (!vault) return;
  const matches = await matchingLogins(sender.frameUrl);
  if (matches.length !== 1) return;
  const item = matches[0]!;
  if (insecureFor(item, sender.frameUrl)) return;
  await sendToFrame(sender.tabId, 0, { type: 'fill', values: await fillValues(item, 'login') });
}

// ---- Keyboard shortcut, idle lock, sync --------------------------------------------------------------------------

/** Fills the best match for the active tab into the first same-origin frame with a login form; again: the next one. */
async function fillFromShortcut(tab: chrome.tabs.Tab): Promise<void> {
  if (!tab.id || !tab.url) return;
  await ensureResumed();
  if (!vault) return;
  const matches = (await matchingLogins(tab.url)).filter((i) => !insecureFor(i, tab.url!));
  if (matches.length === 0) return;
  const next = ((cycle.get(tab.id) ?? -1) + 1) % matches.length;
  cycle.set(tab.id, next);
  const frames = [...(tabFrames.get(tab.id) ?? new Map<number, { url: string; kinds: FormKind[] }>())].filter(([, f]) => sameOrigin(f.url, tab.url!) && f.kinds.some((k) => k === 'login' || k === 'username-only'));
  const frameId = frames.find(([id]) => id === 0)?.[0] ?? frames[0]?.[0] ?? 0;
  await sendToFrame(tab.id, frameId, { type: 'fill', values: await fillValues(matches[next]!, 'login') });
}

async function onCommand(command: string, tab?: chrome.tabs.Tab): Promise<void> {
  if (command !== 'fill-login') return;
  const active = tab ?? (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0];
  if (active) await fillFromShortcut(active);
}

chrome.commands.onCommand.addListener((command, tab) => void onCommand(command, tab).catch(() => undefined));
// Keys sent through the DevTools protocol never reach chrome.commands, so the end-to-end test runs this same handler
// from the worker's own global scope (which no page and no content script can reach).
(globalThis as { watchwordCommand?: typeof onCommand }).watchwordCommand = onCommand;

chrome.tabs.onRemoved.addListener((tabId) => {
  tabFrames.delete(tabId);
  cycle.delete(tabId);
});
chrome.tabs.onUpdated.addListener((tabId, change) => {
  if (change.url) {
    tabFrames.delete(tabId);
    cycle.delete(tabId);
  }
});

chrome.idle.onStateChanged.addListener((state) => {
  if (state === 'idle' || state === 'locked') void lock();
});

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === SYNC_ALARM && vault) void refreshIndex(vault).catch(() => undefined);
  if (alarm.name === IDLE_ALARM) void lock();
});

void local.get().then((s) => chrome.idle.setDetectionInterval((s.idleMinutes ?? DEFAULT_IDLE_MINUTES) * 60));

// A browser start finds storage.session empty (the session ended with the browser): the DPoP key it was bound to is
// of no further use.
chrome.runtime.onStartup.addListener(() => {
  void sessionStore.get().then((state) => (state.tokens ? undefined : clearDpopKey()));
});
