import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchLike, WatchwordClient } from '@watchword/client';
import { createDpopProof } from '@watchword/protocol';
import { SERVER_BUNDLE, ensureServerBuild } from '../../../../scripts/ensure-server-build.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { dialectsUnderTest, type ServerProcess, SOURCE_ENTRY, stateKindsUnderTest } from '@watchword/testkit';

const PUBLIC = 'http://watchword.cluster';
const enabled = dialectsUnderTest().includes('postgres') && stateKindsUnderTest().includes('redis');

/**
 * Design brief §2: with REDIS_URL set, N stateless instances behave as one. Three real server processes share one
 * PostgreSQL database and one Redis; the clients talk to PUBLIC_URL through a round-robin "load balancer".
 * Instance 0 runs the sources and instances 1 and 2 the bundle `npm start` runs, so every flow below also crosses
 * between the two builds, on PostgreSQL and Redis.
 */
describe.runIf(enabled)('three instances on one PostgreSQL and one Redis behave as one', () => {
  let cluster: Cluster;
  let instances: ServerProcess[] = [];
  let next = 0;
  const served: string[] = [];

  /** Sends each request to the next instance in turn, as a load balancer would. */
  const roundRobin: FetchLike = async (input, init) => {
    const index = next++ % instances.length;
    const target = instances[index] as ServerProcess;
    const url = new URL(input);
    served.push(`${index}:${init.method ?? 'GET'} ${url.pathname}`);
    return fetch(`${target.url}${url.pathname}${url.search}`, init);
  };
  /** Sends a request to one chosen instance. */
  const to = (index: number, path: string, init: RequestInit = {}) => fetch(`${(instances[index] as ServerProcess).url}${path}`, init);

  beforeAll(async () => {
    await ensureServerBuild();
    cluster = await startCluster(3, {
      PUBLIC_URL: PUBLIC,
      ALLOWED_KDF_VERSIONS: '0,1',
      REFRESH_REUSE_GRACE: '1',
      // 21 concurrent refreshes from one address below: above the default auth volume limit of 20/min/IP.
      RATE_LIMIT_AUTH_PER_MINUTE: '1000',
    }, [SOURCE_ENTRY, SERVER_BUNDLE, SERVER_BUNDLE]);
    instances = cluster.instances;
  });

  afterAll(async () => cluster?.stop());

  const client = () => new WatchwordClient({ passwordPolicy: false,  serverUrl: PUBLIC, fetch: roundRobin, kdfVersion: 0 });

  it('a login started on one instance finishes on another, and the vault works across all three', async () => {
    await client().register({ email: 'ann@example.com', password: 'anns long passphrase' });
    served.length = 0;
    const vault = await client().login({ email: 'ann@example.com', password: 'anns long passphrase' });
    const start = served.find((s) => s.endsWith('/login/start'));
    const finish = served.find((s) => s.endsWith('/login/finish'));
    expect(start?.split(':')[0]).not.toBe(finish?.split(':')[0]);
    for (let i = 0; i < 6; i++) await vault.add({ type: 'note', name: `note ${i}`, fields: [] });
    expect((await vault.list()).map((i) => i.content.name)).toHaveLength(6);
    expect(new Set(served.map((s) => s.split(':')[0])).size).toBe(3);
  });

  it('a logout on one instance is honoured by the others at once', async () => {
    const vault = await new WatchwordClient({ passwordPolicy: false,  serverUrl: PUBLIC, fetch: roundRobin, dpop: false }).login({ email: 'ann@example.com', password: 'anns long passphrase' });
    const headers = { authorization: `Bearer ${vault.session.tokens.accessToken}` };
    for (const i of [0, 1, 2]) expect((await to(i, '/api/v1/account', { headers })).status).toBe(200);
    const out = await to(2, '/api/v1/auth/logout', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    expect(out.status).toBe(200);
    for (const i of [0, 1]) expect((await to(i, '/api/v1/account', { headers })).status).toBe(401);
  });

  it('a DPoP proof used on one instance is rejected when replayed to another', async () => {
    const vault = await client().login({ email: 'ann@example.com', password: 'anns long passphrase' });
    const token = vault.session.tokens.accessToken;
    const proof = await createDpopProof(vault.session.dpopKey as CryptoKeyPair, { htm: 'GET', htu: `${PUBLIC}/api/v1/account`, accessToken: token });
    const headers = { authorization: `DPoP ${token}`, dpop: proof };
    expect((await to(0, '/api/v1/account', { headers })).status).toBe(200);
    const replay = await to(1, '/api/v1/account', { headers });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('INVALID_DPOP_PROOF');
  });

  it('21 concurrent refreshes spread over the instances mint exactly one successor; reuse later ends the family everywhere', async () => {
    const vault = await new WatchwordClient({ passwordPolicy: false,  serverUrl: PUBLIC, fetch: roundRobin, dpop: false }).login({ email: 'ann@example.com', password: 'anns long passphrase' });
    const { refreshToken } = vault.session.tokens;
    const answers = await Promise.all(
      Array.from({ length: 21 }, (_, n) =>
        to(n % 3, '/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) }),
      ),
    );
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as { refreshToken?: string; accessToken?: string }[];
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(bodies.map((b) => b.refreshToken)).size).toBe(1);
    await new Promise((r) => setTimeout(r, 1_100)); // past REFRESH_REUSE_GRACE=1
    const reuse = await to(0, '/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    expect(reuse.status).toBe(401);
    for (const i of [0, 1, 2]) {
      const r = await to(i, '/api/v1/account', { headers: { authorization: `Bearer ${bodies[0]?.accessToken}` } });
      expect(r.status, `instance ${i}`).toBe(401);
    }
  });
});
