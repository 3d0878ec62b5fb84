import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { createAccountKeys, ensureOpaqueReady, opaqueClient } from '@watchword/protocol';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

/** Shape of a JSON answer: every key with the length of its value (values themselves are random per request). */
function shape(body: string): Record<string, number | string> {
  const json = JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, typeof v === 'string' ? v.length : typeof v === 'number' ? `number:${v}` : typeof v]));
}

/** Security spec "Enumeration": known and unknown addresses get the same status, keys, value lengths and body size. */
describe('no account enumeration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await ensureOpaqueReady();
    await new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch }).register({ email: 'known@example.com', password: 'the real passphrase' });
  });
  afterAll(async () => t.close());

  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

  it('login start: same status, shape and size for a known and an unknown address', async () => {
    for (let i = 0; i < 5; i++) {
      const { startLoginRequest } = opaqueClient.startLogin('some guess');
      const known = await post('/api/v1/auth/login/start', { email: 'known@example.com', startLoginRequest });
      const unknown = await post('/api/v1/auth/login/start', { email: `nobody${i}@example.com`, startLoginRequest });
      expect(known.statusCode).toBe(200);
      expect(unknown.statusCode).toBe(known.statusCode);
      expect(shape(unknown.body)).toEqual(shape(known.body));
      expect(unknown.body.length).toBe(known.body.length);
    }
  });

  it('registration of an existing and a new address: same answers at start and finish', async () => {
    const answers: Record<string, { start: ReturnType<typeof shape>; finish: ReturnType<typeof shape>; statuses: number[]; sizes: number[] }> = {};
    for (const email of ['known@example.com', 'fresh@example.com']) {
      const { clientRegistrationState, registrationRequest } = opaqueClient.startRegistration('attacker password');
      const start = await post('/api/v1/auth/register/start', { email, registrationRequest });
      const { registrationId, userId, registrationResponse } = JSON.parse(start.body) as { registrationId: string; userId: string; registrationResponse: string };
      const { registrationRecord, exportKey } = opaqueClient.finishRegistration({ password: 'attacker password', registrationResponse, clientRegistrationState, kdfVersion: 1 });
      const { material } = await createAccountKeys({ exportKey, userId, personalVaultId: crypto.randomUUID() });
      const finish = await post('/api/v1/auth/register/finish', { registrationId, registrationRecord, kdfVersion: 1, keys: material });
      answers[email] = { start: shape(start.body), finish: shape(finish.body), statuses: [start.statusCode, finish.statusCode], sizes: [start.body.length, finish.body.length] };
    }
    expect(answers['known@example.com']).toEqual(answers['fresh@example.com']);
    expect(answers['known@example.com']?.statuses).toEqual([200, 201]);
    // And the existing account is untouched: its owner still logs in, the registrant does not.
    // (The unfinished login starts above count as failed attempts: wait out the backoff they earned.)
    t.clock.advance(60_000);
    // Bearer: DPoP proofs carry the real time, and this test has moved the server's clock.
    const client = new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, dpop: false });
    await expect(client.login({ email: 'known@example.com', password: 'the real passphrase' })).resolves.toBeDefined();
    await expect(client.login({ email: 'known@example.com', password: 'attacker password' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
