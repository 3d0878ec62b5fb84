import { VAULT_RESET_CONFIRMATION, checkPassword } from '@watchword/client';
import { normaliseEmail, parseRecoveryKey } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, Notice, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { Checkbox, PasswordField, TextField } from '../components/fields.tsx';
import { ShownOnce } from '../components/shown-once.tsx';
import { StrengthMeter } from '../components/strength-meter.tsx';
import { useAction } from '../lib/action.ts';
import { UserError } from '../lib/errors.ts';
import { navigate, useRoute } from '../lib/router.ts';
import { auth, client, forgetSession } from '../lib/session.ts';

const TOKEN_RE = /^[A-Za-z0-9_-]{43,64}$/;

/**
 * Forgotten master password. Without a token: ask for the recovery mail. With `#/recover?token=…` (the mailed
 * link): a new password with the recovery key (every item stays), or — without the key — start over empty.
 */
export function RecoverPage() {
  const route = useRoute();
  const [token, setToken] = useState(() => route.query.get('token') ?? '');
  // A link opened while this page is already showing arrives as a new route: take its token too. Either way the
  // token leaves the address bar (and the history entry) at once.
  useEffect(() => {
    const fresh = route.query.get('token');
    if (fresh === null) return;
    setToken(fresh);
    navigate('/recover', { replace: true });
  }, [route]);
  if (!token) return <RequestMail />;
  if (!TOKEN_RE.test(token)) {
    return (
      <section class="page narrow">
        <PageTitle title="Recover your account">Recover your account</PageTitle>
        <p class="error" role="alert">
          This link is incomplete. Open the link from the mail again, or <a href="#/recover">ask for a new mail</a>.
        </p>
      </section>
    );
  }
  return <NewPassword key={token} token={token} />;
}

function RequestMail() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const action = useAction({ signedIn: false });
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await client.requestRecovery(email);
      setSent(normaliseEmail(email));
    });
  };
  return (
    <section class="page narrow">
      <PageTitle title="Recover your account">Forgot your master password?</PageTitle>
      <p>
        You need the <strong>recovery key</strong> you saved when you created the account. We send a link to your address; with the link and the key
        you set a new master password and keep every item.
      </p>
      {sent ? (
        <Notice kind="success">If {sent} has a Watchword account, a recovery mail is on its way. The link in it works once, for 30 minutes.</Notice>
      ) : (
        <form onSubmit={submit}>
          <TextField label="E-mail address" type="email" value={email} onInput={setEmail} autoComplete="username" required autoFocus />
          <ErrorMessage message={action.error} />
          <SubmitButton busy={action.busy}>Send recovery mail</SubmitButton>
        </form>
      )}
      <p>
        <a href="#/login">Back to the login page</a>
      </p>
    </section>
  );
}

function NewPassword({ token }: { token: string }) {
  const [mode, setMode] = useState<'key' | 'reset'>('key');
  const [email, setEmail] = useState('');
  const [recoveryKey, setRecoveryKey] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [phrase, setPhrase] = useState('');
  const [understood, setUnderstood] = useState(false);
  const [newKey, setNewKey] = useState<string | null>(null);
  const action = useAction({ signedIn: false });

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (password !== repeat) throw new UserError('The two passwords are not the same.');
      if (!(await checkPassword(password, { email })).ok) throw new UserError('Choose a stronger master password (see the hints under it).');
      if (mode === 'key') {
        // Checked here first: the mailed link works once, so a typo must not use it up.
        try {
          parseRecoveryKey(recoveryKey.trim()).fill(0);
        } catch {
          throw new UserError('That is not a valid recovery key (14 groups of 4 characters — a typo?). Nothing was sent; the link still works.');
        }
        try {
          const result = await client.recover({ token, recoveryKey: recoveryKey.trim(), newPassword: password, email });
          setNewKey(result.recoveryKey);
        } catch (error) {
          if (error instanceof Error && error.name === 'DecryptionError') {
            throw new UserError('That recovery key does not belong to this account. The link is used up now: ask for a new mail.');
          }
          throw error;
        }
      } else {
        if (phrase.trim() !== VAULT_RESET_CONFIRMATION || !understood) throw new UserError(`Type "${VAULT_RESET_CONFIRMATION}" and tick the box to confirm.`);
        const result = await client.resetVault({ token, newPassword: password, email, confirm: phrase.trim() });
        setNewKey(result.recoveryKey);
      }
      setPassword('');
      setRepeat('');
      setRecoveryKey('');
    });
  };

  if (newKey) {
    return (
      <section class="page narrow">
        <PageTitle title="New recovery key">{mode === 'key' ? 'Master password changed' : 'Vault reset'}</PageTitle>
        <ShownOnce
          title="Recovery key"
          lines={[newKey]}
          explanation="This is your NEW recovery key; the old one no longer works. It is shown only this once: store it offline. Every session has ended and second factors were removed."
          fileName="watchword-recovery-key.txt"
          confirmLabel="I have saved my new recovery key somewhere safe"
          continueLabel="Continue to log in"
          onDone={() => {
            if (auth.get().phase !== 'anonymous') forgetSession('Log in with your new master password.');
            else auth.set({ phase: 'anonymous', notice: 'Log in with your new master password.' });
            navigate('/login');
          }}
        />
      </section>
    );
  }

  return (
    <section class="page narrow">
      <PageTitle title="Set a new master password">Set a new master password</PageTitle>
      <form onSubmit={submit}>
        <TextField label="E-mail address" type="email" value={email} onInput={setEmail} autoComplete="username" required autoFocus />
        {mode === 'key' ? (
          <PasswordField label="Recovery key" value={recoveryKey} onInput={setRecoveryKey} autoComplete="off" required mono hint="The key you saved when you created the account." />
        ) : (
          <div class="danger-zone">
            <p>
              <strong>Without the recovery key nobody can decrypt your items</strong> — not even the server. Resetting deletes every item for good and starts
              the account over with a new master password and recovery key. Every session ends and second factors are removed.
            </p>
            <TextField label={`Type "${VAULT_RESET_CONFIRMATION}" to confirm`} value={phrase} onInput={setPhrase} required />
            <Checkbox label="I understand that every item in my vault will be deleted" checked={understood} onChange={setUnderstood} />
          </div>
        )}
        <PasswordField label="New master password" value={password} onInput={setPassword} autoComplete="new-password" required describedBy="recover-strength" maxLength={1024} />
        <StrengthMeter id="recover-strength" password={password} email={email} />
        <PasswordField label="Repeat new master password" value={repeat} onInput={setRepeat} autoComplete="new-password" required maxLength={1024} />
        <ErrorMessage message={action.error} />
        <SubmitButton busy={action.busy} kind={mode === 'key' ? 'primary' : 'danger'}>
          {mode === 'key' ? 'Set new master password' : 'Erase my vault and start over'}
        </SubmitButton>
      </form>
      <button type="button" class="link" onClick={() => setMode(mode === 'key' ? 'reset' : 'key')}>
        {mode === 'key' ? 'I do not have my recovery key' : 'I have my recovery key after all'}
      </button>
    </section>
  );
}
