import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError, isSessionEnded } from './errors.ts';
import { sessionEnded } from './session.ts';

export interface Action {
  /** Runs `fn`, with `busy` set meanwhile; a failure becomes `error` (a fixed, human-readable text). */
  run(fn: () => Promise<unknown>): Promise<boolean>;
  busy: boolean;
  error: string | null;
  setError(message: string | null): void;
}

/**
 * Every button that talks to the server goes through this: one place that shows errors, keeps double submits out,
 * and — on pages behind a login — turns "the session has ended" into a clean return to the login page.
 */
export function useAction(options: { signedIn?: boolean } = {}): Action {
  const signedIn = options.signedIn ?? true;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  const running = useRef(false);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(
    async (fn: () => Promise<unknown>): Promise<boolean> => {
      if (running.current) return false;
      running.current = true;
      setBusy(true);
      setError(null);
      try {
        await fn();
        return true;
      } catch (e) {
        if (signedIn && isSessionEnded(e)) sessionEnded();
        else if (mounted.current) setError(describeError(e));
        return false;
      } finally {
        running.current = false;
        if (mounted.current) setBusy(false);
      }
    },
    [signedIn],
  );
  return { run, busy, error, setError };
}
