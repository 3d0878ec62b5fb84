import { normaliseEmail } from '@watchword/protocol';
import { useState } from 'preact/hooks';
import { ErrorMessage, SubmitButton } from '../../components/feedback.tsx';
import { Checkbox, PasswordField, TextField } from '../../components/fields.tsx';
import { useAction } from '../../lib/action.ts';
import { UserError } from '../../lib/errors.ts';
import { client, currentVault, forgetSession } from '../../lib/session.ts';

/** `ww account delete`: the master password, the address typed again, and an explicit tick. */
export function DeleteAccountSection() {
  const vault = currentVault();
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [sure, setSure] = useState(false);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (normaliseEmail(email) !== normaliseEmail(vault.account.email)) throw new UserError('The address does not match: nothing was deleted.');
      if (!sure) throw new UserError('Tick the box to confirm.');
      await client.security(vault.session).deleteAccount(password, normaliseEmail(email));
      forgetSession('Your account and every item in it were deleted.');
    });
  };
  return (
    <form onSubmit={submit} class="danger-zone">
      <p>
        This deletes the account <strong>{vault.account.email}</strong> with every item in it, for good. It cannot be undone.
      </p>
      <PasswordField label="Master password" value={password} onInput={setPassword} autoComplete="current-password" required />
      <TextField label="Type your e-mail address to confirm" type="email" value={email} onInput={setEmail} required />
      <Checkbox label="I understand that my vault will be deleted for good" checked={sure} onChange={setSure} />
      <ErrorMessage message={action.error} />
      <SubmitButton busy={action.busy} kind="danger">
        Delete my account
      </SubmitButton>
    </form>
  );
}
