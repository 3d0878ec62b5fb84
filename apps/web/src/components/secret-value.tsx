import { useState } from 'preact/hooks';
import { CopyButton } from './copy-button.tsx';

/** A secret shown as dots until revealed (Reveal is a toggle with aria-pressed), with a Copy button. */
export function SecretValue({ value, what }: { value: string; what: string }) {
  const [shown, setShown] = useState(false);
  return (
    <span class="value-row">
      <span class={shown ? 'value mono' : 'value masked'} aria-label={shown ? undefined : `${what} hidden`}>
        {shown ? value : '••••••••••••'}
      </span>
      <span class="actions">
        <button type="button" class="secondary" aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? 'Hide' : 'Reveal'}
          <span class="visually-hidden"> {what}</span>
        </button>
        <CopyButton value={value} what={what} secret />
      </span>
    </span>
  );
}
