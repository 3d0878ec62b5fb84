import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorMessage, Notice, PageTitle } from '../components/feedback.tsx';
import { useAction } from '../lib/action.ts';
import { navigate, useRoute } from '../lib/router.ts';
import { auth, client } from '../lib/session.ts';
import { useStore } from '../lib/store.ts';

const TOKEN_RE = /^[A-Za-z0-9_-]{43,64}$/;

/** `#/verify-email?token=…` from the confirmation mail: confirms the address (works logged in or not). */
export function VerifyEmailPage() {
  const route = useRoute();
  const state = useStore(auth);
  const [done, setDone] = useState(false);
  const action = useAction({ signedIn: false });
  const sawToken = useRef(false);

  // Runs for the link that opened the page and for any link opened while it shows.
  useEffect(() => {
    const token = route.query.get('token');
    if (token === null) {
      if (!sawToken.current) action.setError('This link is incomplete. Open the link from the mail again, or ask for a new one in Settings.');
      return;
    }
    sawToken.current = true;
    // The token leaves the address bar (and the history entry) at once.
    navigate('/verify-email', { replace: true });
    setDone(false);
    if (!TOKEN_RE.test(token)) {
      action.setError('This link is incomplete. Open the link from the mail again, or ask for a new one in Settings.');
      return;
    }
    void action.run(async () => {
      await client.verifyEmail(token);
      setDone(true);
    });
  }, [route]);

  return (
    <section class="page narrow">
      <PageTitle title="Confirm e-mail address">Confirm your e-mail address</PageTitle>
      {action.busy ? <p>Confirming…</p> : null}
      {done ? <Notice kind="success">Your e-mail address is confirmed.</Notice> : null}
      <ErrorMessage message={action.error} />
      <p>
        <a href={state.phase === 'anonymous' ? '#/login' : '#/vault'}>{state.phase === 'anonymous' ? 'Go to the login page' : 'Back to the vault'}</a>
      </p>
    </section>
  );
}
