import type { SecondFactorAnswer } from '@watchword/client';
import type { MfaChallengeResponse } from '@watchword/protocol';
import { useRef, useState } from 'preact/hooks';
import { ErrorMessage, Notice, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { PasswordField, TextField } from '../components/fields.tsx';
import { useAction } from '../lib/action.ts';
import { describeError } from '../lib/errors.ts';
import { describeUserAgent } from '../lib/format.ts';
import { navigate, route } from '../lib/router.ts';
import { getAssertion, webauthnSupported } from '@watchword/ui';
import { client, loggedIn, signInWithPasskey } from '../lib/session.ts';

/** What the SDK's second-factor prompt is waiting for: the page answers it from a form. */
interface Pending {
  challenge: MfaChallengeResponse;
  attempt: number;
  answer(value: SecondFactorAnswer): void;
  cancel(): void;
}

class Cancelled extends Error {
  override name = 'Cancelled';
}

export function LoginPage({ notice }: { notice?: string | undefined }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const action = useAction({ signedIn: false });
  const attempts = useRef(0);

  const submit = (e: Event) => {
    e.preventDefault();
    attempts.current = 0;
    void action.run(async () => {
      try {
        const vault = await client.login({
          email,
          password,
          deviceName: `Web vault (${describeUserAgent(navigator.userAgent)})`,
          secondFactorRetry: true,
          // The SDK asks this when the account has a second factor; a wrong code asks again (same login).
          secondFactor: (challenge) =>
            new Promise<SecondFactorAnswer>((resolve, reject) => {
              setPending({ challenge, attempt: attempts.current++, answer: resolve, cancel: () => reject(new Cancelled()) });
            }),
        });
        setPassword('');
        await loggedIn(vault, { password });
        const top = route.get().parts[0];
        if (top === undefined || top === 'login' || top === 'register') navigate('/vault', { replace: true });
      } catch (error) {
        if (error instanceof Cancelled) return;
        throw error;
      } finally {
        setPending(null);
      }
    });
  };

  if (pending) return <SecondFactor key={pending.attempt} pending={pending} />;

  return (
    <section class="page narrow">
      <PageTitle title="Log in">Log in to your vault</PageTitle>
      {notice ? <Notice>{notice}</Notice> : null}
      <form onSubmit={submit} aria-describedby="login-note">
        <TextField label="E-mail address" type="email" value={email} onInput={setEmail} autoComplete="username" required autoFocus />
        <PasswordField label="Master password" value={password} onInput={setPassword} autoComplete="current-password" required />
        <ErrorMessage message={action.error} />
        <SubmitButton busy={action.busy} busyText="Unlocking…">
          Log in
        </SubmitButton>
      </form>
      {webauthnSupported() ? (
        <button
          type="button"
          class="secondary"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              await signInWithPasskey();
              const top = route.get().parts[0];
              if (top === undefined || top === 'login' || top === 'register') navigate('/vault', { replace: true });
            })
          }
        >
          Sign in with a passkey
        </button>
      ) : null}
      <p id="login-note" class="hint">
        Your master password never leaves this page: the server cannot see it, and your vault is decrypted here.
      </p>
      <p>
        <a href="#/register">Create an account</a> · <a href="#/recover">Forgot your master password?</a>
      </p>
    </section>
  );
}

/** The second step of a login: an authenticator code, a backup code or a security key — whatever the account has. */
function SecondFactor({ pending }: { pending: Pending }) {
  const methods = pending.challenge.methods;
  const [method, setMethod] = useState<'totp' | 'backup_code'>(methods.includes('totp') ? 'totp' : 'backup_code');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [keyError, setKeyError] = useState<string | null>(null);
  const canUseKey = methods.includes('webauthn') && pending.challenge.webauthn !== undefined && webauthnSupported();

  const submitCode = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const value = method === 'totp' ? code.replace(/\s+/g, '') : code.trim();
    pending.answer({ method, code: value });
  };

  const useKey = async () => {
    const options = pending.challenge.webauthn;
    if (!options) return;
    setKeyError(null);
    setBusy(true);
    try {
      pending.answer({ method: 'webauthn', response: await getAssertion(options) });
    } catch (error) {
      setBusy(false);
      setKeyError(describeError(error));
    }
  };

  return (
    <section class="page narrow">
      <PageTitle title="Second factor">Confirm it is you</PageTitle>
      {pending.attempt > 0 ? (
        <p class="error" role="alert">
          That was not accepted. Try again{methods.length > 1 ? ', or use another method' : ''}.
        </p>
      ) : null}
      {canUseKey ? (
        <div class="card">
          <h2>Security key or passkey</h2>
          <p>Use the security key or passkey you added to this account.</p>
          <button type="button" class="primary" disabled={busy} onClick={() => void useKey()}>
            Use security key
          </button>
          <ErrorMessage message={keyError} />
        </div>
      ) : null}
      {methods.includes('totp') || methods.includes('backup_code') ? (
        <form class="card" onSubmit={submitCode}>
          <h2>{method === 'totp' ? 'Authenticator app' : 'Backup code'}</h2>
          {method === 'totp' ? (
            // Keyed: Preact would otherwise reuse one <input> for both, carrying attributes across.
            <TextField key="totp" label="6-digit code from your authenticator app" value={code} onInput={setCode} autoComplete="one-time-code" inputMode="numeric" maxLength={7} required autoFocus mono />
          ) : (
            <TextField key="backup" label="Backup code" value={code} onInput={setCode} autoComplete="off" maxLength={32} required autoFocus mono hint="One of the codes you saved when you turned on the second factor. Each works once." />
          )}
          <SubmitButton busy={busy} busyText="Checking…">
            Continue
          </SubmitButton>
          {methods.includes('totp') && methods.includes('backup_code') ? (
            <button
              type="button"
              class="link"
              onClick={() => {
                setCode('');
                setMethod(method === 'totp' ? 'backup_code' : 'totp');
              }}
            >
              {method === 'totp' ? 'Use a backup code instead' : 'Use the authenticator app instead'}
            </button>
          ) : null}
        </form>
      ) : null}
      <button type="button" class="secondary" onClick={() => pending.cancel()}>
        Cancel
      </button>
    </section>
  );
}
