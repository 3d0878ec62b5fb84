import { useState } from 'preact/hooks';
import { ErrorMessage, Notice, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { PasswordField } from '../components/fields.tsx';
import { useAction } from '../lib/action.ts';
import { logout, unlock } from '../lib/session.ts';

/** The locked vault: the session is still live, the keys are gone; the master password brings them back. */
export function UnlockPage({ email, idle }: { email: string; idle: boolean }) {
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      try {
        await unlock(password);
      } finally {
        setPassword('');
      }
    });
  };

  return (
    <section class="page narrow">
      <PageTitle title="Locked">Your vault is locked</PageTitle>
      {idle ? <Notice>It was locked after a period without activity.</Notice> : null}
      <form onSubmit={submit}>
        <p>
          Logged in as <strong>{email}</strong>.
        </p>
        <PasswordField label="Master password" value={password} onInput={setPassword} autoComplete="current-password" required autoFocus />
        <ErrorMessage message={action.error} />
        <SubmitButton busy={action.busy} busyText="Unlocking…">
          Unlock
        </SubmitButton>
      </form>
      <button type="button" class="secondary" onClick={() => void logout()}>
        Log out
      </button>
    </section>
  );
}
