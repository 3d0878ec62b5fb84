import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOpaqueReady, opaqueClient } from '@watchword/protocol';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { dialectsUnderTest, type ServerProcess, stateKindsUnderTest } from '@watchword/testkit';

const enabled = dialectsUnderTest().includes('postgres') && stateKindsUnderTest().includes('redis');

/**
 * Issue 4: throttling holds across instances. Three real server processes on one PostgreSQL and one Redis, with
 * small thresholds (3 free attempts, a 5-minute first backoff so that real time cannot release it mid-test,
 * 10 public reads per minute): what one instance counted, the others enforce.
 */
describe.runIf(enabled)('throttling across three instances on one Redis', () => {
  let cluster: Cluster;
  let instances: ServerProcess[] = [];
  let startLoginRequest: string;

  beforeAll(async () => {
    await ensureOpaqueReady();
    startLoginRequest = opaqueClient.startLogin('a wrong guess').startLoginRequest;
    // The throttle keys are keyed hashes under SERVER_SECRET: the instances share it, as they must for OPAQUE.
    cluster = await startCluster(3, {
      PUBLIC_URL: 'http://watchword.cluster',
      LOGIN_FREE_ATTEMPTS: '3',
      LOGIN_ACCOUNT_FREE_ATTEMPTS: '3',
      LOGIN_BACKOFF_BASE: '300',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000',
      RATE_LIMIT_READ_PER_MINUTE: '10',
    });
    instances = cluster.instances;
  });

  afterAll(async () => cluster?.stop());

  const loginStart = (index: number, email: string) =>
    fetch(`${(instances[index] as ServerProcess).url}/api/v1/auth/login/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, startLoginRequest }),
    });

  it('free attempts counted on one instance are spent on all; every instance then answers 429 + Retry-After', async () => {
    const statuses = [];
    for (const i of [0, 1, 2]) statuses.push((await loginStart(i, 'ann@example.com')).status);
    expect(statuses).toEqual([200, 200, 200]);
    for (const i of [0, 1, 2]) {
      const res = await loginStart(i, 'ann@example.com');
      expect(res.status, `instance ${i}`).toBe(429);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(290);
      expect(retryAfter).toBeLessThanOrEqual(300);
    }
  });

  it('30 parallel wrong login starts spread over the instances: exactly 3 get through', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => loginStart(n % 3, 'bob@example.com')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(27);
  });

  it('the per-IP volume limit is shared: 15 public reads spread over the instances, at most 10 answered', async () => {
    const answers = await Promise.all(Array.from({ length: 15 }, (_, n) => fetch(`${(instances[n % 3] as ServerProcess).url}/.well-known/jwks.json`)));
    const ok = answers.filter((a) => a.status === 200).length;
    expect(ok).toBeLessThanOrEqual(10);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(15 - ok);
  });
});
