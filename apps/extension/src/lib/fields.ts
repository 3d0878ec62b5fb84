/**
 * Form detection in the page (content script): which inputs are a login's username, password, new password or
 * one-time code, and which must be left alone (search boxes, newsletter sign-ups, honeypots, security-key codes).
 * Works on documents and open shadow roots; a closed shadow root is out of reach by design.
 */
import { IDENTITY_ROLES, type IdentityRole, MIN_IDENTITY_ROLES, identityRoleByText, identityRoleByToken } from './identity-fields.ts';

export type FieldRole = 'username' | 'email' | 'password' | 'current-password' | 'new-password' | 'totp' | 'totp-digit' | 'cc-name' | 'cc-number' | 'cc-exp' | 'cc-csc' | IdentityRole;

/** A control Watchword may fill: a text-like input, or a <select> (identity slots such as state and country). */
export type Control = HTMLInputElement | HTMLSelectElement;

export interface Field {
  input: Control;
  role: FieldRole;
}

/** The fields of one form (a <form>, or for inputs outside any form, their nearest common container). */
export interface FieldGroup {
  container: Element;
  fields: Field[];
  kind: 'login' | 'registration' | 'change-password' | 'otp' | 'username-only' | 'card' | 'identity';
}

const TEXTUAL = new Set(['text', 'email', 'tel', 'password', 'number', '']);
const MAX_INPUTS = 500;

const RE_SKIP = /search|query|^q$|newsletter|subscri|mailing|coupon|promo|captcha|zip|postal|city|street|address|phone|card|cvv|cvc|iban/i;
const RE_USER = /user|login|logon|e-?mail|account|identifier|member|nick/i;
const RE_OTP = /one.?time|otp|2fa|two.?factor|verification|security.?code|auth(entication|enticator)?.?code|totp|mfa|passcode|token/i;
const RE_NEW = /new|create|confirm|retype|repeat|again|verify|choose|set.?password|register|signup|sign.?up/i;
const RE_CURRENT = /current|old|existing/i;
const RE_NOT_ACCOUNT_EMAIL = /search|query|newsletter|subscri|mailing|captcha|coupon|promo/i;
const RE_NOT_LOGIN_FORM = /subscri|newsletter|mailing list|search/i;

function labelText(input: Control): string {
  const parts: string[] = [];
  for (const label of input.labels ?? []) parts.push(label.textContent ?? '');
  const aria = input.getAttribute('aria-label');
  if (aria) parts.push(aria);
  const by = input.getAttribute('aria-labelledby');
  if (by) {
    const root = input.getRootNode() as Document | ShadowRoot;
    for (const id of by.split(/\s+/).slice(0, 5)) parts.push(root.getElementById?.(id)?.textContent ?? '');
  }
  return parts.join(' ').slice(0, 500);
}

function signals(input: Control): string {
  return [input.id, input.name, input.getAttribute('placeholder') ?? '', labelText(input), input.getAttribute('data-testid') ?? ''].join(' ').slice(0, 1000);
}

function autocompleteTokens(input: Control): string[] {
  return (input.getAttribute('autocomplete') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

/** Visible to a person: not display:none / visibility:hidden anywhere up the tree, not zero-sized, not aria-hidden. */
export function isVisible(input: HTMLElement): boolean {
  if (input.closest('[aria-hidden="true"]')) return false;
  if (typeof input.checkVisibility === 'function' && !input.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
  const rect = input.getBoundingClientRect();
  if (rect.width < 2 || rect.height < 2) return false;
  return true;
}

function fillable(input: Control): boolean {
  if (input instanceof HTMLSelectElement) return !input.multiple && !input.disabled && isVisible(input);
  return TEXTUAL.has(input.type) && !input.disabled && !input.readOnly && isVisible(input);
}

const CARD_TOKENS: Record<string, FieldRole> = { 'cc-name': 'cc-name', 'cc-number': 'cc-number', 'cc-exp': 'cc-exp', 'cc-csc': 'cc-csc' };
const RE_CC_NAME = /name on card|card.?holder|cc.?name|name.?on.?the.?card/i;
const RE_CC_NUMBER = /card.?number|credit.?card|debit.?card|cc.?num|card.?no\b/i;
const RE_CC_EXP = /expir|exp.?date|valid.?(thru|until)|mm\s*\/\s*yy/i;
const RE_CC_CSC = /\bcvv|\bcvc|\bcsc\b|card.?verification|card.?security.?code/i;

/** Payment-card fields: by autocomplete token, else by their labels. */
function cardRole(tokens: string[], text: string): FieldRole | undefined {
  for (const token of tokens) if (CARD_TOKENS[token]) return CARD_TOKENS[token];
  if (RE_CC_NUMBER.test(text)) return 'cc-number';
  if (RE_CC_NAME.test(text)) return 'cc-name';
  if (RE_CC_CSC.test(text)) return 'cc-csc';
  // "Expiration" alone could be anything: it counts only in a group that has a card number (groupKind).
  if (RE_CC_EXP.test(text)) return 'cc-exp';
  return undefined;
}

function classify(control: Control): FieldRole | undefined {
  const tokens = autocompleteTokens(control);
  const text = signals(control);
  // A <select> is only ever an identity slot (a state, a country, a title).
  if (control instanceof HTMLSelectElement) return identityRoleByToken(tokens) ?? identityRoleByText('select', text);
  const input = control;
  if (tokens.includes('one-time-code')) return input.maxLength === 1 ? 'totp-digit' : 'totp';
  if (tokens.includes('new-password')) return 'new-password';
  if (tokens.includes('current-password')) return 'current-password';
  const card = cardRole(tokens, text);
  if (card) return card;
  const identity = identityRoleByToken(tokens);
  if (identity) return identity;
  if (tokens.some((t) => t.startsWith('cc-'))) return undefined;
  if (input.type === 'password') {
    // A "verification code" typed by a hardware key into a password box is neither the password nor a TOTP.
    if (RE_OTP.test(text)) return undefined;
    if (RE_CURRENT.test(text)) return 'current-password';
    if (RE_NEW.test(text)) return 'new-password';
    return 'password';
  }
  if (input.maxLength === 1 && (input.inputMode === 'numeric' || RE_OTP.test(text) || /digit|code/i.test(text))) return 'totp-digit';
  if (RE_OTP.test(text)) return 'totp';
  if (tokens.includes('username')) return 'username';
  if (tokens.includes('email')) return 'email';
  // "New e-mail" on a change-e-mail form is the value being changed, not the login.
  if (/\bnew\b/i.test(text)) return undefined;
  // An e-mail input is an e-mail address unless it is a search or a subscription (labels like "E-mail address" or a
  // stray label of a neighbouring field must not hide it).
  if (input.type === 'email') return RE_NOT_ACCOUNT_EMAIL.test(text) ? undefined : 'email';
  const slot = identityRoleByText(input.type, text);
  if (slot) return slot;
  if (RE_SKIP.test(text)) return undefined;
  if (RE_USER.test(text)) return 'username';
  return undefined;
}

/** Inputs in a root and its open shadow roots and same-document descendants (bounded). */
export function allInputs(root: Document | ShadowRoot | Element, out: Control[] = []): Control[] {
  const walker = (root instanceof Document ? root : root.ownerDocument ?? document).createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
  for (let node = walker.nextNode(); node && out.length < MAX_INPUTS; node = walker.nextNode()) {
    const el = node as Element;
    if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) out.push(el);
    if (el.shadowRoot) allInputs(el.shadowRoot, out);
  }
  return out;
}

/** The form an input belongs to: its <form>, else the nearest ancestor (up to 6 levels) that holds 2+ inputs. */
function containerOf(input: Control): Element {
  if (input.form) return input.form;
  let el: Element | null = input.parentElement;
  let best: Element = input.parentElement ?? input;
  for (let depth = 0; el && depth < 6; depth++, el = el.parentElement) {
    if (el.querySelectorAll('input:not([type=hidden])').length >= 2) return el;
    best = el;
    if (el.tagName === 'BODY') break;
  }
  return best;
}

/** The form groups of a document (or shadow root), with the fields Watchword would fill. */
export function detectGroups(root: Document | ShadowRoot): FieldGroup[] {
  const groups = new Map<Element, Field[]>();
  for (const input of allInputs(root)) {
    if (!fillable(input)) continue;
    const role = classify(input);
    if (!role) continue;
    const container = containerOf(input);
    const list = groups.get(container) ?? [];
    list.push({ input, role });
    groups.set(container, list);
  }
  const out: FieldGroup[] = [];
  for (const [container, fields] of groups) {
    // A lone password field named "confirm" or "verify" confirms the current password (re-authentication); only
    // the new-password token makes a single field a new password.
    const passwordish = fields.filter((f) => f.input.type === 'password');
    if (passwordish.length === 1 && passwordish[0]!.role === 'new-password' && !autocompleteTokens(passwordish[0]!.input).includes('new-password')) {
      passwordish[0]!.role = 'password';
    }
    const kind = groupKind(container, fields);
    if (!kind) continue;
    out.push({ container, fields: refine(kind, fields), kind });
  }
  return out;
}

function groupKind(container: Element, fields: Field[]): FieldGroup['kind'] | undefined {
  const roles = new Set(fields.map((f) => f.role));
  if (roles.has('cc-number')) return 'card';
  const slots = [...roles].filter((r) => IDENTITY_ROLES.has(r)).length;
  if (roles.has('totp') || roles.has('totp-digit')) {
    const digits = fields.filter((f) => f.role === 'totp-digit').length;
    if (roles.has('totp') || digits >= 4) return 'otp';
  }
  const passwords = fields.filter((f) => f.role === 'password' || f.role === 'current-password' || f.role === 'new-password');
  if (passwords.length === 0) {
    if (slots >= MIN_IDENTITY_ROLES) return 'identity';
    // E-mail first: a lone username step, unless the form is a newsletter or search form.
    const formText = `${container.getAttribute('action') ?? ''} ${container.id} ${container.textContent?.slice(0, 300) ?? ''}`;
    if (RE_NOT_LOGIN_FORM.test(formText)) return undefined;
    return fields.some((f) => f.role === 'username' && (autocompleteTokens(f.input).includes('username') || /user|login|logon/i.test(signals(f.input))))
      ? 'username-only'
      : undefined;
  }
  const news = passwords.filter((f) => f.role === 'new-password').length;
  if ((roles.has('current-password') && news >= 1) || (news >= 2 && !roles.has('username') && !roles.has('email'))) return 'change-password';
  if (news >= 1) return 'registration';
  return 'login';
}

function refine(kind: FieldGroup['kind'], fields: Field[]): Field[] {
  if (kind === 'card') return fields.filter((f) => f.role.startsWith('cc-'));
  if (kind === 'identity') return fields.filter((f) => IDENTITY_ROLES.has(f.role) || f.role === 'email');
  if (kind === 'otp') return fields.filter((f) => f.role === 'totp' || f.role === 'totp-digit');
  if (kind === 'change-password') return fields.filter((f) => f.role !== 'username' && f.role !== 'email').map((f) => (f.role === 'password' ? { ...f, role: 'current-password' } : f));
  if (kind === 'login' || kind === 'username-only') {
    // One identifier: the username-like field nearest before the password.
    const ids = fields.filter((f) => f.role === 'username' || f.role === 'email');
    const found = fields.find((f) => f.role === 'password' || f.role === 'current-password');
    const pw = found ? { input: found.input, role: 'password' as const } : undefined;
    let id: Field | undefined = ids.find((f) => f.role === 'username') ?? ids[0];
    if (pw) {
      const before = ids.filter((f) => f.input.compareDocumentPosition(pw.input) & Node.DOCUMENT_POSITION_FOLLOWING);
      id = before.findLast((f) => f.role === 'username') ?? before.at(-1) ?? id;
    }
    const out: Field[] = [];
    if (id) out.push({ input: id.input, role: 'username' });
    if (pw) out.push(pw);
    return out;
  }
  return fields;
}

/** The group holding an input, if any. */
export function groupOf(groups: FieldGroup[], input: Control): FieldGroup | undefined {
  return groups.find((g) => g.fields.some((f) => f.input === input));
}

/**
 * Sets a value the way typing would: through the native value setter (so React's and Vue's value tracking sees a
 * change) followed by the events a keyboard entry fires.
 */
export function setValueAsTyped(input: Control, value: string): void {
  if (input instanceof HTMLSelectElement) {
    selectOption(input, value);
    return;
  }
  input.focus({ preventScroll: true });
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  input.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, composed: true }));
  if (setter) setter.call(input, value);
  else input.value = value;
  input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertReplacementText' }));
  input.dispatchEvent(new KeyboardEvent('keyup', { bubbles: true, composed: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

/**
 * Picks the option of a <select> that stands for a value: the option whose value or text equals it (any case), else
 * whose text starts with it ("Puerto Rico (PR)" for "Puerto Rico"). Nothing matches: the select is left as it was.
 */
export function selectOption(select: HTMLSelectElement, value: string): boolean {
  const want = value.trim().toLowerCase();
  if (!want) return false;
  const options = [...select.options].filter((o) => !o.disabled && o.value !== '');
  const option =
    options.find((o) => o.value.toLowerCase() === want || o.text.trim().toLowerCase() === want) ??
    options.find((o) => o.text.trim().toLowerCase().startsWith(`${want} (`));
  if (!option) return false;
  select.focus({ preventScroll: true });
  const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')?.set;
  if (setter) setter.call(select, option.value);
  else select.value = option.value;
  select.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  select.dispatchEvent(new Event('change', { bubbles: true }));
  return true;
}
