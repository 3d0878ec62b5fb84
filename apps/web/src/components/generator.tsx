import { GENERATOR_DEFAULTS, GENERATOR_LENGTH, type GeneratorOptions as Options, generateOrEmpty as safeGenerate } from '@watchword/ui';
import { useEffect, useId, useState } from 'preact/hooks';
import { Checkbox } from './fields.tsx';
import { CopyButton } from './copy-button.tsx';

const DEFAULTS: Options = { ...GENERATOR_DEFAULTS };

/** The password generator (the protocol's unbiased generator, crypto.getRandomValues); `onUse` offers the result. */
export function Generator({ onUse }: { onUse?: (password: string) => void }) {
  const [options, setOptions] = useState<Options>(DEFAULTS);
  const [password, setPassword] = useState('');
  const lengthId = useId();
  const outputId = useId();
  const regenerate = (o: Options) => setPassword(safeGenerate(o));
  useEffect(() => regenerate(options), [options]);
  const set = (change: Partial<Options>) => setOptions({ ...options, ...change });

  return (
    <div class="generator">
      <div class="field">
        <label for={outputId}>Generated password</label>
        <div class="input-row">
          <output id={outputId} class="generated mono" aria-live="polite">
            {password || 'Choose at least one kind of character.'}
          </output>
          <button type="button" class="secondary" onClick={() => regenerate(options)}>
            New
          </button>
          {password ? <CopyButton value={password} what="generated password" secret /> : null}
        </div>
      </div>
      <div class="field">
        <label for={lengthId}>Length: {options.length}</label>
        <input
          id={lengthId}
          type="range"
          min={GENERATOR_LENGTH.min}
          max={GENERATOR_LENGTH.max}
          value={options.length}
          onInput={(e) => set({ length: Number(e.currentTarget.value) })}
        />
      </div>
      <fieldset class="inline">
        <legend>Characters</legend>
        <Checkbox label="a–z" checked={options.lowercase} onChange={(v) => set({ lowercase: v })} />
        <Checkbox label="A–Z" checked={options.uppercase} onChange={(v) => set({ uppercase: v })} />
        <Checkbox label="0–9" checked={options.digits} onChange={(v) => set({ digits: v })} />
        <Checkbox label="Symbols" checked={options.symbols} onChange={(v) => set({ symbols: v })} />
        <Checkbox label="Avoid look-alikes (0 O 1 l I)" checked={options.avoidAmbiguous} onChange={(v) => set({ avoidAmbiguous: v })} />
      </fieldset>
      {onUse ? (
        <button type="button" class="primary" disabled={!password} onClick={() => onUse(password)}>
          Use this password
        </button>
      ) : null}
    </div>
  );
}
