import type { ApiKeyView, ConnectedApp } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../../components/feedback.tsx';
import { TableHead } from '../../components/table.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { formatTime } from '../../lib/format.ts';
import { client, currentVault } from '../../lib/session.ts';

/**
 * Applications this account signed in to with Watchword (remembered consent), each disconnectable — which revokes
 * every token the application holds — and the account's API keys (created with `ww apikey create`), revocable.
 */
export function ConnectedAppsSection() {
  const oauth = client.oauth(currentVault().session);
  const [apps, setApps] = useState<ConnectedApp[] | null>(null);
  const [keys, setKeys] = useState<ApiKeyView[] | null>(null);
  const action = useAction();
  const reload = () =>
    void action.run(async () => {
      const [a, k] = await Promise.all([oauth.connectedApps(), oauth.apiKeys()]);
      setApps(a);
      setKeys(k);
    });
  useEffect(reload, []);

  const disconnect = (app: ConnectedApp) =>
    void action.run(async () => {
      await oauth.disconnect(app.clientId);
      announce(`${app.name} disconnected.`);
      setApps(await oauth.connectedApps());
    });
  const revoke = (key: ApiKeyView) =>
    void action.run(async () => {
      await oauth.revokeApiKey(key.clientId);
      announce(`API key “${key.name}” revoked.`);
      setKeys(await oauth.apiKeys());
    });

  return (
    <>
      <ErrorMessage message={action.error} />
      <h2>Applications</h2>
      {apps === null ? (
        <p>Loading…</p>
      ) : apps.length === 0 ? (
        <p>No application signs in with this account.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <TableHead caption="Applications with access" columns={['Application', 'Can see', 'Since']} actions />
            <tbody>
              {apps.map((a) => (
                <tr key={a.clientId}>
                  <td>{a.name}</td>
                  <td>{a.scopes.join(', ')}</td>
                  <td>{formatTime(a.grantedAt)}</td>
                  <td>
                    <button type="button" onClick={() => disconnect(a)} disabled={action.busy}>
                      Disconnect
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>API keys</h2>
      {keys === null ? (
        <p>Loading…</p>
      ) : keys.length === 0 ? (
        <p>
          No API keys. Scripts get one with <code>ww apikey create --name … [--read-only]</code> and use it with{' '}
          <code>ww login --apikey</code> (the vault still needs the master password to decrypt).
        </p>
      ) : (
        <div class="table-scroll">
          <table>
            <TableHead caption="API keys" columns={['Name', 'Access', 'Created', 'Last used']} actions />
            <tbody>
              {keys.map((k) => (
                <tr key={k.clientId}>
                  <td>{k.name}</td>
                  <td>{k.readOnly ? 'Read only' : 'Read and write'}</td>
                  <td>{formatTime(k.createdAt)}</td>
                  <td>{k.lastUsedAt === null ? 'Never' : formatTime(k.lastUsedAt)}</td>
                  <td>
                    <button type="button" onClick={() => revoke(k)} disabled={action.busy}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
