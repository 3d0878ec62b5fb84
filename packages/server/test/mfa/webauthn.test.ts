import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Compile } from 'typebox/compile';
import {
  ERRORS,
  WatchwordError,
  WebauthnAuthenticationOptions,
  WebauthnAuthenticationResponse,
  WebauthnRegistrationOptions,
  WebauthnRegistrationResponse,
  fromBase64Url,
  toHex,
} from '@watchword/protocol';
import {
  WEBAUTHN_TIMEOUT_MS,
  authenticationOptions,
  registrationOptions,
  rpFromPublicUrl,
  verifyAuthentication,
  verifyRegistration,
  type StoredCredential,
} from '../../src/lib/second-factor/webauthn.ts';
import { SoftAuthenticator, type Tamper } from '@watchword/testkit';
import { loadConfig } from '../../src/config.ts';
import type { Context } from '../../src/context.ts';
import { webauthnRelyingParty } from '../../src/lib/second-factor/factors.ts';

const { rpId, origin } = rpFromPublicUrl('https://vault.example.com');
const USER_ID = '7d0a3a5e-2c7e-4f55-9a57-3e1d2b8f6c01';
const EMAIL = 'alice@example.com';

async function expectInvalid(promise: Promise<unknown>): Promise<WatchwordError> {
  const error = await promise.then(
    () => expect.unreachable('verification should have failed'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WatchwordError);
  const ww = error as WatchwordError;
  expect(ww.code).toBe('INVALID_CREDENTIALS');
  expect(ww.status).toBe(401);
  // The generic catalogue message only; the reason stays in `cause` for the server log.
  expect(ww.message).toBe(ERRORS.INVALID_CREDENTIALS.message);
  expect(ww.details).toBeUndefined();
  expect(ww.cause).toBeDefined();
  return ww;
}

async function register(authenticator: SoftAuthenticator, existing: StoredCredential[] = []): Promise<StoredCredential> {
  const { options, challenge } = await registrationOptions({ rpId, rpName: 'Watchword', userId: USER_ID, userName: EMAIL, existing });
  const response = authenticator.create(options, { origin });
  const verified = await verifyRegistration({ response, expectedChallenge: challenge, expectedOrigins: [origin], rpId });
  return { id: verified.credentialId, publicKey: verified.publicKey, counter: verified.counter, transports: verified.transports };
}

/** One assertion, verified against `credential` (with optional tampering and an override of what the server expects). */
async function authenticate(
  authenticator: SoftAuthenticator,
  credential: StoredCredential,
  opts: { tamper?: Tamper; origin?: string; expectedChallenge?: string } = {},
) {
  const { options, challenge } = await authenticationOptions({ rpId, credentials: [credential] });
  const response = authenticator.get(options, {
    origin: opts.origin ?? origin,
    ...(opts.tamper ? { tamper: opts.tamper } : {}),
  });
  return verifyAuthentication({ response, expectedChallenge: opts.expectedChallenge ?? challenge, expectedOrigins: [origin], rpId, credential });
}

describe('rpFromPublicUrl', () => {
  it('takes the host name as RP ID and the URL origin as origin', () => {
    expect(rpFromPublicUrl('https://vault.example.com')).toEqual({ rpId: 'vault.example.com', origin: 'https://vault.example.com' });
    expect(rpFromPublicUrl('https://Vault.Example.com:8443/base/path?x=1')).toEqual({ rpId: 'vault.example.com', origin: 'https://vault.example.com:8443' });
    expect(rpFromPublicUrl('http://localhost:3000/')).toEqual({ rpId: 'localhost', origin: 'http://localhost:3000' });
    expect(() => rpFromPublicUrl('ftp://example.com')).toThrow(TypeError);
    expect(() => rpFromPublicUrl('not a url')).toThrow();
  });
});

describe('registration', () => {
  it('offers second-factor options: UUID user handle, ES256/EdDSA/RS256, no attestation, 5-minute timeout', async () => {
    const existing = [{ id: 'AAECAwQFBgcICQoLDA0ODw', transports: ['usb', 'nfc'] }];
    const { options, challenge } = await registrationOptions({ rpId, rpName: 'Watchword', userId: USER_ID, userName: EMAIL, existing });
    expect(challenge).toBe(options.challenge);
    expect(fromBase64Url(challenge).length).toBeGreaterThanOrEqual(16);
    expect(options.rp).toEqual({ name: 'Watchword', id: rpId });
    expect(toHex(fromBase64Url(options.user.id))).toBe(USER_ID.replaceAll('-', ''));
    expect(options.user.name).toBe(EMAIL);
    expect(options.pubKeyCredParams).toEqual([
      { alg: -7, type: 'public-key' },
      { alg: -8, type: 'public-key' },
      { alg: -257, type: 'public-key' },
    ]);
    expect(options.timeout).toBe(WEBAUTHN_TIMEOUT_MS);
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(options.excludeCredentials).toEqual([{ id: existing[0]!.id, type: 'public-key', transports: ['usb', 'nfc'] }]);
    const again = await registrationOptions({ rpId, rpName: 'Watchword', userId: USER_ID, userName: EMAIL, existing: [] });
    expect(again.challenge).not.toBe(challenge);
  });

  it('refuses a user id that is not a UUID (the e-mail address must never become the user handle)', async () => {
    await expect(registrationOptions({ rpId, rpName: 'Watchword', userId: EMAIL, userName: EMAIL, existing: [] })).rejects.toThrow(TypeError);
  });

  it('completes a ceremony with the software authenticator', async () => {
    const authenticator = new SoftAuthenticator({ transports: ['usb', 'nfc'] });
    const { options, challenge } = await registrationOptions({ rpId, rpName: 'Watchword', userId: USER_ID, userName: EMAIL, existing: [] });
    const response = authenticator.create(options, { origin });
    const verified = await verifyRegistration({ response, expectedChallenge: challenge, expectedOrigins: ['https://other.example', origin], rpId });
    expect(verified).toEqual({
      credentialId: response.id,
      publicKey: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      counter: 0,
      transports: ['usb', 'nfc'],
      backedUp: false,
      deviceType: 'singleDevice',
      aaguid: '00000000-0000-0000-0000-000000000000',
    });
    // The stored public key is the COSE key (a CBOR map: major type 5), not the SPKI the browser also reports.
    expect(fromBase64Url(verified.publicKey)[0]! >> 5).toBe(5);
  });

  it('the authenticator honours excludeCredentials', async () => {
    const authenticator = new SoftAuthenticator();
    const first = await register(authenticator);
    await expect(register(authenticator, [first])).rejects.toMatchObject({ name: 'InvalidStateError' });
    // A second authenticator can still be added.
    const second = await register(new SoftAuthenticator(), [first]);
    expect(second.id).not.toBe(first.id);
  });

  const tampered: [string, (ctx: { options: WebauthnRegistrationOptions; challenge: string; authenticator: SoftAuthenticator }) => Promise<unknown>][] = [
    ['wrong origin', ({ options, challenge, authenticator }) =>
      verifyRegistration({ response: authenticator.create(options, { origin: 'https://evil.example' }), expectedChallenge: challenge, expectedOrigins: [origin], rpId })],
    ['wrong RP ID hash', ({ options, challenge, authenticator }) =>
      verifyRegistration({ response: authenticator.create(options, { origin, tamper: { rpIdHash: 'evil.example' } }), expectedChallenge: challenge, expectedOrigins: [origin], rpId })],
    ['wrong challenge', ({ options, authenticator }) =>
      verifyRegistration({ response: authenticator.create(options, { origin }), expectedChallenge: 'c29tZS1vdGhlci1jaGFsbGVuZ2UtdmFsdWU', expectedOrigins: [origin], rpId })],
    ['user presence flag off', ({ options, challenge, authenticator }) =>
      verifyRegistration({ response: authenticator.create(options, { origin, tamper: { userPresent: false } }), expectedChallenge: challenge, expectedOrigins: [origin], rpId })],
    ['an assertion-type client data', ({ options, challenge, authenticator }) =>
      verifyRegistration({ response: authenticator.create(options, { origin, tamper: { clientDataType: 'webauthn.get' } }), expectedChallenge: challenge, expectedOrigins: [origin], rpId })],
    ['rawId different from id', ({ options, challenge, authenticator }) => {
      const response = authenticator.create(options, { origin });
      return verifyRegistration({ response: { ...response, rawId: 'AAECAwQFBgcICQoLDA0ODw' }, expectedChallenge: challenge, expectedOrigins: [origin], rpId });
    }],
    ['id different from the attested credential', ({ options, challenge, authenticator }) =>
      verifyRegistration({ response: authenticator.create(options, { origin, tamper: { credentialId: 'AAECAwQFBgcICQoLDA0ODw' } }), expectedChallenge: challenge, expectedOrigins: [origin], rpId })],
  ];
  for (const [name, run] of tampered) {
    it(`rejects ${name}`, async () => {
      const { options, challenge } = await registrationOptions({ rpId, rpName: 'Watchword', userId: USER_ID, userName: EMAIL, existing: [] });
      await expectInvalid(run({ options, challenge, authenticator: new SoftAuthenticator() }));
    });
  }

  it('accepts a response without user verification (UV is preferred, not required, for a second factor)', async () => {
    const { options, challenge } = await registrationOptions({ rpId, rpName: 'Watchword', userId: USER_ID, userName: EMAIL, existing: [] });
    const response = new SoftAuthenticator().create(options, { origin, tamper: { userVerified: false } });
    await expect(verifyRegistration({ response, expectedChallenge: challenge, expectedOrigins: [origin], rpId })).resolves.toMatchObject({ counter: 0 });
  });
});

describe('authentication', () => {
  it('offers the registered credentials, UV preferred, 5-minute timeout', async () => {
    const credential = await register(new SoftAuthenticator({ transports: ['internal', 'hybrid'] }));
    const { options, challenge } = await authenticationOptions({ rpId, credentials: [credential] });
    expect(options).toEqual({
      rpId,
      challenge,
      allowCredentials: [{ id: credential.id, type: 'public-key', transports: ['internal', 'hybrid'] }],
      timeout: WEBAUTHN_TIMEOUT_MS,
      userVerification: 'preferred',
    });
  });

  it('completes ceremonies and reports an increasing counter', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    expect(credential.counter).toBe(0);
    const first = await authenticate(authenticator, credential);
    expect(first).toEqual({ newCounter: 1 });
    credential.counter = first.newCounter;
    const second = await authenticate(authenticator, credential);
    expect(second).toEqual({ newCounter: 2 });
  });

  it('rejects a counter regression (cloned authenticator)', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    authenticator.counter = 9;
    credential.counter = (await authenticate(authenticator, credential)).newCounter;
    expect(credential.counter).toBe(10);
    authenticator.counter = 3; // the clone is behind
    const error = await expectInvalid(authenticate(authenticator, credential));
    expect(String((error.cause as Error).message)).toMatch(/counter/i);
    authenticator.counter = 9; // same value as stored: not an increase either
    await expectInvalid(authenticate(authenticator, credential));
  });

  it('rejects a counter that drops to zero once it was non-zero', async () => {
    const authenticator = new SoftAuthenticator({ incrementCounter: false });
    const credential = await register(authenticator);
    credential.counter = 4;
    await expectInvalid(authenticate(authenticator, credential));
  });

  it('accepts an authenticator without a counter (always zero)', async () => {
    const authenticator = new SoftAuthenticator({ incrementCounter: false });
    const credential = await register(authenticator);
    await expect(authenticate(authenticator, credential)).resolves.toEqual({ newCounter: 0 });
    await expect(authenticate(authenticator, credential)).resolves.toEqual({ newCounter: 0 });
  });

  it('rejects a replayed assertion once the counter is stored', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    const { options, challenge } = await authenticationOptions({ rpId, credentials: [credential] });
    const response = authenticator.get(options, { origin });
    const input = { response, expectedChallenge: challenge, expectedOrigins: [origin], rpId };
    const { newCounter } = await verifyAuthentication({ ...input, credential });
    expect(newCounter).toBe(1);
    await expectInvalid(verifyAuthentication({ ...input, credential: { ...credential, counter: newCounter } }));
  });

  it('rejects a wrong origin', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    await expectInvalid(authenticate(authenticator, credential, { origin: 'https://vault.example.com.evil.example' }));
    await expectInvalid(authenticate(authenticator, credential, { origin: 'http://vault.example.com' }));
  });

  it('rejects a wrong RP ID', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    await expectInvalid(authenticate(authenticator, credential, { tamper: { rpIdHash: 'example.com' } }));
  });

  it('rejects a wrong challenge', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    const { challenge: stale } = await authenticationOptions({ rpId, credentials: [credential] });
    await expectInvalid(authenticate(authenticator, credential, { expectedChallenge: stale }));
    await expectInvalid(authenticate(authenticator, credential, { tamper: { challenge: stale } }));
  });

  it('rejects a tampered signature', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    await expectInvalid(authenticate(authenticator, credential, { tamper: { flipSignature: true } }));
  });

  it('rejects an assertion without user presence', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    await expectInvalid(authenticate(authenticator, credential, { tamper: { userPresent: false } }));
  });

  it('rejects a registration-type client data', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    await expectInvalid(authenticate(authenticator, credential, { tamper: { clientDataType: 'webauthn.create' } }));
  });

  it('accepts an assertion without user verification (UV preferred)', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    await expect(authenticate(authenticator, credential, { tamper: { userVerified: false } })).resolves.toEqual({ newCounter: 1 });
  });

  it('rejects a credential from another authenticator', async () => {
    const mine = new SoftAuthenticator();
    const credential = await register(mine);
    const other = new SoftAuthenticator();
    const otherCredential = await register(other);
    const { options, challenge } = await authenticationOptions({ rpId, credentials: [otherCredential] });

    // The other authenticator's own, valid assertion does not satisfy my credential.
    const response = other.get(options, { origin });
    await expect(
      verifyAuthentication({ response, expectedChallenge: challenge, expectedOrigins: [origin], rpId, credential: otherCredential }),
    ).resolves.toEqual({ newCounter: 1 });
    await expectInvalid(verifyAuthentication({ response, expectedChallenge: challenge, expectedOrigins: [origin], rpId, credential }));

    // Nor does it when it claims my credential id: the signature does not verify under my key.
    const forged = other.get(options, { origin, tamper: { credentialId: credential.id } });
    await expectInvalid(verifyAuthentication({ response: forged, expectedChallenge: challenge, expectedOrigins: [origin], rpId, credential }));

    // A genuine signature under my key, relabelled with another credential id, is refused: the library checks the
    // signature against the key it is given but does not compare the response id with the stored credential.
    const relabelled = mine.get({ ...options, allowCredentials: [] }, { origin, tamper: { credentialId: otherCredential.id } });
    await expectInvalid(verifyAuthentication({ response: relabelled, expectedChallenge: challenge, expectedOrigins: [origin], rpId, credential }));

    // And `rawId` must match too.
    const mixed = { ...mine.get({ ...options, allowCredentials: [] }, { origin }), rawId: otherCredential.id };
    await expectInvalid(verifyAuthentication({ response: mixed, expectedChallenge: challenge, expectedOrigins: [origin], rpId, credential }));
  });

  it('refuses to verify without an expected origin (a configuration error, not a client error)', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    const { options, challenge } = await authenticationOptions({ rpId, credentials: [credential] });
    const response = authenticator.get(options, { origin });
    await expect(verifyAuthentication({ response, expectedChallenge: challenge, expectedOrigins: [], rpId, credential })).rejects.toThrow(TypeError);
  });

  it('rejects a stored public key that is not base64url, without throwing anything else', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    await expectInvalid(authenticate(authenticator, { ...credential, publicKey: 'not base64!' }));
  });
});

describe('schemas', () => {
  const registrationResponse = Compile(WebauthnRegistrationResponse);
  const authenticationResponse = Compile(WebauthnAuthenticationResponse);
  const registrationOptionsSchema = Compile(WebauthnRegistrationOptions);
  const authenticationOptionsSchema = Compile(WebauthnAuthenticationOptions);

  async function samples() {
    const authenticator = new SoftAuthenticator();
    const reg = await registrationOptions({ rpId, rpName: 'Watchword', userId: USER_ID, userName: EMAIL, existing: [{ id: 'AAECAwQFBgcICQoLDA0ODw', transports: ['usb'] }] });
    const registration = authenticator.create(reg.options, { origin });
    const credential = { id: registration.id, transports: registration.response.transports };
    const auth = await authenticationOptions({ rpId, credentials: [credential] });
    const assertion = authenticator.get(auth.options, { origin });
    return { registrationOptions: reg.options, registration, authenticationOptions: auth.options, assertion };
  }

  it('accept what the server and the software authenticator produce', async () => {
    const s = await samples();
    expect(registrationResponse.Check(s.registration)).toBe(true);
    expect(authenticationResponse.Check(s.assertion)).toBe(true);
    expect(registrationOptionsSchema.Check(s.registrationOptions)).toBe(true);
    expect(authenticationOptionsSchema.Check(s.authenticationOptions)).toBe(true);
    // Minimal forms too: optional members absent, empty extension results.
    const { authenticatorData: _a, transports: _t, publicKeyAlgorithm: _p, publicKey: _k, ...minimal } = s.registration.response;
    const { authenticatorAttachment: _att, ...noAttachment } = s.registration;
    expect(registrationResponse.Check({ ...noAttachment, response: minimal, clientExtensionResults: {} })).toBe(true);
    const { userHandle: _u, ...noHandle } = s.assertion.response;
    expect(authenticationResponse.Check({ id: s.assertion.id, rawId: s.assertion.rawId, type: 'public-key', response: noHandle, clientExtensionResults: {} })).toBe(true);
    // Known extension outputs.
    const ext = { appid: false, credProps: { rk: true }, hmacCreateSecret: true, prf: { enabled: true }, largeBlob: { supported: true } };
    expect(registrationResponse.Check({ ...s.registration, clientExtensionResults: ext })).toBe(true);
  });

  it('reject unknown fields at every level', async () => {
    const s = await samples();
    expect(registrationResponse.Check({ ...s.registration, extra: 1 })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, response: { ...s.registration.response, extra: 'x' } })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, clientExtensionResults: { somethingNew: true } })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, clientExtensionResults: { credProps: { rk: true, extra: 1 } } })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, clientExtensionResults: { prf: { enabled: true, results: { first: 'AAAA' } } } })).toBe(false);
    expect(authenticationResponse.Check({ ...s.assertion, extra: 1 })).toBe(false);
    expect(authenticationResponse.Check({ ...s.assertion, response: { ...s.assertion.response, attestationObject: 'AAAA' } })).toBe(false);
    expect(authenticationResponse.Check({ ...s.assertion, clientExtensionResults: { unknown: {} } })).toBe(false);
  });

  it('reject wrong types, missing members and malformed or oversize values', async () => {
    const s = await samples();
    const big = (n: number) => 'A'.repeat(n);
    expect(registrationResponse.Check({ ...s.registration, type: 'password' })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, authenticatorAttachment: 'roaming' })).toBe(false);
    const { clientExtensionResults: _c, ...noExt } = s.registration;
    expect(registrationResponse.Check(noExt)).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, id: big(1365), rawId: big(1365) })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, id: 'not+base64/' })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, id: '' })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, response: { ...s.registration.response, clientDataJSON: big(8193) } })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, response: { ...s.registration.response, attestationObject: big(65537) } })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, response: { ...s.registration.response, transports: Array(9).fill('usb') } })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, response: { ...s.registration.response, transports: [big(33)] } })).toBe(false);
    expect(registrationResponse.Check({ ...s.registration, response: { ...s.registration.response, transports: ['usb', 'some-future-transport'] } })).toBe(true);
    expect(registrationResponse.Check({ ...s.registration, response: { ...s.registration.response, publicKeyAlgorithm: 1.5 } })).toBe(false);
    expect(authenticationResponse.Check({ ...s.assertion, response: { ...s.assertion.response, signature: big(8193) } })).toBe(false);
    expect(authenticationResponse.Check({ ...s.assertion, response: { ...s.assertion.response, userHandle: big(87) } })).toBe(false);
    expect(authenticationResponse.Check({ ...s.assertion, response: { ...s.assertion.response, authenticatorData: big(16385) } })).toBe(false);
    const { signature: _sig, ...noSignature } = s.assertion.response;
    expect(authenticationResponse.Check({ ...s.assertion, response: noSignature })).toBe(false);
  });

  it('validate request bodies in Fastify with the server ajv settings', async () => {
    const s = await samples();
    const app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } } });
    app.post('/register', { schema: { body: WebauthnRegistrationResponse } }, async () => ({ ok: true }));
    app.post('/assert', { schema: { body: WebauthnAuthenticationResponse } }, async () => ({ ok: true }));
    try {
      expect((await app.inject({ method: 'POST', url: '/register', payload: s.registration })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/assert', payload: s.assertion })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/register', payload: { ...s.registration, extra: true } })).statusCode).toBe(400);
      expect((await app.inject({ method: 'POST', url: '/assert', payload: { ...s.assertion, clientExtensionResults: { x: 1 } } })).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('serialize every option the library returns (fast-json-stringify drops what the schema does not list)', async () => {
    const s = await samples();
    // Every field @simplewebauthn/server returns today must be present in our output.
    expect(Object.keys(s.registrationOptions).sort()).toEqual(
      ['attestation', 'authenticatorSelection', 'challenge', 'excludeCredentials', 'extensions', 'hints', 'pubKeyCredParams', 'rp', 'timeout', 'user'],
    );
    const app = Fastify();
    app.get('/register', { schema: { response: { 200: WebauthnRegistrationOptions } } }, async () => s.registrationOptions);
    app.get('/assert', { schema: { response: { 200: WebauthnAuthenticationOptions } } }, async () => s.authenticationOptions);
    try {
      const reg = await app.inject({ method: 'GET', url: '/register' });
      expect(reg.statusCode).toBe(200);
      expect(JSON.parse(reg.body)).toEqual(JSON.parse(JSON.stringify(s.registrationOptions)));
      const auth = await app.inject({ method: 'GET', url: '/assert' });
      expect(auth.statusCode).toBe(200);
      expect(JSON.parse(auth.body)).toEqual(JSON.parse(JSON.stringify(s.authenticationOptions)));
      // A browser can still run the ceremony with what went over the wire.
      const authenticator = new SoftAuthenticator();
      expect(registrationResponse.Check(authenticator.create(JSON.parse(reg.body), { origin }))).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('browser-extension origins (WEBAUTHN_EXTENSION_ORIGINS)', () => {
  const EXTENSION = `chrome-extension://${'a'.repeat(32)}`;
  const relyingParty = (env: Record<string, string>) => webauthnRelyingParty({ config: loadConfig({ PUBLIC_URL: 'https://vault.example.com', ...env }) } as Context);

  it('an assertion made in an extension page counts only when the operator listed that extension', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await register(authenticator);
    const assert = async (expectedOrigins: string[]) => {
      const { options, challenge } = await authenticationOptions({ rpId, credentials: [credential] });
      // The extension asserts for the server's RP ID with its own origin in clientDataJSON.
      const response = authenticator.get(options, { origin: EXTENSION });
      return verifyAuthentication({ response, expectedChallenge: challenge, expectedOrigins, rpId, credential });
    };
    const closed = relyingParty({});
    expect(closed).toEqual({ rpId, origins: [origin] });
    await expectInvalid(assert(closed.origins));
    const listed = relyingParty({ WEBAUTHN_EXTENSION_ORIGINS: EXTENSION });
    expect(listed.origins).toEqual([origin, EXTENSION]);
    // The refused assertion above still moved the authenticator's counter: this one is its second.
    const accepted = await assert(listed.origins);
    expect(accepted).toEqual({ newCounter: 2 });
    credential.counter = accepted.newCounter;
    // Another extension is still refused.
    await expectInvalid(assert(relyingParty({ WEBAUTHN_EXTENSION_ORIGINS: `chrome-extension://${'b'.repeat(32)}` }).origins));
  });
});
