/**
 * The WebAuthn ceremony steps that security keys (a second factor) and passkeys (sign-in) share (lib/webauthn/ceremony.ts),
 * through both kinds' routes: a registration is answered once, by the session that asked for it, and taken before its
 * answer is checked; an assertion counts once, so of two made with the same signature counter and finished together,
 * one passes. A software authenticator plays the browser. Runs on SQLite + memory state, and on PostgreSQL + Redis
 * when those are available.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient, reauthenticate } from '@watchword/client';
import { type MfaChallengeResponse, type PasskeySignInStartResponse, toBase64Url } from '@watchword/protocol';
import { SoftAuthenticator } from '@watchword/testkit';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code, expectError } from '../support/error-code.ts';

const PUBLIC = 'http://watchword.test';
const ORIGIN = PUBLIC;
const PASSWORD = 'a long and fine passphrase';

/** The two kinds of credential: their registration routes, what a registration adds, and their refusal of a bad answer. */
const KINDS = [
  { kind: 'security key', options: '/api/v1/account/mfa/webauthn/options', finish: '/api/v1/account/mfa/webauthn', extra: {}, invalid: 'INVALID_SECOND_FACTOR' },
  { kind: 'passkey', options: '/api/v1/account/passkeys/options', finish: '/api/v1/account/passkeys', extra: { wrappedAccountKey: toBase64Url(randomBytes(60)) }, invalid: 'INVALID_CREDENTIALS' },
] as const;

describe.each(backendsUnderTest())('WebAuthn ceremonies of security keys and passkeys ($name)', ({ dialect, state }) => {
  let t: TestApp;
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
  const post = (url: string, payload: unknown, vault?: Vault) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...(vault ? { authorization: `Bearer ${vault.session.tokens.accessToken}` } : {}) },
      payload: JSON.stringify(payload),
    });
  const signUp = async (email: string) => {
    await client().register({ email, password: PASSWORD });
    return client().login({ email, password: PASSWORD, deviceName: 'laptop' });
  };

  beforeAll(async () => {
    // Deliberate failures from one IP across the suite: the throttle (its own tests) is lifted.
    t = await createTestApp(dialect, { LOGIN_IP_BLOCK_FAILURES: '100000', LOGIN_FREE_ATTEMPTS: '100000', LOGIN_ACCOUNT_FREE_ATTEMPTS: '100000' }, { state });
  });
  afterAll(async () => t?.close());

  describe.each(KINDS)('registering a $kind', ({ kind, options, finish, extra, invalid }) => {
    const email = `${kind.replace(' ', '-')}@example.com`;
    let mine: Vault;
    let other: Vault;
    beforeAll(async () => {
      mine = await signUp(email);
      other = await client().login({ email, password: PASSWORD, deviceName: 'phone' });
    });

    /** Options asked for by `vault`'s session (after fresh authentication). */
    const ask = async (vault: Vault) => {
      const r = await post(options, { reauthToken: await reauthenticate(vault.session, PASSWORD) }, vault);
      expect(r.statusCode).toBe(200);
      return (JSON.parse(r.body) as { options: Parameters<SoftAuthenticator['create']>[0] }).options;
    };
    /** An authenticator's answer to them, signed for `origin`. */
    const answer = (creation: Parameters<SoftAuthenticator['create']>[0], origin = ORIGIN) => new SoftAuthenticator({ transports: ['internal'] }).create(creation, { origin });
    const add = (vault: Vault, response: unknown) => post(finish, { name: 'Key', response, ...extra }, vault);
    const stored = async () => [...(await t.storage.mfa.listWebauthn(mine.userId)), ...(await t.storage.passkeys.list(mine.userId))];

    it("is answered only by the session that asked for it, and another session's attempt uses it up", async () => {
      const response = answer(await ask(mine));
      expectError(await add(other, response), 401, 'HANDSHAKE_EXPIRED');
      expectError(await add(mine, response), 401, 'HANDSHAKE_EXPIRED');
      expect(await stored()).toEqual([]);
    });

    it('is taken before its answer is checked: after a refused answer, a good one to the same options is too late', async () => {
      const creation = await ask(mine);
      expectError(await add(mine, answer(creation, 'https://watchword.example')), 401, invalid);
      expectError(await add(mine, answer(creation)), 401, 'HANDSHAKE_EXPIRED');
      expect(await stored()).toEqual([]);
    });

    it('stores the credential once, in its own table only; the same answer again finds no registration', async () => {
      const response = answer(await ask(mine));
      expect((await add(mine, response)).statusCode).toBe(200);
      expectError(await add(mine, response), 401, 'HANDSHAKE_EXPIRED');
      const keys = await t.storage.mfa.listWebauthn(mine.userId);
      const passkeys = await t.storage.passkeys.list(mine.userId);
      expect((kind === 'passkey' ? passkeys : keys).map((c) => c.id)).toEqual([response.id]);
      expect(kind === 'passkey' ? keys : passkeys).toEqual([]);
    });
  });

  it('a security key assertion counts once: of two logins answered with the same counter at once, one passes', async () => {
    const email = 'race-key@example.com';
    const vault = await signUp(email);
    const key = new SoftAuthenticator();
    const security = client().security(vault.session);
    await security.addWebauthn('Key', key.create(await security.webauthnRegistrationOptions(PASSWORD), { origin: ORIGIN }));

    // Two logins held at their second factor until both have a challenge; both assertions carry the same counter.
    const challenges: MfaChallengeResponse[] = [];
    let release!: () => void;
    const bothAsked = new Promise<void>((resolve) => (release = resolve));
    const login = () =>
      client().login({
        email,
        password: PASSWORD,
        secondFactor: async (challenge) => {
          challenges.push(challenge);
          if (challenges.length === 2) release();
          await bothAsked;
          const counter = key.counter;
          const response = key.get(challenge.webauthn ?? { challenge: '' }, { origin: ORIGIN });
          key.counter = counter;
          return { method: 'webauthn', response };
        },
      });
    const results = await Promise.allSettled([login(), login()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(await code(Promise.reject(refused?.reason))).toBe('INVALID_SECOND_FACTOR');
    expect((await t.storage.mfa.listWebauthn(vault.userId))[0]?.counter).toBe(key.counter + 1);
  });

  it('a passkey assertion counts once: of two sign-ins answered with the same counter at once, one passes', async () => {
    const vault = await signUp('race-passkey@example.com');
    const key = new SoftAuthenticator({ transports: ['internal'] });
    const r = await post('/api/v1/account/passkeys/options', { reauthToken: await reauthenticate(vault.session, PASSWORD) }, vault);
    const { options } = JSON.parse(r.body) as { options: Parameters<SoftAuthenticator['create']>[0] };
    expect((await post('/api/v1/account/passkeys', { name: 'Key', response: key.create(options, { origin: ORIGIN }), wrappedAccountKey: toBase64Url(randomBytes(60)) }, vault)).statusCode).toBe(200);

    const starts = await Promise.all([1, 2].map(async () => JSON.parse((await post('/api/v1/auth/passkey/start', {})).body) as PasskeySignInStartResponse));
    const counter = key.counter;
    const finishes = starts.map((s) => {
      key.counter = counter;
      return { signInId: s.signInId, response: key.get(s.options, { origin: ORIGIN }) };
    });
    const replies = await Promise.all(finishes.map((f) => post('/api/v1/auth/passkey/finish', f)));
    expect(replies.map((reply) => reply.statusCode).sort()).toEqual([200, 401]);
    expectError(replies.find((reply) => reply.statusCode !== 200)!, 401, 'INVALID_CREDENTIALS');
    expect((await t.storage.passkeys.list(vault.userId))[0]?.counter).toBe(counter + 1);
  });
});
