import type { SecurityActivityResponse } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../../components/feedback.tsx';
import { useAction } from '../../lib/action.ts';
import { describeUserAgent, formatTime } from '../../lib/format.ts';
import { client, currentVault } from '../../lib/session.ts';
import { TableHead } from '../../components/table.tsx';

/** Names for the audit actions an account sees about itself (unknown ones are shown as they are). */
const ACTIONS: Record<string, string> = {
  'account.register': 'Account created',
  'account.email_verified': 'E-mail address confirmed',
  'account.password_changed': 'Master password changed',
  'account.deleted': 'Account deleted',
  'account.exported': 'Vault exported',
  'auth.login': 'Log in',
  'auth.mfa': 'Second factor at login',
  'auth.reauth': 'Master password confirmed',
  'mfa.totp_enabled': 'Authenticator app turned on',
  'mfa.totp_disabled': 'Authenticator app turned off',
  'mfa.webauthn_added': 'Security key added',
  'mfa.webauthn_removed': 'Security key removed',
  'mfa.backup_codes_generated': 'New backup codes',
  'mfa.backup_code_used': 'Backup code used',
  'recovery.requested': 'Recovery mail requested',
  'recovery.completed': 'Recovered with the recovery key',
  'recovery.vault_reset': 'Vault reset',
};

export function ActivitySection() {
  const [events, setEvents] = useState<SecurityActivityResponse['events'] | null>(null);
  const action = useAction();
  useEffect(() => {
    void action.run(async () => setEvents(await client.security(currentVault().session).activity()));
  }, []);
  return (
    <>
      <p>Recent security events of your account. Something you do not recognise? Change your master password and end the other sessions.</p>
      <ErrorMessage message={action.error} />
      {events === null ? (
        <p>Loading…</p>
      ) : events.length === 0 ? (
        <p>No events.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <TableHead caption="Security activity" columns={['When', 'Event', 'Outcome', 'IP address', 'Client']} />
            <tbody>
              {events.map((e, i) => (
                <tr key={`${e.at}-${i}`} class={e.outcome === 'success' ? undefined : 'failed'}>
                  <td>{formatTime(e.at)}</td>
                  <td>{ACTIONS[e.action] ?? e.action}</td>
                  <td>{e.outcome}</td>
                  <td>{e.ip}</td>
                  <td>{describeUserAgent(e.userAgent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
