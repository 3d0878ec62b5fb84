/**
 * The messages between the extension's parts. Extension pages (popup, inline menu, save prompt) talk to the service
 * worker with `ExtensionRequest`; content scripts with `ContentRequest`; the service worker pushes `ToContent` to one
 * frame of one tab. Every handler checks the sender (background.ts `senderKind`).
 */
import type { WebauthnAuthenticationResponse } from '@watchword/protocol';
import type { IdentityRole } from './identity-fields.ts';

export interface ItemSummary {
  id: string;
  name: string;
  username: string;
  urls: string[];
  hasPassword: boolean;
  hasTotp: boolean;
  type: string;
  /** The shared vault the item is in (its name, as Vault.vaultName gives it); null for the personal vault. */
  vault: string | null;
  /** 0: does not match the page; higher is more specific (lib/match.ts). */
  score: number;
}

/** The answer to a search: the first rows (at most 100) and how many items match in all. */
export interface ItemList {
  items: ItemSummary[];
  total: number;
}

export interface Status {
  serverUrl: string | null;
  email: string | null;
  state: 'disconnected' | 'signed-out' | 'locked' | 'unlocked';
  idleMinutes: number;
  /** Opt-in: fill the one matching login when a page loads (off by default; see docs/extension.md for the risk). */
  fillOnLoad: boolean;
}

/** The answer to the popup's first request: the status, and when unlocked the page's matching items. */
export interface PopupOpen {
  status: Status;
  items: ItemSummary[] | null;
}

export interface LoginForm {
  id?: string;
  name: string;
  username: string;
  password: string;
  url: string;
  totp: string;
  notes: string;
}

export type ExtensionRequest =
  | { type: 'status' }
  | { type: 'open'; pageUrl: string | null }
  | { type: 'connect'; serverUrl: string }
  | { type: 'login'; email: string; password: string; secondFactor?: { method: 'totp' | 'backup_code'; code: string } | { method: 'webauthn' } }
  /** The security key's assertion for the sign-in waiting in the worker (null: the person cancelled). */
  | { type: 'login-key'; response: WebauthnAuthenticationResponse | null }
  | { type: 'unlock'; password: string }
  | { type: 'lock' }
  | { type: 'logout' }
  | { type: 'settings'; idleMinutes: number; fillOnLoad?: boolean }
  | { type: 'items'; query: string; pageUrl: string | null }
  | { type: 'reveal'; id: string; field: 'username' | 'password' | 'totp' }
  | { type: 'item'; id: string }
  | { type: 'save-item'; item: LoginForm }
  | { type: 'generate'; length: number; symbols: boolean; digits: boolean }
  | { type: 'menu-get'; token: string }
  | { type: 'menu-confirm-frame'; token: string }
  | { type: 'menu-fill'; token: string; itemId?: string; generate?: boolean; acceptInsecure?: boolean }
  | { type: 'menu-close'; token: string }
  | { type: 'prompt-get'; token: string }
  | { type: 'prompt-answer'; token: string; answer: 'save' | 'never' | 'dismiss' };

export type FormKind = 'login' | 'registration' | 'change-password' | 'otp' | 'username-only' | 'card' | 'identity';

export type ContentRequest =
  | { type: 'frame-forms'; kinds: FormKind[] }
  | { type: 'page-loaded' }
  | { type: 'menu-open'; kind: FormKind }
  | { type: 'submitted'; kind: FormKind; username: string; password: string; newPassword: string };

export interface FillValues {
  username?: string;
  password?: string;
  newPassword?: string;
  totp?: string;
  ccName?: string;
  ccNumber?: string;
  /** MM/YY */
  ccExp?: string;
  ccCsc?: string;
  /** An identity's e-mail address (fills e-mail fields of an identity / address form). */
  email?: string;
  /** Identity slots by their autocomplete field name (lib/identity-fields.ts). */
  identity?: Partial<Record<IdentityRole, string>>;
}

export type ToContent =
  | { type: 'fill'; values: FillValues; token?: string }
  | { type: 'close-menu'; token: string }
  | { type: 'show-prompt'; token: string }
  | { type: 'close-prompt'; token: string };

export interface MenuView {
  state: 'locked' | 'unlocked';
  kind: FormKind;
  /** Set for a frame whose origin differs from the tab's: the user must allow it before anything is listed. */
  confirmFrameOrigin: string | null;
  insecure: boolean;
  items: { id: string; name: string; username: string; vault: string | null; insecure: boolean }[];
  canGenerate: boolean;
}

export interface PromptView {
  mode: 'save' | 'update';
  site: string;
  username: string;
  itemName: string | null;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; code: string; message: string };
