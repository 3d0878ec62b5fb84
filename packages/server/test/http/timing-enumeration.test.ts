/**
 * Security spec "Enumeration": an answer that must not reveal whether an account exists must not reveal it by its
 * timing either. For each such route, known and unknown addresses are asked in alternation (the order inside each
 * pair drawn at random) over a real socket, and the two distributions of response times are compared by their AUC
 * (the Mann–Whitney probability that a known answer is slower than an unknown one): 0.5 when timing says nothing,
 * 1 or 0 when it separates them. A rank statistic ignores how slow a loaded machine is and is barely moved by its
 * outliers; with 120 samples a side its standard error is 0.037 under no difference, so the bound of ±0.15 is
 * four of those, while a difference an attacker could use (the fixed leaks measured 0.74–1.00) is
 * far outside it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { createAccountKeys, ensureOpaqueReady, opaqueClient } from '@watchword/protocol';
import { type TestApp, backendsUnderTest, createTestApp } from '@watchword/testkit/app';

const SAMPLES = 120;
const AUC_BOUND = 0.15;
const KNOWN = 'known@example.com';
/** Every answer is held to its route's floor, which rises with the machine's load: a loaded machine takes minutes. */
const TIMEOUT = 300_000;

/** P(known > unknown) + ½ P(tie), by ranks (Mann–Whitney U / n₁n₂). */
function auc(known: number[], unknown: number[]): number {
  const all = [...known.map((v) => ({ v, k: true })), ...unknown.map((v) => ({ v, k: false }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const midRank = (i + 1 + j) / 2;
    for (let m = i; m < j; m++) if (all[m]!.k) rankSum += midRank;
    i = j;
  }
  return (rankSum - (known.length * (known.length + 1)) / 2) / (known.length * unknown.length);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Timed {
  status: number;
  body: string;
  ms: number;
}

describe.each(backendsUnderTest())('timing does not tell whether an account exists ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let agent: Agent;
  let port: number;
  /** A KE3 from another login: well formed, never the proof of the handshake it is sent to. */
  let wrongProof: string;
  /** A registration record and key material any new account may take (the server checks only that it parses). */
  let record: string;
  let material: Awaited<ReturnType<typeof createAccountKeys>>['material'];

  const post = (path: string, body: unknown): Promise<Timed> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const started = performance.now();
      const req = httpRequest(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  /** Alternates known and unknown samples (random order within each pair); returns both series. */
  async function measure(sample: (known: boolean) => Promise<number>): Promise<{ known: number[]; unknown: number[] }> {
    const known: number[] = [];
    const unknown: number[] = [];
    // Warm-up, unmeasured: first compilations and the first mail load.
    for (let i = 0; i < 10; i++) await sample(i % 2 === 0);
    for (let i = 0; i < SAMPLES; i++) {
      const order = randomBytes(1)[0]! & 1 ? [true, false] : [false, true];
      for (const k of order) (k ? known : unknown).push(await sample(k));
    }
    return { known, unknown };
  }

  function judge(route: string, { known, unknown }: { known: number[]; unknown: number[] }) {
    const a = auc(known, unknown);
    console.log(`${route} (${dialect} + ${state}): median known ${median(known).toFixed(2)} ms, unknown ${median(unknown).toFixed(2)} ms, AUC ${a.toFixed(3)}`);
    expect(Math.abs(a - 0.5), `${route}: AUC ${a.toFixed(3)}`).toBeLessThan(AUC_BOUND);
  }

  beforeAll(async () => {
    // The credential throttle stays on (its work is part of what is timed) with room for every sample.
    t = await createTestApp(dialect, { LOGIN_FREE_ATTEMPTS: '1000000', LOGIN_ACCOUNT_FREE_ATTEMPTS: '1000000', LOGIN_IP_BLOCK_FAILURES: '1000000' }, { state });
    await ensureOpaqueReady();
    await new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false }).register({ email: KNOWN, password: 'the real passphrase' });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    expect(address).toContain('127.0.0.1');
    agent = new Agent({ keepAlive: true, maxSockets: 1 });

    const login = opaqueClient.startLogin('the real passphrase');
    const started = JSON.parse((await post('/api/v1/auth/login/start', { email: KNOWN, startLoginRequest: login.startLoginRequest })).body) as { loginResponse: string; kdfVersion: number };
    const finished = opaqueClient.finishLogin({ clientLoginState: login.clientLoginState, loginResponse: started.loginResponse, password: 'the real passphrase', kdfVersion: started.kdfVersion });
    if (!finished) throw new Error('the known account could not log in');
    wrongProof = finished.finishLoginRequest;

    const reg = opaqueClient.startRegistration('another passphrase');
    const regStart = JSON.parse((await post('/api/v1/auth/register/start', { email: 'template@example.com', registrationRequest: reg.registrationRequest })).body) as { userId: string; registrationResponse: string };
    const regFinish = opaqueClient.finishRegistration({ password: 'another passphrase', registrationResponse: regStart.registrationResponse, clientRegistrationState: reg.clientRegistrationState, kdfVersion: 0 });
    record = regFinish.registrationRecord;
    material = (await createAccountKeys({ exportKey: regFinish.exportKey, userId: regStart.userId, personalVaultId: randomUUID() })).material;
  }, 120_000);

  afterAll(async () => {
    agent?.destroy();
    await t?.close();
  });

  const unknownAddress = () => `nobody-${randomUUID()}@example.com`;

  it('login finish with a wrong proof', async () => {
    const result = await measure(async (known) => {
      const { startLoginRequest } = opaqueClient.startLogin('a guess');
      const start = await post('/api/v1/auth/login/start', { email: known ? KNOWN : unknownAddress(), startLoginRequest });
      const { loginId } = JSON.parse(start.body) as { loginId: string };
      const finish = await post('/api/v1/auth/login/finish', { loginId, finishLoginRequest: wrongProof });
      expect(finish.status).toBe(401);
      return finish.ms;
    });
    judge('login finish (wrong proof)', result);
  }, TIMEOUT);

  it('login start', async () => {
    const result = await measure(async (known) => {
      const { startLoginRequest } = opaqueClient.startLogin('a guess');
      const start = await post('/api/v1/auth/login/start', { email: known ? KNOWN : unknownAddress(), startLoginRequest });
      expect(start.status).toBe(200);
      return start.ms;
    });
    judge('login start', result);
  }, TIMEOUT);

  it('registration start and finish (an existing address vs a new one)', async () => {
    const starts = { known: [] as number[], unknown: [] as number[] };
    const finishes = await measure(async (known) => {
      const { registrationRequest } = opaqueClient.startRegistration('attacker password');
      const start = await post('/api/v1/auth/register/start', { email: known ? KNOWN : unknownAddress(), registrationRequest });
      expect(start.status).toBe(200);
      (known ? starts.known : starts.unknown).push(start.ms);
      const { registrationId } = JSON.parse(start.body) as { registrationId: string };
      const keys = { ...material, personalVault: { ...material.personalVault, id: randomUUID() } };
      const finish = await post('/api/v1/auth/register/finish', { registrationId, registrationRecord: record, kdfVersion: 0, keys });
      expect(finish.status).toBe(201);
      return finish.ms;
    });
    judge('registration start', { known: starts.known.slice(-SAMPLES), unknown: starts.unknown.slice(-SAMPLES) });
    judge('registration finish', finishes);
  }, TIMEOUT);

  it('recovery request', async () => {
    const result = await measure(async (known) => {
      const answer = await post('/api/v1/auth/recovery/request', { email: known ? KNOWN : unknownAddress() });
      expect(answer.status).toBe(202);
      return answer.ms;
    });
    judge('recovery request', result);
  }, TIMEOUT);

  it('the AUC is 1 for separated samples, 0.5 for equal ones, and 0 the other way round', () => {
    expect(auc([3, 4, 5], [0, 1, 2])).toBe(1);
    expect(auc([1, 1, 1], [1, 1, 1])).toBe(0.5);
    expect(auc([0, 1], [2, 3])).toBe(0);
  });
});
