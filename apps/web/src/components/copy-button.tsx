import { copyToClipboard } from '../lib/clipboard.ts';

/** "Copy <what>": secrets are cleared from the clipboard again after 30 s (lib/clipboard.ts). */
export function CopyButton({ value, what, secret, label }: { value: string; what: string; secret: boolean; label?: string }) {
  return (
    <button type="button" class="secondary" onClick={() => void copyToClipboard(value, what, { secret })}>
      {label ?? 'Copy'}
      <span class="visually-hidden"> {what}</span>
    </button>
  );
}
