import type { SessionInfo } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../../components/feedback.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { describeUserAgent, formatTime } from '../../lib/format.ts';
import { currentVault, logout } from '../../lib/session.ts';
import { TableHead } from '../../components/table.tsx';

/** How each session's login was proven, as the devices table says it. */
const SECOND_FACTOR: Record<NonNullable<SessionInfo['secondFactor']> | 'none', string> = {
  totp: 'Authenticator code',
  backup_code: 'Backup code',
  webauthn: 'Security key',
  none: 'None (password only)',
};

/** The devices logged in to this account (`ww sessions`), each with a button that ends it at once. */
export function SessionsSection() {
  const session = currentVault().session;
  const [list, setList] = useState<SessionInfo[] | null>(null);
  const action = useAction();
  const reload = () => void action.run(async () => setList(await session.listSessions()));
  useEffect(reload, []);

  const revoke = (s: SessionInfo) =>
    void action.run(async () => {
      await session.revokeSession(s.id);
      announce(`Session “${s.deviceName}” ended.`);
      setList(await session.listSessions());
    });

  return (
    <>
      <ErrorMessage message={action.error} />
      {list === null ? (
        <p>Loading…</p>
      ) : (
        <div class="table-scroll">
          <table>
            <TableHead caption="Devices logged in" columns={['Device', 'Client', 'IP address', 'Last used', 'Logged in', 'Second factor']} actions />
            <tbody>
              {list.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.deviceName || 'Unnamed device'}
                    {s.current ? <strong class="badge"> this device</strong> : null}
                  </td>
                  <td>{describeUserAgent(s.userAgent)}</td>
                  <td>{s.ip}</td>
                  <td>{formatTime(s.lastUsedAt)}</td>
                  <td>{formatTime(s.createdAt)}</td>
                  <td>{SECOND_FACTOR[s.secondFactor ?? 'none']}</td>
                  <td>
                    {s.current ? (
                      <button type="button" class="secondary" onClick={() => void logout()}>
                        Log out
                      </button>
                    ) : (
                      <button type="button" class="secondary" disabled={action.busy} onClick={() => revoke(s)}>
                        End session<span class="visually-hidden"> {s.deviceName}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" class="secondary" onClick={() => void logout({ everywhere: true })}>
        Log out on every device
      </button>
    </>
  );
}
