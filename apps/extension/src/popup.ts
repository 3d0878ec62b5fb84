/// <reference types="chrome" />
import type { WebauthnAuthenticationOptions, WebauthnAuthenticationResponse } from '@watchword/protocol';
import { GENERATOR_DEFAULTS, GENERATOR_LENGTH, generateOrEmpty, getAssertion, safeHttpUrl, webauthnSupported } from '@watchword/ui';
import { ask, h } from './lib/ask.ts';
import type { ItemList, ItemSummary, LoginForm, PopupOpen, Status } from './lib/messages.ts';

/**
 * The toolbar popup: connect to a server, sign in (with a second factor), lock and unlock, the current site's logins
 * first and a search over the whole vault, copy, open, generate, add and edit. Every vault value comes from the
 * service worker on demand; the popup keeps nothing when it closes.
 */
const root = document.getElementById('root')!;
let status: Status;
let pageUrl: string | null = null;

function render(...nodes: (Node | string)[]): void {
  root.replaceChildren(...nodes);
}

function errorBox(): HTMLElement {
  return h('p', { role: 'alert', id: 'error' });
}

function showError(error: unknown): void {
  const box = document.getElementById('error');
  if (box) box.textContent = error instanceof Error ? error.message : 'Something went wrong.';
}

function field(label: string, input: HTMLInputElement | HTMLTextAreaElement): HTMLElement {
  const id = `f-${label.replace(/\W+/g, '-').toLowerCase()}`;
  input.id = id;
  return h('div', {}, h('label', { for: id }, label), input);
}

/** The tab the person is looking at: the active tab, or when the popup runs in a tab of its own, the last web tab. */
async function currentPage(): Promise<string | null> {
  const [active] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  if (active?.url && /^https?:/.test(active.url)) return active.url;
  const tabs = (await chrome.tabs.query({})).filter((t) => t.url && /^https?:/.test(t.url));
  tabs.sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0));
  return tabs[0]?.url ?? null;
}

/** The tab lookup runs while the worker answers the status: both are on the way to the first list. */
let pageLookup: Promise<string | null> | undefined = currentPage();

async function refresh(): Promise<void> {
  status = await ask<Status>({ type: 'status' });
  if (status.state === 'disconnected') return connectView();
  if (status.state === 'signed-out') return signInView();
  if (status.state === 'locked') return lockedView();
  return vaultView();
}

/** Opening the popup: the status and the current page's matches come in one request to the service worker. */
async function open(): Promise<void> {
  pageUrl = await (pageLookup ?? currentPage());
  pageLookup = undefined;
  const opened = await ask<PopupOpen>({ type: 'open', pageUrl });
  status = opened.status;
  if (opened.items) return vaultView(opened.items);
  return refresh();
}

function connectView(): void {
  const url = h('input', { type: 'url', required: true, placeholder: 'https://vault.example.com', value: status.serverUrl ?? '' });
  render(
    h('h1', {}, 'Connect to your Watchword server'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        status = await ask<Status>({ type: 'connect', serverUrl: url.value });
        await refresh();
      } catch (error) {
        showError(error);
      }
    } }, field('Server address', url), h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Connect')), errorBox()),
  );
}

function signInView(methods?: string[]): void {
  const email = h('input', { type: 'email', required: true, autocomplete: 'username', value: status.email ?? '' });
  const password = h('input', { type: 'password', required: true, autocomplete: 'current-password' });
  // A security key is offered when the account has one and this browser can use it (WebAuthn runs in this page; the
  // server must list the extension's origin in WEBAUTHN_EXTENSION_ORIGINS, docs/extension.md).
  const withKey = methods?.includes('webauthn') === true && webauthnSupported();
  const method = h(
    'select',
    { id: 'f-second-factor-method' },
    h('option', { value: 'totp' }, 'Authenticator code'),
    h('option', { value: 'backup_code' }, 'Backup code'),
    ...(withKey ? [h('option', { value: 'webauthn' }, 'Security key')] : []),
  );
  const code = h('input', { type: 'text', autocomplete: 'one-time-code', inputmode: 'numeric' });
  const second = methods
    ? h('div', {}, h('p', {}, 'This account has a second factor.'), h('label', { for: 'f-second-factor-method' }, 'Second factor'), method, field('Code', code))
    : document.createTextNode('');
  render(
    h('h1', {}, 'Sign in to Watchword'),
    h('p', { class: 'user' }, status.serverUrl ?? ''),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      const button = (e.target as HTMLFormElement).querySelector('button[type=submit]') as HTMLButtonElement;
      button.disabled = true;
      try {
        if (methods && method.value === 'webauthn') {
          await signInWithKey(email.value, password.value);
        } else {
          await ask({ type: 'login', email: email.value, password: password.value, ...(methods ? { secondFactor: { method: method.value as 'totp' | 'backup_code', code: code.value } } : {}) });
        }
        await refresh();
      } catch (error) {
        if ((error as { code?: string }).code === 'SECOND_FACTOR_REQUIRED_LOGIN') {
          const keep = { e: email.value, p: password.value };
          signInView((error as Error).message.replace(/^methods:/, '').split(','));
          (document.getElementById('f-e-mail') as HTMLInputElement).value = keep.e;
          (document.getElementById('f-master-password') as HTMLInputElement).value = keep.p;
          (document.getElementById('f-code') as HTMLInputElement).focus();
          return;
        }
        button.disabled = false;
        showError(error);
      }
    } },
      field('E-mail', email),
      field('Master password', password),
      second,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in'), h('button', { type: 'button', onclick: () => connectView() }, 'Change server')),
      errorBox(),
    ),
  );
  (methods ? code : email.value ? password : email).focus();
}

/**
 * Sign-in with a security key: the worker runs the login and answers with the server's WebAuthn options; this page runs
 * the ceremony (the web vault's code, @watchword/ui) and hands the assertion back; the worker finishes the sign-in.
 */
async function signInWithKey(email: string, password: string): Promise<void> {
  const started = await ask<{ webauthn: WebauthnAuthenticationOptions } | Status>({ type: 'login', email, password, secondFactor: { method: 'webauthn' } });
  if (!('webauthn' in started)) return;
  let response: WebauthnAuthenticationResponse | null = null;
  try {
    response = await getAssertion(started.webauthn);
  } finally {
    // Also when the person cancelled (null): the worker ends the waiting sign-in.
    await ask({ type: 'login-key', response }).catch((error: unknown) => {
      if (response) throw error;
    });
  }
  if (!response) throw Object.assign(new Error('The security key was not used.'), { code: 'INVALID_SECOND_FACTOR' });
}

function lockedView(): void {
  const password = h('input', { type: 'password', required: true, autocomplete: 'current-password' });
  render(
    h('h1', {}, 'Watchword is locked'),
    h('p', { class: 'user' }, status.email ?? ''),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        await ask({ type: 'unlock', password: password.value });
        await refresh();
      } catch (error) {
        showError(error);
      }
    } },
      field('Master password', password),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Unlock'), h('button', { type: 'button', onclick: async () => {
        await ask({ type: 'logout' });
        await refresh();
      } }, 'Sign out')),
      errorBox(),
    ),
  );
  password.focus();
}

async function copy(id: string, what: 'username' | 'password' | 'totp', name: string): Promise<void> {
  const value = await ask<string>({ type: 'reveal', id, field: what });
  await navigator.clipboard.writeText(value);
  const note = document.getElementById('note');
  if (note) note.textContent = `Copied the ${what === 'totp' ? 'one-time code' : what} of ${name}.`;
}

function itemRow(item: ItemSummary): HTMLElement {
  // Only an http(s) address becomes an "Open" button (item addresses are user data; shared with the web vault).
  const url = safeHttpUrl(item.urls[0]?.replace(/^\{\w+\}\s*/, '') ?? '');
  return h('li', { class: 'item', 'aria-label': item.name },
    h('span', { class: 'name' }, item.name),
    h('span', { class: 'user' }, item.username),
    // Items of a shared vault say which one (the web vault labels them the same way).
    item.vault ? h('span', { class: 'vault' }, `Vault: ${item.vault}`) : '',
    h('div', { class: 'row' },
      item.username ? h('button', { type: 'button', 'aria-label': `Copy user name of ${item.name}`, onclick: () => void copy(item.id, 'username', item.name) }, 'User name') : '',
      item.hasPassword ? h('button', { type: 'button', 'aria-label': `Copy password of ${item.name}`, onclick: () => void copy(item.id, 'password', item.name) }, 'Password') : '',
      item.hasTotp ? h('button', { type: 'button', 'aria-label': `Copy one-time code of ${item.name}`, onclick: () => void copy(item.id, 'totp', item.name) }, 'Code') : '',
      url ? h('button', { type: 'button', 'aria-label': `Open ${item.name}`, onclick: () => void chrome.tabs.create({ url }) }, 'Open') : '',
      item.type === 'login' ? h('button', { type: 'button', 'aria-label': `Edit ${item.name}`, onclick: async () => editView(await ask<LoginForm>({ type: 'item', id: item.id })) }, 'Edit') : '',
    ),
  );
}

async function vaultView(first?: ItemSummary[]): Promise<void> {
  if (pageLookup) {
    pageUrl = await pageLookup;
    pageLookup = undefined;
  }
  const search = h('input', { type: 'search', placeholder: 'Search the vault', 'aria-label': 'Search the vault' });
  const results = h('div', { id: 'results' });
  let asked = 0;
  const show = async (given?: ItemSummary[]) => {
    // Keystrokes may be answered out of order: only the answer to the latest one is shown.
    const mine = ++asked;
    const list = given ? { items: given, total: given.length } : await ask<ItemList>({ type: 'items', query: search.value, pageUrl });
    if (mine !== asked) return;
    const { items, total } = list;
    const matching = items.filter((i) => i.score > 0);
    const rest = search.value ? items.filter((i) => i.score === 0) : [];
    // The worker sends the first 100 rows of a search: the popup says when more match, rather than hiding them.
    const more = total - items.length;
    results.replaceChildren(
      h('h2', { id: 'h-site' }, 'This site'),
      matching.length ? h('ul', { class: 'items', 'aria-labelledby': 'h-site' }, ...matching.map(itemRow)) : h('p', { class: 'user' }, 'No saved login for this site.'),
      ...(search.value ? [h('h2', { id: 'h-all' }, 'All items'), h('ul', { class: 'items', 'aria-labelledby': 'h-all' }, ...rest.map(itemRow))] : []),
      ...(more > 0 ? [h('p', { class: 'user', id: 'more' }, `${total.toLocaleString('en')} items match; the first ${items.length} are shown. Type more to narrow the search.`)] : []),
    );
  };
  search.addEventListener('input', () => void show());
  render(
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => editView(blankItem()) }, 'Add login'),
      h('button', { type: 'button', onclick: () => void generatorView() }, 'Generator'),
      h('button', { type: 'button', onclick: () => settingsView() }, 'Settings'),
      status.serverUrl ? h('button', { type: 'button', onclick: () => void chrome.tabs.create({ url: `${status.serverUrl}/` }) }, 'Web vault') : '',
      h('button', { type: 'button', onclick: async () => {
        await ask({ type: 'lock' });
        await refresh();
      } }, 'Lock'),
    ),
    search,
    h('p', { id: 'note', role: 'status', class: 'user' }),
    results,
  );
  await show(first);
  // User Timing mark: the benchmark reads the time from the popup's navigation start to its first list.
  performance.mark('watchword:list-shown');
  search.focus();
}

function blankItem(): LoginForm {
  const origin = pageUrl ? new URL(pageUrl).origin : '';
  return { name: pageUrl ? new URL(pageUrl).hostname : '', username: '', password: '', url: origin, totp: '', notes: '' };
}

function editView(item: LoginForm): void {
  const name = h('input', { type: 'text', required: true, maxlength: '256', value: item.name });
  const username = h('input', { type: 'text', maxlength: '512', value: item.username });
  const password = h('input', { type: 'password', maxlength: '1024', value: item.password });
  const url = h('input', { type: 'text', maxlength: '2048', value: item.url });
  const totp = h('input', { type: 'text', maxlength: '512', value: item.totp });
  const notes = h('textarea', { maxlength: '10000' }, item.notes);
  render(
    h('h1', {}, item.id ? 'Edit login' : 'New login'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        await ask({ type: 'save-item', item: { ...(item.id ? { id: item.id } : {}), name: name.value, username: username.value, password: password.value, url: url.value, totp: totp.value, notes: notes.value } });
        await vaultView();
      } catch (error) {
        showError(error);
      }
    } },
      field('Name', name),
      field('User name', username),
      field('Password', password),
      h('div', { class: 'row' },
        h('button', { type: 'button', onclick: async () => {
          password.value = await ask<string>({ type: 'generate', length: 20, symbols: true, digits: true });
          password.type = 'text';
        } }, 'Generate password'),
      ),
      field('Web address', url),
      field('Authenticator key (TOTP)', totp),
      field('Notes', notes),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', onclick: () => void vaultView() }, 'Cancel')),
      errorBox(),
    ),
  );
}

async function generatorView(): Promise<void> {
  const length = h('input', { type: 'number', min: String(GENERATOR_LENGTH.min), max: String(GENERATOR_LENGTH.max), value: String(GENERATOR_DEFAULTS.length) });
  const symbols = h('input', { type: 'checkbox', id: 'f-symbols', checked: GENERATOR_DEFAULTS.symbols });
  const out = h('output', { id: 'generated', class: 'origin', 'aria-label': 'Generated password' });
  // The same generator, defaults and bounds as the web vault's (@watchword/ui); nothing secret is involved, so the
  // popup generates itself instead of asking the service worker.
  const make = async () => {
    const wanted = Math.trunc(Number(length.value));
    const clamped = Math.min(GENERATOR_LENGTH.max, Math.max(GENERATOR_LENGTH.min, Number.isFinite(wanted) ? wanted : GENERATOR_DEFAULTS.length));
    out.textContent = generateOrEmpty({ ...GENERATOR_DEFAULTS, length: clamped, symbols: symbols.checked });
  };
  render(
    h('h1', {}, 'Password generator'),
    field('Length', length),
    h('label', {}, symbols, ' Symbols'),
    h('p', {}, out),
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => void make() }, 'New password'),
      h('button', { type: 'button', onclick: () => void navigator.clipboard.writeText(out.textContent ?? '') }, 'Copy'),
      h('button', { type: 'button', onclick: () => void vaultView() }, 'Back'),
    ),
  );
  length.addEventListener('change', () => void make());
  symbols.addEventListener('change', () => void make());
  await make();
}

function settingsView(): void {
  const minutes = h('input', { type: 'number', min: '1', max: '1440', value: String(status.idleMinutes) });
  const onLoad = h('input', { type: 'checkbox', id: 'f-fill-on-load', 'aria-describedby': 'fill-on-load-risk', checked: status.fillOnLoad });
  render(
    h('h1', {}, 'Settings'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        status = await ask<Status>({ type: 'settings', idleMinutes: Number(minutes.value), fillOnLoad: onLoad.checked });
        await vaultView();
      } catch (error) {
        showError(error);
      }
    } },
      field('Lock after this many idle minutes', minutes),
      h('p', { class: 'user' }, 'Watchword also locks when the browser closes.'),
      h('div', { class: 'row' }, onLoad, h('label', { for: 'f-fill-on-load' }, 'Fill the login when a page loads')),
      h(
        'p',
        { class: 'user', id: 'fill-on-load-risk' },
        'Off by default. When on, a page gets your password without a click: a script injected into the site (XSS) or a hidden form can read it. Watchword then fills only the top frame, only when exactly one login matches, never into a frame from another site and never over http.',
      ),
      h('p', { class: 'user' }, `Server: ${status.serverUrl ?? ''}`),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', onclick: () => void vaultView() }, 'Back'), h('button', { type: 'button', onclick: async () => {
        await ask({ type: 'logout' });
        await refresh();
      } }, 'Sign out')),
      errorBox(),
    ),
  );
}

open().catch((error: unknown) => render(h('p', { role: 'alert' }, error instanceof Error ? error.message : 'Something went wrong.')));
