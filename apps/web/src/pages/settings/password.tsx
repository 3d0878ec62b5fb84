import { useState } from 'preact/hooks';
import { ErrorMessage, Notice, SubmitButton } from '../../components/feedback.tsx';
import { PasswordField } from '../../components/fields.tsx';
import { StrengthMeter } from '../../components/strength-meter.tsx';
import { useAction } from '../../lib/action.ts';
import { UserError } from '../../lib/errors.ts';
import { client, currentVault } from '../../lib/session.ts';

/** A new master password: the account key is re-wrapped here; no item is re-encrypted; other sessions end. */
export function PasswordSection() {
  const vault = currentVault();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState<number | null>(null);
  const action = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (next !== repeat) throw new UserError('The two new passwords are not the same.');
      if (next === current) throw new UserError('The new master password is the same as the current one.');
      const { revokedSessions } = await client.changePassword(vault, { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(revokedSessions);
    });
  };

  return (
    <form onSubmit={submit}>
      <p>Your items stay as they are. Every other device is logged out; your recovery key keeps working.</p>
      {done !== null ? (
        <Notice kind="success">Master password changed. {done === 0 ? 'No other session was open.' : `${done} other session(s) ended.`}</Notice>
      ) : null}
      <PasswordField label="Current master password" value={current} onInput={setCurrent} autoComplete="current-password" required />
      <PasswordField label="New master password" value={next} onInput={setNext} autoComplete="new-password" required describedBy="change-strength" maxLength={1024} />
      <StrengthMeter id="change-strength" password={next} email={vault.account.email} />
      <PasswordField label="Repeat new master password" value={repeat} onInput={setRepeat} autoComplete="new-password" required maxLength={1024} />
      <ErrorMessage message={action.error} />
      <SubmitButton busy={action.busy} busyText="Changing…">
        Change master password
      </SubmitButton>
    </form>
  );
}
