import { checkPassword } from '@watchword/client';
import { normaliseEmail } from '@watchword/protocol';
import { useState } from 'preact/hooks';
import { ErrorMessage, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { PasswordField, TextField } from '../components/fields.tsx';
import { ShownOnce } from '../components/shown-once.tsx';
import { StrengthMeter } from '../components/strength-meter.tsx';
import { useAction } from '../lib/action.ts';
import { UserError } from '../lib/errors.ts';
import { navigate } from '../lib/router.ts';
import { auth, client } from '../lib/session.ts';

export function RegisterPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [recoveryKey, setRecoveryKey] = useState<string | null>(null);
  const action = useAction({ signedIn: false });

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (password !== repeat) throw new UserError('The two passwords are not the same.');
      const check = await checkPassword(password, { email });
      if (!check.ok) throw new UserError('Choose a stronger master password (see the hints under it).');
      // OPAQUE and the key hierarchy run here; the server gets the OPAQUE record and wrapped keys only.
      const result = await client.register({ email, password });
      setPassword('');
      setRepeat('');
      setRecoveryKey(result.recoveryKey);
    });
  };

  if (recoveryKey) {
    return (
      <section class="page narrow">
        <PageTitle title="Your recovery key">Account created</PageTitle>
        <ShownOnce
          title="Recovery key"
          lines={[recoveryKey]}
          explanation="This key is the only way back into your vault if you forget your master password. It is shown only this once: store it offline (on paper, or in a safe place that is not this vault)."
          fileName="watchword-recovery-key.txt"
          confirmLabel="I have saved my recovery key somewhere safe"
          continueLabel="Continue to log in"
          onDone={() => {
            setRecoveryKey(null);
            auth.set({
              phase: 'anonymous',
              notice: `We sent a confirmation link to ${normaliseEmail(email)}. Log in with your new master password. (If this address already had an account, nothing was changed: use its existing password.)`,
            });
            navigate('/login');
          }}
        />
      </section>
    );
  }

  return (
    <section class="page narrow">
      <PageTitle title="Create an account">Create an account</PageTitle>
      <form onSubmit={submit}>
        <TextField label="E-mail address" type="email" value={email} onInput={setEmail} autoComplete="username" required autoFocus />
        <PasswordField label="Master password" value={password} onInput={setPassword} autoComplete="new-password" required describedBy="register-strength" maxLength={1024} />
        <StrengthMeter id="register-strength" password={password} email={email} />
        <PasswordField label="Repeat master password" value={repeat} onInput={setRepeat} autoComplete="new-password" required maxLength={1024} />
        <p class="hint">
          Choose a long passphrase you can remember: nobody — not even the server — can reset it for you without your recovery key.
        </p>
        <ErrorMessage message={action.error} />
        <SubmitButton busy={action.busy} busyText="Creating your keys…">
          Create account
        </SubmitButton>
      </form>
      <p>
        Already have an account? <a href="#/login">Log in</a>
      </p>
    </section>
  );
}
