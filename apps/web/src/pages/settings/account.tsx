import { useState } from 'preact/hooks';
import { ErrorMessage, Notice } from '../../components/feedback.tsx';
import { Select } from '../../components/fields.tsx';
import { useAction } from '../../lib/action.ts';
import { AUTO_LOCK_CHOICES, settings, updateSettings } from '../../lib/settings.ts';
import { client, currentVault, logout } from '../../lib/session.ts';
import { useStore } from '../../lib/store.ts';

export function AccountSection() {
  const vault = currentVault();
  const prefs = useStore(settings);
  const [sent, setSent] = useState(false);
  const resend = useAction();
  const everywhere = useAction();

  return (
    <>
      <h2>E-mail address</h2>
      <p>
        <strong>{vault.account.email}</strong> — {vault.account.emailVerified ? 'confirmed' : 'not confirmed yet'}
      </p>
      {!vault.account.emailVerified ? (
        sent ? (
          <Notice kind="success">A new confirmation link is on its way (earlier links no longer work).</Notice>
        ) : (
          <>
            <button
              type="button"
              class="secondary"
              disabled={resend.busy}
              onClick={() =>
                void resend.run(async () => {
                  await client.security(vault.session).resendVerification();
                  setSent(true);
                })
              }
            >
              Send the confirmation mail again
            </button>
            <ErrorMessage message={resend.error} />
          </>
        )
      ) : null}

      <h2>Automatic lock</h2>
      <Select
        label="Lock the vault after this long without activity"
        value={String(prefs.autoLockMinutes)}
        options={AUTO_LOCK_CHOICES.map((m) => [String(m), m === 1 ? '1 minute' : m < 60 ? `${m} minutes` : `${m / 60} hour${m > 60 ? 's' : ''}`] as const)}
        onChange={(v) => updateSettings({ autoLockMinutes: Number(v) })}
        hint="Locking forgets the keys in this page; unlocking asks for the master password again. Kept in this browser (it is not a secret)."
      />

      <h2>Sessions</h2>
      <p>
        This browser keeps its session, locked, across reloads and tabs (see <a href="#/settings/device">This device</a>).
      </p>
      <button type="button" class="secondary" disabled={everywhere.busy} onClick={() => void everywhere.run(() => logout({ everywhere: true }))}>
        Log out on every device
      </button>
    </>
  );
}
