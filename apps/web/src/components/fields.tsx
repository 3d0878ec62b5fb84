import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';

/**
 * Form controls, each with a real <label> (and hints tied to it with aria-describedby), so every control has an
 * accessible name and a click target. Values are plain strings rendered as text: nothing here builds HTML.
 */

interface InputProps {
  label: ComponentChildren;
  value: string;
  onInput(value: string): void;
  type?: 'text' | 'email' | 'url' | 'search' | 'number' | 'datetime-local';
  name?: string;
  autoComplete?: string;
  required?: boolean;
  hint?: ComponentChildren;
  maxLength?: number;
  minLength?: number;
  inputMode?: 'text' | 'numeric' | 'email' | 'url' | 'search';
  pattern?: string;
  placeholder?: string;
  autoFocus?: boolean;
  disabled?: boolean;
  readOnly?: boolean;
  spellcheck?: boolean;
  mono?: boolean;
  list?: string;
  min?: number;
  max?: number;
  invalid?: boolean;
}

function useAutoFocus<T extends HTMLElement>(on: boolean | undefined) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (on) ref.current?.focus();
  }, [on]);
  return ref;
}

export function TextField(p: InputProps) {
  const id = useId();
  const ref = useAutoFocus<HTMLInputElement>(p.autoFocus);
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <input
        ref={ref}
        id={id}
        class={p.mono ? 'mono' : undefined}
        type={p.type ?? 'text'}
        name={p.name}
        value={p.value}
        onInput={(e) => p.onInput(e.currentTarget.value)}
        autoComplete={p.autoComplete ?? 'off'}
        required={p.required}
        maxLength={p.maxLength}
        minLength={p.minLength}
        inputMode={p.inputMode}
        pattern={p.pattern}
        placeholder={p.placeholder}
        disabled={p.disabled}
        readOnly={p.readOnly}
        spellcheck={p.spellcheck ?? false}
        list={p.list}
        min={p.min}
        max={p.max}
        aria-invalid={p.invalid ? 'true' : undefined}
        aria-describedby={p.hint ? `${id}-hint` : undefined}
      />
      <Hint id={id}>{p.hint}</Hint>
    </div>
  );
}

interface PasswordFieldProps {
  label: ComponentChildren;
  value: string;
  onInput(value: string): void;
  autoComplete: 'current-password' | 'new-password' | 'off' | 'one-time-code';
  name?: string;
  required?: boolean;
  hint?: ComponentChildren;
  autoFocus?: boolean;
  mono?: boolean;
  /** Extra buttons after the Show button (e.g. Generate). */
  children?: ComponentChildren;
  describedBy?: string;
  maxLength?: number;
}

/** A masked input with a Show/Hide toggle (aria-pressed), for passwords and other secrets. */
export function PasswordField(p: PasswordFieldProps) {
  const id = useId();
  const [shown, setShown] = useState(false);
  const ref = useAutoFocus<HTMLInputElement>(p.autoFocus);
  const describedBy = [p.hint ? `${id}-hint` : '', p.describedBy ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <div class="input-row">
        <input
          ref={ref}
          id={id}
          class={p.mono || shown ? 'mono' : undefined}
          // Preact's typings split password inputs from text inputs; this one switches between the two.
          type={(shown ? 'text' : 'password') as 'text'}
          name={p.name}
          value={p.value}
          onInput={(e) => p.onInput(e.currentTarget.value)}
          autoComplete={p.autoComplete}
          required={p.required}
          maxLength={p.maxLength}
          spellcheck={false}
          autoCapitalize="off"
          aria-describedby={describedBy}
        />
        <button type="button" class="secondary" aria-controls={id} aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? 'Hide' : 'Show'}
        </button>
        {p.children}
      </div>
      <Hint id={id}>{p.hint}</Hint>
    </div>
  );
}

export function TextArea(p: { label: ComponentChildren; value: string; onInput(value: string): void; rows?: number; maxLength?: number; hint?: ComponentChildren }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <textarea
        id={id}
        rows={p.rows ?? 4}
        value={p.value}
        maxLength={p.maxLength}
        onInput={(e) => p.onInput(e.currentTarget.value)}
        // A browser's "enhanced" spell check may send the text to a server: never for vault notes.
        spellcheck={false}
        aria-describedby={p.hint ? `${id}-hint` : undefined}
      />
      <Hint id={id}>{p.hint}</Hint>
    </div>
  );
}

export function Checkbox(p: { label: ComponentChildren; checked: boolean; onChange(checked: boolean): void; hint?: ComponentChildren; disabled?: boolean }) {
  const id = useId();
  return (
    <div class="field checkbox">
      <input id={id} type="checkbox" checked={p.checked} disabled={p.disabled} onChange={(e) => p.onChange(e.currentTarget.checked)} aria-describedby={p.hint ? `${id}-hint` : undefined} />
      <label for={id}>{p.label}</label>
      <Hint id={id}>{p.hint}</Hint>
    </div>
  );
}

export function Select<T extends string>(p: { label: ComponentChildren; value: T; options: readonly (readonly [T, string])[]; onChange(value: T): void; hint?: ComponentChildren; disabled?: boolean }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <select id={id} value={p.value} disabled={p.disabled} onChange={(e) => p.onChange(e.currentTarget.value as T)} aria-describedby={p.hint ? `${id}-hint` : undefined}>
        {p.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      <Hint id={id}>{p.hint}</Hint>
    </div>
  );
}

/** A field's hint, the target of its `aria-describedby` (`<id>-hint`); nothing when there is none. */
function Hint({ id, children }: { id: string; children?: ComponentChildren }) {
  if (!children) return null;
  return (
    <p id={`${id}-hint`} class="hint">
      {children}
    </p>
  );
}
