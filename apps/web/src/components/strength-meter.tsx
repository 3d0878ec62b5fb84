import { type PasswordCheck, MIN_PASSWORD_LENGTH, checkPassword } from '@watchword/client';
import { useEffect, useState } from 'preact/hooks';

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

/**
 * Live strength of a new master password: the SDK's own policy check (zxcvbn-ts, the same that registration
 * enforces), debounced. The dictionaries load on first use. Only fixed texts are shown — never the password.
 */
export function StrengthMeter({ password, email, id }: { password: string; email?: string; id: string }) {
  const [check, setCheck] = useState<PasswordCheck | null>(null);
  useEffect(() => {
    if (password === '') {
      setCheck(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      checkPassword(password, email ? { email } : {}).then(
        (result) => current && setCheck(result),
        () => current && setCheck(null),
      );
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [password, email]);

  const score = check?.score ?? 0;
  return (
    <div class="strength" id={id}>
      <div class="strength-row">
        <label for={`${id}-meter`}>Strength</label>
        <meter id={`${id}-meter`} min={0} max={4} low={2} high={3} optimum={4} value={password === '' ? 0 : score} />
        <span class={`strength-label score-${score}`} aria-live="polite">
          {password === '' ? `At least ${MIN_PASSWORD_LENGTH} characters` : check ? LABELS[score] : 'Checking…'}
        </span>
      </div>
      {check && !check.ok ? (
        <ul class="hint">
          {check.problems.includes('too_short') ? <li>Use at least {MIN_PASSWORD_LENGTH} characters.</li> : null}
          {check.problems.includes('too_weak') ? <li>Too easy to guess: add another word or two; uncommon words are better.</li> : null}
          {check.warning ? <li>{check.warning}</li> : null}
          {check.suggestions.slice(0, 2).map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
