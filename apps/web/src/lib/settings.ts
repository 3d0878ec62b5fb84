import { createStore } from './store.ts';

/**
 * Preferences kept in localStorage (not secrets), validated on read so that a tampered value cannot break the page.
 */
export interface Settings {
  /** Lock after this many minutes without keyboard, pointer or touch activity. */
  autoLockMinutes: number;
  /**
   * Log out when the browser closes: the kept session is ended (on the server too) when the vault next opens in a
   * browser session in which no vault tab stayed open (lib/session.ts, docs/web-vault.md).
   */
  logoutOnClose: boolean;
}

export const AUTO_LOCK_CHOICES = [1, 2, 5, 10, 15, 30, 60, 240] as const;
const DEFAULTS: Settings = { autoLockMinutes: 15, logoutOnClose: false };
const KEY = 'watchword.settings';

function read(): Settings {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Record<keyof Settings, unknown>>;
    const minutes = raw.autoLockMinutes;
    return {
      autoLockMinutes: typeof minutes === 'number' && (AUTO_LOCK_CHOICES as readonly number[]).includes(minutes) ? minutes : DEFAULTS.autoLockMinutes,
      logoutOnClose: raw.logoutOnClose === true,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export const settings = createStore<Settings>(read());

export function updateSettings(change: Partial<Settings>): void {
  const next = { ...settings.get(), ...change };
  settings.set(next);
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: the setting holds for this page only.
  }
}
