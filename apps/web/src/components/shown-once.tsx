import { useState } from 'preact/hooks';
import { downloadText } from '../lib/download.ts';
import { Checkbox } from './fields.tsx';
import { CopyButton } from './copy-button.tsx';

/**
 * A recovery key (or backup codes) shown exactly once: copy, download as a text file, and continue only after
 * confirming it is stored. The value lives in this component's state only and is gone once it unmounts.
 */
export function ShownOnce({
  title,
  lines,
  explanation,
  fileName,
  confirmLabel,
  continueLabel,
  onDone,
}: {
  title: string;
  lines: readonly string[];
  explanation: string;
  fileName: string;
  confirmLabel: string;
  continueLabel: string;
  onDone(): void;
}) {
  const [saved, setSaved] = useState(false);
  const text = lines.join('\n');
  return (
    <section class="shown-once" aria-labelledby="shown-once-title">
      <h2 id="shown-once-title">{title}</h2>
      <p>{explanation}</p>
      <pre class="secret-block mono" data-testid="shown-once-value">
        {text}
      </pre>
      <div class="button-row">
        <CopyButton value={text} what={title.toLowerCase()} secret label="Copy" />
        <button type="button" class="secondary" onClick={() => downloadText(fileName, `${title}\n\n${text}\n`)}>
          Download<span class="visually-hidden"> {title.toLowerCase()}</span>
        </button>
      </div>
      <Checkbox label={confirmLabel} checked={saved} onChange={setSaved} />
      <button type="button" class="primary" disabled={!saved} onClick={onDone}>
        {continueLabel}
      </button>
    </section>
  );
}
