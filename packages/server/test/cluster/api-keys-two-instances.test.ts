import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchLike, WatchwordClient, apiKeyAccessToken } from '@watchword/client';
import { dialectsUnderTest, findSecrets, type ServerProcess, stateKindsUnderTest } from '@watchword/testkit';
import { type Cluster, startCluster } from '../support/cluster.ts';

const PUBLIC = 'http://watchword.cluster';
const enabled = dialectsUnderTest().includes('postgres') && stateKindsUnderTest().includes('redis');

/**
 * API keys across instances (issue 26, "revoke takes effect at once on every instance"): two real server processes
 * on one PostgreSQL database and one Redis. A key made on one instance is exchanged for a token on the other; the
 * token works on both; revoked through one, it is refused by the other on the very next request, and the key gets
 * no new token anywhere. No instance's log holds the key's secret or a token.
 */
describe.runIf(enabled)('API keys on two instances sharing PostgreSQL and Redis', () => {
  let cluster: Cluster;
  let instances: ServerProcess[] = [];
  /** Sends every request to one instance, whatever PUBLIC_URL the SDK was given. */
  const via =
    (index: number): FetchLike =>
    (input, init) => {
      const url = new URL(input);
      return fetch(`${(instances[index] as ServerProcess).url}${url.pathname}${url.search}`, init);
    };
  const items = (index: number, token: string, method: 'GET' | 'DELETE' = 'GET', path = '/api/v1/items') =>
    fetch(`${(instances[index] as ServerProcess).url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    cluster = await startCluster(2, { PUBLIC_URL: PUBLIC, ALLOWED_KDF_VERSIONS: '0,1' });
    instances = cluster.instances;
  });
  afterAll(async () => cluster?.stop());

  it('a token from one instance works on both; a revoke on one is refused by the other at once', async () => {
    const on0 = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: via(0), kdfVersion: 0, dpop: false });
    await on0.register({ email: 'ops@example.com', password: 'ops long passphrase here' });
    const vault = await on0.login({ email: 'ops@example.com', password: 'ops long passphrase here' });
    const item = await vault.add({ type: 'note', name: 'runbook', fields: [] });
    const keys = on0.oauth(vault.session);
    const full = await keys.createApiKey({ name: 'deploys' });
    const readOnly = await keys.createApiKey({ name: 'backups', readOnly: true });

    // Exchanged at instance 1, used at both.
    const token = (await apiKeyAccessToken(PUBLIC, { clientId: full.key.clientId, secret: full.clientSecret }, via(1))).accessToken;
    const roToken = (await apiKeyAccessToken(PUBLIC, { clientId: readOnly.key.clientId, secret: readOnly.clientSecret }, via(0))).accessToken;
    for (const index of [0, 1]) {
      expect((await items(index, token)).status).toBe(200);
      expect((await items(index, roToken)).status).toBe(200);
    }
    const refused = await items(1, roToken, 'DELETE', `/api/v1/items/${item.id}`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('API_KEY_READ_ONLY');

    // Revoked through instance 0: instance 1 refuses the token on the next request, and issues no new one.
    await keys.revokeApiKey(full.key.clientId);
    const after = await items(1, token);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
    expect((await items(0, token)).status).toBe(401);
    for (const index of [0, 1]) {
      await expect(apiKeyAccessToken(PUBLIC, { clientId: full.key.clientId, secret: full.clientSecret }, via(index))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    // The other key is untouched.
    expect((await items(1, roToken)).status).toBe(200);

    const secrets = { 'full key secret': full.clientSecret, 'read-only key secret': readOnly.clientSecret, 'full key token': token, 'read-only key token': roToken };
    for (const instance of instances) expect(findSecrets(instance.output(), secrets)).toEqual([]);
  });
});
