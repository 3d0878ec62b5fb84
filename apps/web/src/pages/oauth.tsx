import type { OAuthInteraction } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, PageTitle } from '../components/feedback.tsx';
import { useAction } from '../lib/action.ts';
import { client, currentVault } from '../lib/session.ts';

/** What each scope lets the application see, as the consent screen says it (never anything from the vault). */
const SCOPE_TEXT: Record<string, string> = {
  openid: 'Who you are: a stable account identifier (not your e-mail address)',
  email: 'Your e-mail address and whether it is verified',
  profile: 'Your name as Watchword knows it (your e-mail address)',
  offline_access: 'Stay signed in when you are not using it',
};

/**
 * "Sign in with Watchword" (`#/oauth/<uid>`): the provider sends the browser here. The Watchword login (master
 * password, second factor, passkey) happened on the login page before this renders; this page tells the provider
 * who signed in, then shows the consent screen: the application, what it asks for, and where it sends you back.
 * The decision answers with the provider's URL, which the page opens.
 */
export function OAuthPage({ uid }: { uid: string }) {
  const [details, setDetails] = useState<OAuthInteraction | null>(null);
  const action = useAction();
  const interaction = client.oauthInteraction(uid);
  const go = (url: string) => location.assign(url);

  useEffect(() => {
    void action.run(async () => {
      const found = await interaction.details();
      // Signing in needs no question (the account is the one signed in to this web vault); an application the account
      // already consented to gets it at once, any other shows the consent screen.
      const next = found.prompt === 'login' ? await interaction.signIn(currentVault().session) : null;
      if (next !== null) go(next);
      else setDetails(found);
    });
  }, [uid]);

  const allow = () => void action.run(async () => go(await interaction.consent(currentVault().session)));
  const deny = () => void action.run(async () => go(await interaction.abort()));

  return (
    <section class="page">
      <PageTitle title="Sign in with Watchword">Sign in with Watchword</PageTitle>
      <ErrorMessage message={action.error} />
      {details === null ? (
        <p>{action.error ? 'Start again from the application.' : 'Signing you in…'}</p>
      ) : (
        <>
          <p>
            <strong>{details.client.name}</strong> wants to sign you in with your Watchword account.
          </p>
          <p>It will be able to see:</p>
          <ul>
            {details.scopes.map((s) => (
              <li key={s}>{SCOPE_TEXT[s] ?? s}</li>
            ))}
          </ul>
          <p>
            Nothing in your vault is ever shared. You will be sent back to <code>{details.redirectUri}</code>. You can
            disconnect the application at any time in <a href="#/settings/apps">Settings → Connected apps</a>.
          </p>
          <div class="actions">
            <button type="button" class="primary" onClick={allow} disabled={action.busy}>
              Allow
            </button>
            <button type="button" onClick={deny} disabled={action.busy}>
              Deny
            </button>
          </div>
        </>
      )}
    </section>
  );
}
