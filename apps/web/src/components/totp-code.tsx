import { type ParsedTotpSecret, parseTotpSecret, totp } from '@watchword/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { groupDigits } from '@watchword/ui';
import { CopyButton } from './copy-button.tsx';

/** The item's current one-time code (RFC 6238, computed in the page) with the seconds it stays valid. */
export function TotpCode({ secret }: { secret: string }) {
  const parsed = useMemo<ParsedTotpSecret | null>(() => {
    try {
      return parseTotpSecret(secret);
    } catch {
      return null;
    }
  }, [secret]);
  const [state, setState] = useState<{ code: string; remaining: number } | null>(null);

  useEffect(() => {
    if (!parsed) return;
    let alive = true;
    const tick = async () => {
      const now = Date.now();
      const period = parsed.params.period;
      const code = await totp(parsed.secret, now, parsed.params);
      if (alive) setState({ code, remaining: period - (Math.floor(now / 1000) % period) });
    };
    void tick();
    const timer = setInterval(() => void tick(), 1000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [parsed]);

  if (!parsed) return <span class="error-text">The stored authenticator key is not valid.</span>;
  if (!state) return <span>…</span>;
  return (
    <span class="value-row totp">
      <span class="value mono totp-code" data-testid="totp-code">
        {groupDigits(state.code)}
      </span>
      <span class="totp-timer">
        <progress max={parsed.params.period} value={state.remaining} aria-label="Time left for this code" />
        <span class="seconds" aria-hidden="true">
          {state.remaining} s
        </span>
      </span>
      <span class="actions">
        <CopyButton value={state.code} what="one-time code" secret />
      </span>
    </span>
  );
}
