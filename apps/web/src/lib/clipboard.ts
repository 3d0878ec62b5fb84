import { announce } from './announce.ts';

/**
 * Copying from the vault. A copied secret is cleared from the clipboard after CLEAR_AFTER_MS — but only if it is
 * still there: when the page may read the clipboard (permission granted), it compares first; when it may not, it
 * clears unless the page has seen another copy since (the user copied something else here). Writing needs the
 * document to have focus, so a clear that comes due while the user is in another window happens on return.
 * Locking and logging out clear at once.
 */
export const CLEAR_AFTER_MS = 30_000;

interface Pending {
  value: string;
  timer: ReturnType<typeof setTimeout>;
}

let pending: Pending | undefined;
let ownWrite = false;
let waitingForFocus = false;

// A copy the user makes in the page (Ctrl+C on selected text) replaces our value: do not clear theirs.
addEventListener('copy', () => {
  if (!ownWrite) forget();
});
addEventListener('cut', () => forget());

function forget(): void {
  if (pending) clearTimeout(pending.timer);
  pending = undefined;
}

async function canRead(): Promise<boolean> {
  try {
    const status = await navigator.permissions.query({ name: 'clipboard-read' as PermissionName });
    return status.state === 'granted';
  } catch {
    return false;
  }
}

/** Clears the clipboard if it still holds our secret; retried when the window regains focus. */
export async function clearCopiedSecret(): Promise<void> {
  const current = pending;
  if (!current) return;
  try {
    if (await canRead()) {
      const text = await navigator.clipboard.readText();
      if (text !== current.value) return forget();
    }
    await navigator.clipboard.writeText('');
    if (pending === current) forget();
  } catch {
    // Not focused (or not allowed now): try again when the user comes back to this window.
    if (!waitingForFocus) {
      waitingForFocus = true;
      addEventListener(
        'focus',
        () => {
          waitingForFocus = false;
          void clearCopiedSecret();
        },
        { once: true },
      );
    }
  }
}

/** Copies text. `secret` ones are cleared again after 30 s (see above). Resolves false when copying failed. */
export async function copyToClipboard(value: string, what: string, options: { secret: boolean }): Promise<boolean> {
  try {
    ownWrite = true;
    await navigator.clipboard.writeText(value);
  } catch {
    announce(`Could not copy the ${what}: the browser did not allow it.`);
    return false;
  } finally {
    ownWrite = false;
  }
  forget();
  if (options.secret) {
    pending = { value, timer: setTimeout(() => void clearCopiedSecret(), CLEAR_AFTER_MS) };
    announce(`${capitalise(what)} copied. The clipboard is cleared in ${CLEAR_AFTER_MS / 1000} seconds.`);
  } else {
    announce(`${capitalise(what)} copied.`);
  }
  return true;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
