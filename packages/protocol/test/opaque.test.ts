/**
 * OPAQUE wrapper tests.
 *
 * RFC 9807 Appendix C test vectors are NOT run here: `@serenity-kit/opaque` does not
 * expose the RFC's primitives (Blind, DeriveKeyPair, envelope Store/Recover, 3DH) nor
 * a way to inject the randomness (blinds, nonces, keyshares) the vectors fix, so its
 * outputs cannot be compared against them. These tests instead check the properties
 * Watchword relies on, end to end through the real library (no fakes).
 * Most use KDF profile 0 (cheap Argon2id) for speed; one uses the production profile.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_KDF_VERSION, KDF_PROFILES, ensureOpaqueReady, opaqueClient, opaqueServer } from '../src/opaque.ts';
import { WatchwordError } from '../src/errors.ts';
import { fromBase64Url } from '../src/encoding.ts';

const USER = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';
const PASSWORD = 'correct horse battery staple';

function register(serverSetup: string, password: string, kdfVersion = 0) {
  const { clientRegistrationState, registrationRequest } = opaqueClient.startRegistration(password);
  const { registrationResponse } = opaqueServer.createRegistrationResponse({ serverSetup, userId: USER, registrationRequest });
  return opaqueClient.finishRegistration({ password, registrationResponse, clientRegistrationState, kdfVersion });
}

function login(serverSetup: string, registrationRecord: string | null, password: string, kdfVersion = 0) {
  const { clientLoginState, startLoginRequest } = opaqueClient.startLogin(password);
  const { serverLoginState, loginResponse } = opaqueServer.startServerLogin({ serverSetup, userId: USER, registrationRecord, startLoginRequest });
  const client = opaqueClient.finishLogin({ clientLoginState, loginResponse, password, kdfVersion });
  const serverSessionKey = opaqueServer.finishServerLogin({ serverLoginState, finishLoginRequest: client.finishLoginRequest });
  return { client, serverSessionKey };
}

async function expectCode(fn: () => unknown, code: string): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WatchwordError);
  expect((caught as WatchwordError).code).toBe(code);
}

describe('OPAQUE wrapper (RFC 9807 via @serenity-kit/opaque)', () => {
  let serverSetup: string;
  let registrationRecord: string;
  let exportKey: string;

  beforeAll(async () => {
    await ensureOpaqueReady();
    serverSetup = opaqueServer.createServerSetup();
    ({ registrationRecord, exportKey } = register(serverSetup, PASSWORD));
  });

  it('pins the KDF profiles: v1 = Argon2id 64 MiB, t=3, p=4 (default); v0 = test-only', () => {
    expect(CURRENT_KDF_VERSION).toBe(1);
    expect(KDF_PROFILES[1]).toEqual({ 'argon2id-custom': { memory: 65_536, iterations: 3, parallelism: 4 } });
    expect(KDF_PROFILES[0]).toEqual({ 'argon2id-custom': { memory: 1024, iterations: 1, parallelism: 1 } });
    expect(Object.isFrozen(KDF_PROFILES)).toBe(true);
  });

  it('agrees on a session key and yields the registration export key on every login', () => {
    expect(fromBase64Url(exportKey).length).toBe(64);
    const first = login(serverSetup, registrationRecord, PASSWORD);
    const second = login(serverSetup, registrationRecord, PASSWORD);
    expect(first.client.sessionKey).toBe(first.serverSessionKey);
    expect(second.client.sessionKey).toBe(second.serverSessionKey);
    expect(first.client.sessionKey).not.toBe(second.client.sessionKey);
    expect(first.client.exportKey).toBe(exportKey);
    expect(second.client.exportKey).toBe(exportKey);
  });

  it('rejects a wrong password with INVALID_CREDENTIALS', async () => {
    await expectCode(() => login(serverSetup, registrationRecord, `${PASSWORD}!`), 'INVALID_CREDENTIALS');
  });

  it('rejects a login under another KDF profile than the one registered', async () => {
    await expectCode(() => login(serverSetup, registrationRecord, PASSWORD, 1), 'INVALID_CREDENTIALS');
  });

  it('normalises the password with NFKC (U+FB01 "ﬁ" equals "fi")', () => {
    const setup = opaqueServer.createServerSetup();
    const registered = register(setup, 'ﬁsh and chips');
    expect(login(setup, registered.registrationRecord, 'fish and chips').client.exportKey).toBe(registered.exportKey);
  });

  it('fails against a different server setup (other OPRF key and server key)', async () => {
    const otherSetup = opaqueServer.createServerSetup();
    expect(opaqueServer.serverPublicKey(otherSetup)).not.toBe(opaqueServer.serverPublicKey(serverSetup));
    await expectCode(() => login(otherSetup, registrationRecord, PASSWORD), 'INVALID_CREDENTIALS');
  });

  it('answers an unknown user with a fake record of the same size that never authenticates', async () => {
    const real = opaqueServer.startServerLogin({
      serverSetup,
      userId: USER,
      registrationRecord,
      startLoginRequest: opaqueClient.startLogin(PASSWORD).startLoginRequest,
    });
    const fake = opaqueServer.startServerLogin({
      serverSetup,
      userId: 'pseudonymous-id-for-unknown-address',
      registrationRecord: null,
      startLoginRequest: opaqueClient.startLogin(PASSWORD).startLoginRequest,
    });
    expect(fake.loginResponse.length).toBe(real.loginResponse.length);
    expect(fake.serverLoginState.length).toBe(real.serverLoginState.length);
    await expectCode(() => login(serverSetup, null, PASSWORD), 'INVALID_CREDENTIALS');
  });

  it('server rejects a KE3 that belongs to another handshake', async () => {
    const a = opaqueClient.startLogin(PASSWORD);
    const b = opaqueClient.startLogin(PASSWORD);
    const serverA = opaqueServer.startServerLogin({ serverSetup, userId: USER, registrationRecord, startLoginRequest: a.startLoginRequest });
    const serverB = opaqueServer.startServerLogin({ serverSetup, userId: USER, registrationRecord, startLoginRequest: b.startLoginRequest });
    const finishB = opaqueClient.finishLogin({ clientLoginState: b.clientLoginState, loginResponse: serverB.loginResponse, password: PASSWORD, kdfVersion: 0 });
    await expectCode(
      () => opaqueServer.finishServerLogin({ serverLoginState: serverA.serverLoginState, finishLoginRequest: finishB.finishLoginRequest }),
      'INVALID_CREDENTIALS',
    );
  });

  it('maps a malformed server response to INVALID_CREDENTIALS', async () => {
    const { clientLoginState } = opaqueClient.startLogin(PASSWORD);
    await expectCode(
      () => opaqueClient.finishLogin({ clientLoginState, loginResponse: 'AAAA', password: PASSWORD, kdfVersion: 0 }),
      'INVALID_CREDENTIALS',
    );
  });

  it('validates kdfVersion and refuses an empty password', async () => {
    const { clientRegistrationState, registrationRequest } = opaqueClient.startRegistration(PASSWORD);
    const { registrationResponse } = opaqueServer.createRegistrationResponse({ serverSetup, userId: USER, registrationRequest });
    for (const kdfVersion of [2, -1, 0.5, Number.NaN]) {
      await expectCode(
        () => opaqueClient.finishRegistration({ password: PASSWORD, registrationResponse, clientRegistrationState, kdfVersion }),
        'VALIDATION_FAILED',
      );
    }
    await expectCode(() => opaqueClient.startLogin(''), 'VALIDATION_FAILED');
    await expectCode(() => opaqueClient.startRegistration(''), 'VALIDATION_FAILED');
  });

  it('works end to end with the production profile (v1, 64 MiB Argon2id)', () => {
    const setup = opaqueServer.createServerSetup();
    const registered = register(setup, PASSWORD, CURRENT_KDF_VERSION);
    const { client, serverSessionKey } = login(setup, registered.registrationRecord, PASSWORD, CURRENT_KDF_VERSION);
    expect(client.sessionKey).toBe(serverSessionKey);
    expect(client.exportKey).toBe(registered.exportKey);
  });
});
