import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, Notice, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { PasswordField } from '../components/fields.tsx';
import { useAction } from '../lib/action.ts';
import { hasPin } from '../lib/pin.ts';
import { loadKeptPasskeys, pruneKeptPasskeys } from '../lib/offline/passkey-record.ts';
import { listPasskeys } from '@watchword/client';
import { currentSession, logout, unlock, unlockWithPasskey, unlockWithPin } from '../lib/session.ts';
import { webauthnSupported } from '@watchword/ui';

/**
 * The locked vault: the session is still live (kept across reloads and tabs), the keys are gone. The master password
 * brings them back, or this device's PIN when one is set, or one of the account's passkeys (PRF) when it has any —
 * offline, one of those used on this device.
 */
export function UnlockPage({ userId, email, idle }: { userId: string; email: string; idle: boolean }) {
  const [secret, setSecret] = useState('');
  const [pinSet, setPinSet] = useState(false);
  const [method, setMethod] = useState<'password' | 'pin'>('password');
  const [passkeys, setPasskeys] = useState(false);
  const action = useAction();

  useEffect(() => {
    const session = currentSession();
    if (!session || !webauthnSupported()) return;
    // The account's passkeys (and this device's offline record follows the list); with the server unreachable, the
    // passkeys kept on this device for offline unlocking (offline/passkey-record.ts).
    void listPasskeys(session).then(
      (list) => {
        setPasskeys(list.length > 0);
        void pruneKeptPasskeys(userId, list).catch(() => undefined);
      },
      () => void loadKeptPasskeys(userId).then((kept) => setPasskeys(kept.length > 0), () => undefined),
    );
  }, [userId]);

  useEffect(() => {
    void hasPin(userId).then((set) => {
      setPinSet(set);
      if (set) setMethod('pin');
    }, () => undefined);
  }, [userId]);

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      try {
        if (method === 'pin') await unlockWithPin(secret);
        else await unlock(secret);
      } finally {
        setSecret('');
        // A 5th wrong PIN removes it: fall back to the master password.
        if (method === 'pin' && !(await hasPin(userId).catch(() => false))) {
          setPinSet(false);
          setMethod('password');
        }
      }
    });
  };

  const switchTo = (next: 'password' | 'pin') => {
    setSecret('');
    setMethod(next);
  };

  return (
    <section class="page narrow">
      <PageTitle title="Locked">Your vault is locked</PageTitle>
      {idle ? <Notice>It was locked after a period without activity.</Notice> : null}
      <form onSubmit={submit}>
        <p>
          Logged in as <strong>{email}</strong>.
        </p>
        {method === 'pin' ? (
          <PasswordField key="pin" label="PIN" value={secret} onInput={setSecret} autoComplete="off" maxLength={64} required autoFocus />
        ) : (
          <PasswordField key="password" label="Master password" value={secret} onInput={setSecret} autoComplete="current-password" required autoFocus />
        )}
        <ErrorMessage message={action.error} />
        <SubmitButton busy={action.busy} busyText="Unlocking…">
          Unlock
        </SubmitButton>
      </form>
      {passkeys ? (
        <button type="button" class="primary" disabled={action.busy} onClick={() => void action.run(unlockWithPasskey)}>
          Unlock with passkey
        </button>
      ) : null}
      {pinSet ? (
        <button type="button" class="link" onClick={() => switchTo(method === 'pin' ? 'password' : 'pin')}>
          {method === 'pin' ? 'Use the master password instead' : 'Use the PIN instead'}
        </button>
      ) : null}
      <button type="button" class="secondary" onClick={() => void logout()}>
        Log out
      </button>
    </section>
  );
}
