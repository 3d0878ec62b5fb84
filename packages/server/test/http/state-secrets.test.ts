/**
 * The shared state store never holds a usable bearer secret (`secretKey` in lib/handshakes.ts): a login handshake's id, a pending
 * second-factor login's token and a fresh-authentication token are each looked at while still live, in Redis itself
 * (every key and value this app wrote), and none of them is there in any encoding; what they lead to is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, reauthenticate, type Vault } from '@watchword/client';
import { decodeBase32, ensureOpaqueReady, opaqueClient, totp } from '@watchword/protocol';
import { findSecrets, rawRedis, stateKindsUnderTest } from '@watchword/testkit';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const PASSWORD = 'a long and fine passphrase';

describe.skipIf(!stateKindsUnderTest().includes('redis'))('bearer secrets in the shared state store (Redis)', () => {
  let t: TestApp;
  let vault: Vault;

  /** Every key this app wrote, with its value (strings only: the handshakes and tokens are strings). */
  async function dump(): Promise<string[]> {
    const client = rawRedis();
    try {
      const keys = await client.keys(`${t.redisPrefix}*`);
      const values = keys.length === 0 ? [] : await client.mget(...keys);
      return keys.flatMap((key, i) => [key, values[i] ?? '']);
    } finally {
      client.disconnect();
    }
  }

  const post = async (url: string, payload: unknown) =>
    JSON.parse((await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) })).body) as Record<string, unknown>;

  /** A password login's start: the server's answer, handshake id included. */
  async function loginStart() {
    await ensureOpaqueReady();
    const { clientLoginState, startLoginRequest } = opaqueClient.startLogin(PASSWORD);
    const start = (await post('/api/v1/auth/login/start', { email: 'state@example.com', startLoginRequest })) as { loginId: string; loginResponse: string; kdfVersion: number };
    return { clientLoginState, start };
  }

  /** A password login taken to its finish: the server's answer (here, the second-factor challenge). */
  async function loginFinish() {
    const { clientLoginState, start } = await loginStart();
    const { finishLoginRequest } = opaqueClient.finishLogin({ clientLoginState, loginResponse: start.loginResponse, password: PASSWORD, kdfVersion: start.kdfVersion });
    return post('/api/v1/auth/login/finish', { loginId: start.loginId, finishLoginRequest });
  }

  beforeAll(async () => {
    t = await createTestApp('sqlite', {}, { state: 'redis' });
    const client = new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
    await client.register({ email: 'state@example.com', password: PASSWORD });
    vault = await client.login({ email: 'state@example.com', password: PASSWORD });
  });
  afterAll(async () => t.close());

  it('a login handshake is kept under the hash of its id', async () => {
    const { loginId } = (await loginStart()).start;
    expect(loginId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await dump();
    // The handshake is there (its OPAQUE state), only not under its id.
    expect(stored.some((entry) => entry.includes('serverLoginState'))).toBe(true);
    expect(findSecrets(stored.join('\n'), { loginId })).toEqual([]);
  });

  it('a fresh-authentication token is kept under its hash', async () => {
    const reauthToken = await reauthenticate(vault.session, PASSWORD);
    const stored = await dump();
    const { sid } = JSON.parse(Buffer.from(vault.session.tokens.accessToken.split('.')[1] as string, 'base64url').toString()) as { sid: string };
    // The token's binding to this session is there, only not under the token.
    expect(stored.some((entry) => entry.includes(`"sessionId":"${sid}"`))).toBe(true);
    expect(findSecrets(stored.join('\n'), { reauthToken })).toEqual([]);
  });

  it('a pending second-factor login is kept under the hash of its token', async () => {
    const security = new WatchwordClient({ passwordPolicy: false, serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false }).security(vault.session);
    const { secret } = await security.enrolTotp(PASSWORD);
    await security.confirmTotp(await totp(decodeBase32(secret), t.clock.now));
    const challenge = await loginFinish();
    expect(challenge.mfaRequired).toBe(true);
    const mfaToken = challenge.mfaToken as string;
    const stored = await dump();
    expect(stored.some((entry) => entry.includes('"attempts":0'))).toBe(true);
    expect(findSecrets(stored.join('\n'), { mfaToken })).toEqual([]);
  });
});
