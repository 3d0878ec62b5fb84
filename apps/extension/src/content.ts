/// <reference types="chrome" />
import { type Field, type FieldGroup, detectGroups, groupOf, setValueAsTyped } from './lib/fields.ts';
import { IDENTITY_ROLES, type IdentityRole } from './lib/identity-fields.ts';
import type { ContentRequest, FillValues, FormKind, Reply, ToContent } from './lib/messages.ts';

/**
 * The content script (every frame, isolated world). It finds forms, anchors the inline menu to a focused field and
 * fills what the service worker sends for the item the person chose in that menu. It never holds vault data: the
 * menu is an extension page in a closed shadow root, and values arrive only for a fill, only for this frame.
 * Nothing is filled on page load unless the person turned that on (background.ts `fillOnLoad`).
 */

const MENU_WIDTH = 300;
const MENU_HEIGHT = 220;
const PROMPT_WIDTH = 360;
const PROMPT_HEIGHT = 190;

let groups: FieldGroup[] = [];
let lastField: HTMLInputElement | undefined;
let menu: { token: string; host: HTMLElement; field: HTMLInputElement } | undefined;
let prompt: { token: string; host: HTMLElement } | undefined;
let opening = 0;
let filling = false;
const hookedRoots = new WeakSet<Node>();

function send<T>(request: ContentRequest): Promise<T | undefined> {
  return chrome.runtime.sendMessage<ContentRequest, Reply<T>>(request).then(
    (reply) => (reply?.ok ? reply.value : undefined),
    () => undefined,
  );
}

function scan(): void {
  groups = detectGroups(document);
  hookShadowRoots(document);
  void send({ type: 'frame-forms', kinds: [...new Set(groups.map((g) => g.kind))] });
}

/** `submit` does not cross a shadow boundary: listen on each open shadow root too. */
function hookShadowRoots(root: Document | ShadowRoot): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const sr = (node as Element).shadowRoot;
    if (sr && !hookedRoots.has(sr)) {
      hookedRoots.add(sr);
      sr.addEventListener('submit', onSubmit, true);
      sr.addEventListener('focusin', onFocus, true);
      hookShadowRoots(sr);
    }
  }
}

function inputFromEvent(event: Event): HTMLInputElement | undefined {
  const target = event.composedPath()[0];
  return target instanceof HTMLInputElement ? target : undefined;
}

/** A host element whose closed shadow root holds one extension-origin iframe; the page sees neither inside. */
function extensionFrame(page: string, token: string, width: number, height: number, anchorTo: Element): HTMLElement {
  const host = document.createElement('watchword-frame');
  const shadow = host.attachShadow({ mode: 'closed' });
  const frame = document.createElement('iframe');
  frame.src = `${chrome.runtime.getURL(page)}#${token}`;
  frame.title = 'Watchword';
  frame.setAttribute('allow', 'clipboard-write');
  frame.style.cssText = `border:0;width:${width}px;height:${height}px;display:block;color-scheme:normal;border-radius:8px;box-shadow:0 4px 18px rgba(0,0,0,.25);background:#fff`;
  shadow.append(frame);
  host.style.cssText = 'all:initial;position:fixed;z-index:2147483647;display:block;';
  // Inside an open modal dialog or popover the rest of the page is inert or below the top layer: join it.
  const top = anchorTo.closest('dialog[open], [popover]');
  (top ?? document.documentElement).append(host);
  return host;
}

function placeMenu(host: HTMLElement, field: HTMLInputElement): void {
  const rect = field.getBoundingClientRect();
  const below = rect.bottom + 4 + MENU_HEIGHT <= window.innerHeight || rect.top < MENU_HEIGHT;
  host.style.left = `${Math.max(0, Math.min(rect.left, window.innerWidth - MENU_WIDTH))}px`;
  host.style.top = `${below ? rect.bottom + 4 : rect.top - MENU_HEIGHT - 4}px`;
}

function closeMenu(): void {
  menu?.host.remove();
  menu = undefined;
}

async function onFocus(event: Event): Promise<void> {
  // Filling moves the focus from field to field: that is not the person asking for the menu.
  if (filling) return;
  const input = inputFromEvent(event);
  if (!input) return;
  let group = groupOf(groups, input);
  if (!group) {
    groups = detectGroups(document);
    group = groupOf(groups, input);
  }
  if (!group) return;
  lastField = input;
  if (menu?.field === input) return;
  closeMenu();
  const ticket = ++opening;
  // An identity slot (name, address…) asks for an identity even inside a registration form.
  const role = group.fields.find((f) => f.input === input)?.role;
  const kind = role && IDENTITY_ROLES.has(role) ? 'identity' : group.kind;
  const token = await send<string>({ type: 'menu-open', kind });
  if (!token || ticket !== opening || document.activeElement === null) return;
  const host = extensionFrame('menu.html', token, MENU_WIDTH, MENU_HEIGHT, input);
  placeMenu(host, input);
  menu = { token, host, field: input };
}

function onKey(event: KeyboardEvent): void {
  if (event.key === 'Escape' && menu) closeMenu();
}

function onPointer(event: Event): void {
  if (!menu) return;
  const path = event.composedPath();
  if (!path.includes(menu.host) && !path.includes(menu.field)) closeMenu();
}

function valueFor(field: Field, values: FillValues, index: number): string | undefined {
  switch (field.role) {
    case 'username':
      return values.username;
    case 'email':
      return values.username ?? values.email;
    case 'password':
    case 'current-password':
      return values.password;
    case 'new-password':
      return values.newPassword;
    case 'totp':
      return values.totp;
    case 'totp-digit':
      return values.totp?.[index];
    case 'cc-name':
      return values.ccName;
    case 'cc-number':
      return values.ccNumber;
    case 'cc-exp':
      return values.ccExp;
    case 'cc-csc':
      return values.ccCsc;
    default:
      return values.identity?.[field.role as IdentityRole];
  }
}

function fill(values: FillValues): void {
  groups = detectGroups(document);
  const group = (lastField && groupOf(groups, lastField)) ?? groups.find((g) => g.kind === 'login') ?? groups.find((g) => g.kind === 'username-only');
  if (!group) return;
  let digit = 0;
  filling = true;
  try {
    for (const field of group.fields) {
      const value = valueFor(field, values, digit);
      if (field.role === 'totp-digit') digit++;
      if (value === undefined || value === '') continue;
      setValueAsTyped(field.input, value);
    }
    lastField?.focus({ preventScroll: true });
  } finally {
    // focusin events of the fill are dispatched synchronously; clear after they ran.
    setTimeout(() => {
      filling = false;
    }, 0);
  }
}

function groupForEvent(event: Event): FieldGroup | undefined {
  const target = event.composedPath()[0];
  if (!(target instanceof Element)) return undefined;
  groups = detectGroups(document);
  return groups.find((g) => g.container === target || g.container.contains(target) || (target instanceof HTMLFormElement && g.fields.some((f) => f.input.form === target)));
}

function report(group: FieldGroup): void {
  const pick = (roles: Field['role'][]) => group.fields.find((f) => roles.includes(f.role))?.input.value ?? '';
  const password = pick(['password', 'current-password']);
  const newPassword = pick(['new-password']);
  if (!password && !newPassword) return;
  if (group.kind === 'otp') return;
  void send({ type: 'submitted', kind: group.kind as FormKind, username: pick(['username', 'email']).slice(0, 512), password: password.slice(0, 1024), newPassword: newPassword.slice(0, 1024) });
}

function onSubmit(event: Event): void {
  if (!event.isTrusted) return;
  const group = groupForEvent(event);
  if (group) report(group);
}

/** Forms without a <form>: a click on a button inside the group counts as a submit. */
function onClick(event: Event): void {
  if (!event.isTrusted) return;
  const target = event.composedPath()[0];
  if (!(target instanceof Element)) return;
  const button = target.closest('button, input[type=submit], input[type=button], [role=button]');
  if (!button || (button as HTMLButtonElement).form) return;
  const group = groupForEvent(event);
  if (group && group.container.contains(button)) report(group);
}

function showPrompt(token: string): void {
  prompt?.host.remove();
  const host = extensionFrame('prompt.html', token, PROMPT_WIDTH, PROMPT_HEIGHT, document.documentElement);
  host.style.top = '12px';
  host.style.right = '12px';
  prompt = { token, host };
}

chrome.runtime.onMessage.addListener((message: ToContent, sender) => {
  // Only the service worker (no tab, our own id) may ask this frame to do anything.
  if (sender.id !== chrome.runtime.id || sender.tab) return;
  switch (message.type) {
    case 'fill':
      if (message.token && menu?.token !== message.token) return;
      closeMenu();
      fill(message.values);
      break;
    case 'close-menu':
      if (menu?.token === message.token) closeMenu();
      break;
    case 'show-prompt':
      showPrompt(message.token);
      break;
    case 'close-prompt':
      if (prompt?.token === message.token) {
        prompt.host.remove();
        prompt = undefined;
      }
      break;
  }
});

document.addEventListener('focusin', (e) => void onFocus(e), true);
document.addEventListener('submit', onSubmit, true);
document.addEventListener('click', onClick, true);
document.addEventListener('pointerdown', onPointer, true);
document.addEventListener('keydown', onKey, true);
window.addEventListener('resize', () => menu && placeMenu(menu.host, menu.field));
window.addEventListener('scroll', () => menu && placeMenu(menu.host, menu.field), true);

let pending: number | undefined;
new MutationObserver(() => {
  if (pending !== undefined) return;
  pending = window.setTimeout(() => {
    pending = undefined;
    scan();
  }, 250);
}).observe(document.documentElement, { childList: true, subtree: true });
scan();
// Opt-in fill on page load: asked once, from the top frame only, when it has a login form; the service worker decides
// (setting on, exactly one match, same origin) and answers with a fill like the shortcut's.
if (window === window.top && groups.some((g) => g.kind === 'login')) void send({ type: 'page-loaded' });
// A field focused before this script ran (autofocus) gets its menu too.
if (document.activeElement instanceof HTMLInputElement) void onFocus({ composedPath: () => [document.activeElement] } as unknown as Event);
