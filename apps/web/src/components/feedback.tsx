import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { announcement } from '../lib/announce.ts';
import { useStore } from '../lib/store.ts';

/** An error next to the form that caused it; role=alert reads it out at once. */
export function ErrorMessage({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function Notice({ children, kind = 'info' }: { children: ComponentChildren; kind?: 'info' | 'success' | 'warning' }) {
  return (
    <div class={`notice ${kind}`} role="status">
      {children}
    </div>
  );
}

/**
 * The page's heading: sets the document title and takes focus when the page opens, so keyboard and screen-reader
 * users start at the new content after every navigation. `title` must never hold vault content (an item's name):
 * the browser keeps page titles in its history, on disk and in the clear.
 */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Watchword`;
    ref.current?.focus({ preventScroll: false });
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** The polite live region for short confirmations (see lib/announce.ts), shown as a toast. */
export function Announcer() {
  const current = useStore(announcement);
  return (
    <div class="toast-region" role="status" aria-live="polite" aria-atomic="true">
      {current ? (
        <p class="toast" key={current.id}>
          {current.text}
        </p>
      ) : null}
    </div>
  );
}

export function SubmitButton({ busy, children, busyText, kind = 'primary', disabled }: { busy: boolean; children: ComponentChildren; busyText?: string; kind?: 'primary' | 'secondary' | 'danger'; disabled?: boolean }) {
  return (
    <button type="submit" class={kind} disabled={busy || disabled} aria-busy={busy ? 'true' : undefined}>
      {busy ? (busyText ?? 'Working…') : children}
    </button>
  );
}
