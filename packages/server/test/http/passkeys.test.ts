/**
 * Passkeys that sign in and unlock (issue 22): registration (fresh authentication, user verification, PRF), sign-in
 * from nothing but the passkey (discoverable credential, DPoP-bound session, the wrapped account key returned), unlock
 * of a signed-in session, removal, and the refusals (wrong challenge, unknown credential, user verification missing,
 * counter that did not rise, used sign-in id, PRF outputs sent to the server). A software authenticator with PRF
 * (testkit) plays the browser. Runs on SQLite + memory state, and on PostgreSQL + Redis when those are available.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PasskeyCreate, type PasskeyGet, PASSKEY_PRF_SALT, PasskeyPrfUnsupportedError, type Vault, WatchwordClient, listPasskeys, reauthenticate, removePasskey } from '@watchword/client';
import { type PasskeySignInStartResponse, createDpopProof, fromBase64Url, generateDpopKeyPair, toBase64Url } from '@watchword/protocol';
import { SoftAuthenticator, type Tamper } from '@watchword/testkit';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';

const PUBLIC = 'http://watchword.test';
const ORIGIN = PUBLIC;
const PASSWORD = 'a long and fine passphrase';

interface Reply {
  statusCode: number;
  body: string;
}
const body = (r: Reply) => JSON.parse(r.body) as Record<string, unknown>;
const errorOf = (r: Reply) => (JSON.parse(r.body) as { error?: { code: string } }).error?.code;
const expectError = (r: Reply, status: number, errorCode: string) => expect({ status: r.statusCode, code: errorOf(r) }).toEqual({ status, code: errorCode });

/** The app's half of the ceremonies, played by a software authenticator (what apps/web/src/lib/webauthn.ts does in a browser). */
function ceremonies(authenticator: SoftAuthenticator, tamper?: Tamper): { create: PasskeyCreate; get: PasskeyGet } {
  const context = { origin: ORIGIN, ...(tamper ? { tamper } : {}) };
  return {
    create: async (options) => {
      const response = authenticator.create(options, context);
      const prf = response.clientExtensionResults.prf;
      return { response, prfEnabled: prf?.enabled === true, ...(prf?.results ? { prfOutput: fromBase64Url(prf.results.first) } : {}) };
    },
    get: async (options) => {
      const response = authenticator.get(options, context);
      const prf = response.clientExtensionResults.prf;
      return { response, ...(prf?.results ? { prfOutput: fromBase64Url(prf.results.first) } : {}) };
    },
  };
}

describe.each(backendsUnderTest())('passkeys that sign in and unlock ($name)', ({ dialect, state }) => {
  let t: TestApp;
  const client = (dpop: 'generate' | false = 'generate') => new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop });
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });
  const start = async () => {
    const r = await post('/api/v1/auth/passkey/start', {});
    expect(r.statusCode).toBe(200);
    return body(r) as unknown as PasskeySignInStartResponse;
  };
  /** One raw sign-in attempt: start, an assertion from `authenticator` (tampered or not), finish. */
  const rawSignIn = async (authenticator: SoftAuthenticator, tamper?: Tamper) => {
    const s = await start();
    const response = authenticator.get(s.options, { origin: ORIGIN, ...(tamper ? { tamper } : {}) });
    return post('/api/v1/auth/passkey/finish', { signInId: s.signInId, response });
  };

  const email = 'pia@example.com';
  let pia: Vault;
  let key: SoftAuthenticator;
  let credentialId: string;
  let itemId: string;

  beforeAll(async () => {
    // Deliberate failures from one IP across the suite: the IP block (tested in throttle.test.ts) is lifted.
    t = await createTestApp(dialect, { LOGIN_IP_BLOCK_FAILURES: '100000', LOGIN_FREE_ATTEMPTS: '100000', LOGIN_ACCOUNT_FREE_ATTEMPTS: '100000' }, { state });
    await client().register({ email, password: PASSWORD });
    // A bearer session, so the raw requests below can use its access token.
    pia = await client(false).login({ email, password: PASSWORD, deviceName: 'laptop' });
    itemId = (await pia.add({ type: 'login', name: 'Bank', fields: [], login: { password: 'correct horse' } })).id;
    key = new SoftAuthenticator({ transports: ['internal'] });
  });
  afterAll(async () => t?.close());

  it('registration needs fresh authentication and a user-verifying authenticator', async () => {
    const send = (payload: unknown) =>
      t.app.inject({ method: 'POST', url: '/api/v1/account/passkeys/options', headers: { authorization: `Bearer ${pia.session.tokens.accessToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    expectError(await send({}), 400, 'VALIDATION_FAILED');
    expectError(await send({ reauthToken: toBase64Url(randomBytes(32)) }), 401, 'REAUTH_REQUIRED');

    // The options ask for a discoverable, user-verifying credential and for PRF.
    const r = await send({ reauthToken: await reauthenticate(pia.session, PASSWORD) });
    const options = (body(r) as { options: { authenticatorSelection: unknown; extensions: unknown } }).options;
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.extensions).toMatchObject({ prf: {} });

    // Without user verification the credential is refused (and nothing is stored).
    const noUv = new SoftAuthenticator();
    expect(await code(client().registerPasskeyUnlock(pia, { password: PASSWORD, name: 'no uv', ...ceremonies(noUv, { userVerified: false }) }))).toBe('INVALID_CREDENTIALS');
    // Without PRF the SDK refuses before anything reaches the server.
    await expect(client().registerPasskeyUnlock(pia, { password: PASSWORD, name: 'no prf', ...ceremonies(new SoftAuthenticator({ prf: false })) })).rejects.toBeInstanceOf(PasskeyPrfUnsupportedError);
    expect(await t.storage.passkeys.list(pia.userId)).toEqual([]);
  });

  it('registers a passkey: the server keeps the credential and a wrapped key it cannot open', async () => {
    const added = await client().registerPasskeyUnlock(pia, { password: PASSWORD, name: 'Laptop passkey', ...ceremonies(key) });
    credentialId = added.id;
    expect(added).toMatchObject({ name: 'Laptop passkey', lastUsedAt: null, transports: ['internal'] });
    const stored = await t.storage.passkeys.find(credentialId);
    expect(stored?.userId).toBe(pia.userId);
    // The blob is not the account key, nor the PRF output, in any encoding.
    const accountKey = pia.exportAccountKey();
    const prf = key.prfOutput(credentialId, PASSKEY_PRF_SALT);
    for (const secret of [accountKey, prf]) {
      expect(stored?.wrappedAccountKey).not.toContain(toBase64Url(secret));
      expect(JSON.stringify(stored)).not.toContain(Buffer.from(secret).toString('hex'));
    }
    const events = await t.storage.audit.listForUser(pia.userId, 50);
    expect(events.filter((e) => e.action === 'passkey.added').map((e) => e.outcome).sort()).toEqual(['failure', 'success']);
    expect(JSON.stringify(events)).not.toContain(stored?.wrappedAccountKey);
    expect((await listPasskeys(pia.session)).map((p) => p.id)).toEqual([credentialId]);
  });

  it('unlocks a signed-in session with the passkey (no password, no new session)', async () => {
    const vault = await client().unlockWithPasskey(pia.session, { userId: pia.userId, ...ceremonies(key) });
    expect(Buffer.from(vault.exportAccountKey())).toEqual(Buffer.from(pia.exportAccountKey()));
    expect((await vault.get(itemId))?.content).toMatchObject({ name: 'Bank', login: { password: 'correct horse' } });
  });

  it('signs in with the passkey alone: no e-mail, no password; a DPoP-bound session; the vault opens', async () => {
    const vault = await client('generate').signInWithPasskey({ deviceName: 'phone', ...ceremonies(key) });
    expect(vault.userId).toBe(pia.userId);
    expect((await vault.get(itemId))?.content).toMatchObject({ name: 'Bank', login: { password: 'correct horse' } });
    const claims = JSON.parse(Buffer.from(vault.session.tokens.accessToken.split('.')[1] as string, 'base64url').toString()) as { cnf?: { jkt?: string } };
    expect(claims.cnf?.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sessions = await vault.session.listSessions();
    expect(sessions.find((s) => s.current)).toMatchObject({ deviceName: 'phone' });
    expect((await t.storage.passkeys.find(credentialId))?.lastUsedAt).not.toBeNull();
  });

  it('a DPoP-bound passkey sign-in: the proof’s key is the one the tokens are bound to', async () => {
    const dpopKey = await generateDpopKeyPair();
    const s = await start();
    const response = key.get(s.options, { origin: ORIGIN });
    const proof = await createDpopProof(dpopKey, { htm: 'POST', htu: `${PUBLIC}/api/v1/auth/passkey/finish`, iat: Math.floor(t.clock.now / 1000) });
    const r = await post('/api/v1/auth/passkey/finish', { signInId: s.signInId, response }, { dpop: proof });
    expect(r.statusCode).toBe(200);
    expect(body(r)).toMatchObject({ tokenType: 'DPoP', userId: pia.userId, credentialId });
    expect(typeof body(r).wrappedAccountKey).toBe('string');
  });

  it('refuses a wrong challenge, an unknown credential, a missing user verification, a bad signature', async () => {
    expectError(await rawSignIn(key, { challenge: toBase64Url(randomBytes(32)) }), 401, 'INVALID_CREDENTIALS');
    expectError(await rawSignIn(key, { userVerified: false }), 401, 'INVALID_CREDENTIALS');
    expectError(await rawSignIn(key, { flipSignature: true }), 401, 'INVALID_CREDENTIALS');
    expectError(await rawSignIn(key, { rpIdHash: 'evil.test' }), 401, 'INVALID_CREDENTIALS');
    // A credential this server never registered.
    const stranger = new SoftAuthenticator();
    stranger.create({ challenge: toBase64Url(randomBytes(32)), rp: { name: 'x', id: 'watchword.test' }, user: { id: toBase64Url(randomBytes(16)), name: 'x', displayName: 'x' }, pubKeyCredParams: [{ alg: -7, type: 'public-key' }] }, { origin: ORIGIN });
    expectError(await rawSignIn(stranger), 401, 'INVALID_CREDENTIALS');
    // Each failure with a known account is in the audit log, without secrets.
    const failures = (await t.storage.audit.listForUser(pia.userId, 100)).filter((e) => e.action === 'auth.login' && e.outcome === 'failure');
    expect(failures.map((e) => e.context.reason)).toEqual(expect.arrayContaining(['invalid_assertion']));
    expect(failures.every((e) => e.context.method === 'passkey')).toBe(true);
  });

  it('refuses a signature counter that did not rise (a cloned authenticator) and a used sign-in id', async () => {
    const before = key.counter;
    key.counter = 0;
    expectError(await rawSignIn(key), 401, 'INVALID_CREDENTIALS');
    key.counter = before;

    const s = await start();
    const response = key.get(s.options, { origin: ORIGIN });
    expect((await post('/api/v1/auth/passkey/finish', { signInId: s.signInId, response })).statusCode).toBe(200);
    // The same assertion again: the sign-in id is used up.
    expectError(await post('/api/v1/auth/passkey/finish', { signInId: s.signInId, response }), 401, 'HANDSHAKE_EXPIRED');
    // Replayed under a fresh challenge: the signature does not cover it.
    const s2 = await start();
    expectError(await post('/api/v1/auth/passkey/finish', { signInId: s2.signInId, response }), 401, 'INVALID_CREDENTIALS');
  });

  it('never accepts PRF outputs or unknown fields in a request', async () => {
    const s = await start();
    const response = key.get({ ...s.options, extensions: { prf: { eval: { first: toBase64Url(PASSKEY_PRF_SALT) } } } }, { origin: ORIGIN });
    expect(response.clientExtensionResults.prf?.results).toBeDefined();
    expectError(await post('/api/v1/auth/passkey/finish', { signInId: s.signInId, response }), 400, 'UNKNOWN_FIELD');
    expect([400]).toContain((await post('/api/v1/auth/passkey/start', { email })).statusCode);
  });

  it('a disabled account cannot sign in with its passkey', async () => {
    await t.storage.users.setDisabled(pia.userId, t.clock.now);
    expectError(await rawSignIn(key), 403, 'ACCOUNT_DISABLED');
    await t.storage.users.setDisabled(pia.userId, null);
  });

  it('failed assertions are throttled per account (credentialAttempt): after the free attempts, even a good one waits', async () => {
    const strict = await createTestApp(dialect, { LOGIN_IP_BLOCK_FAILURES: '100000', LOGIN_FREE_ATTEMPTS: '3', LOGIN_ACCOUNT_FREE_ATTEMPTS: '3' }, { state });
    try {
      const c = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: strict.fetch, kdfVersion: 0, dpop: false });
      await c.register({ email: 'quinn@example.com', password: PASSWORD });
      const quinn = await c.login({ email: 'quinn@example.com', password: PASSWORD });
      const authenticator = new SoftAuthenticator();
      await c.registerPasskeyUnlock(quinn, { password: PASSWORD, name: 'key', ...ceremonies(authenticator) });
      const attempt = async (tamper?: Tamper) => {
        const s = (JSON.parse((await strict.app.inject({ method: 'POST', url: '/api/v1/auth/passkey/start', headers: { 'content-type': 'application/json' }, payload: '{}' })).body)) as PasskeySignInStartResponse;
        const response = authenticator.get(s.options, { origin: ORIGIN, ...(tamper ? { tamper } : {}) });
        return strict.app.inject({ method: 'POST', url: '/api/v1/auth/passkey/finish', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ signInId: s.signInId, response }) });
      };
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt({ flipSignature: true })).statusCode);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses).toContain(429);
      expectError(await attempt(), 429, 'RATE_LIMITED');
      expect((await strict.storage.audit.listForUser(quinn.userId, 100)).some((e) => e.action === 'auth.throttled')).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it('removal needs fresh authentication; a removed passkey signs in no more', async () => {
    expect(await code(removePasskey(pia.session, { id: credentialId, password: 'not the password' }))).toBe('INVALID_CREDENTIALS');
    await removePasskey(pia.session, { id: credentialId, password: PASSWORD });
    expect(await listPasskeys(pia.session)).toEqual([]);
    expectError(await rawSignIn(key), 401, 'INVALID_CREDENTIALS');
    expect(await code(removePasskey(pia.session, { id: credentialId, password: PASSWORD }))).toBe('PASSKEY_NOT_FOUND');
  });
});
