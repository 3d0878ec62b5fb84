/**
 * Second factors end to end (issue 5): TOTP (RFC 6238), backup codes and WebAuthn security keys, through the SDK where
 * it has a call and raw requests where the exact body matters. Every time decision uses the server clock (`t.clock`):
 * TOTP codes are computed for `t.clock.now`, never `Date.now()`, and nothing sleeps.
 * Runs on SQLite + memory state, and on PostgreSQL + Redis when those are available (CI).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecondFactorAnswer, SecondFactorRequiredError, type Vault, WatchwordClient, reauthenticate } from '@watchword/client';
import {
  type MfaChallengeResponse,
  type TokenResponse,
  createDpopProof,
  decodeBase32,
  ensureOpaqueReady,
  generateDpopKeyPair,
  opaqueClient,
  parseOtpauthUri,
  toBase64Url,
  totp,
} from '@watchword/protocol';
import { findSecrets, type SoftAuthenticationResponse, SoftAuthenticator } from '@watchword/testkit';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { code } from '../support/error-code.ts';

const PUBLIC = 'http://watchword.test';
/** The web vault's origin: PUBLIC_URL in createTestApp (RP ID watchword.test). */
const ORIGIN = PUBLIC;
const PASSWORD = 'a long and fine passphrase';
const STEP = 30_000;
/** Crockford base32 (no I, L, O, U), 4-4-4. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BACKUP_CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

interface Reply {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

const body = (r: Reply) => JSON.parse(r.body) as Record<string, unknown>;
const errorOf = (r: Reply) => (JSON.parse(r.body) as { error?: { code: string } }).error?.code;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
const bogusToken = () => toBase64Url(randomBytes(32));

function expectError(r: Reply, status: number, errorCode: string): void {
  expect({ status: r.statusCode, code: errorOf(r) }).toEqual({ status, code: errorCode });
}

interface Totp {
  secret: Uint8Array;
  base32: string;
  backupCodes: string[];
}

/** Everything a test needs against one app; `secrets` collects what must never show up in the audit log. */
function harness(t: TestApp) {
  const secrets: Record<string, string> = {};
  const userIds = new Set<string>();
  let n = 0;
  const remember = (label: string, value: string) => {
    secrets[`${label} #${++n}`] = value;
  };

  const client = (dpop: 'generate' | false = false) => new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop });

  const rememberSession = (vault: Vault) => {
    userIds.add(vault.userId);
    remember('access token', vault.session.tokens.accessToken);
    remember('refresh token', vault.session.tokens.refreshToken);
    return vault;
  };

  const login = async (email: string, secondFactor?: (challenge: MfaChallengeResponse) => Promise<SecondFactorAnswer>, dpop: 'generate' | false = false) =>
    rememberSession(await client(dpop).login({ email, password: PASSWORD, deviceName: 'test', ...(secondFactor ? { secondFactor } : {}) }));

  const signUp = async (email: string): Promise<Vault> => {
    await client().register({ email, password: PASSWORD });
    return login(email);
  };

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

  const send = (method: 'POST' | 'DELETE' | 'GET', url: string, vault: Vault, payload?: unknown): Promise<Reply> =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${vault.session.tokens.accessToken}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });

  /** A raw OPAQUE login (start + finish) answered with the exact login/finish reply. */
  const rawLogin = async (email: string, options: { password?: string; dpopKey?: CryptoKeyPair } = {}): Promise<Reply> => {
    await ensureOpaqueReady();
    const password = options.password ?? PASSWORD;
    const { clientLoginState, startLoginRequest } = opaqueClient.startLogin(password);
    const start = await post('/api/v1/auth/login/start', { email, startLoginRequest });
    expect(start.statusCode).toBe(200);
    const s = body(start) as { loginId: string; loginResponse: string; kdfVersion: number };
    const { finishLoginRequest } = opaqueClient.finishLogin({ clientLoginState, loginResponse: s.loginResponse, password, kdfVersion: s.kdfVersion });
    const headers: Record<string, string> = options.dpopKey ? { dpop: await proof(options.dpopKey, '/api/v1/auth/login/finish') } : {};
    return post('/api/v1/auth/login/finish', { loginId: s.loginId, finishLoginRequest }, headers);
  };

  /** A DPoP proof dated by the server clock (the proof's iat is checked against it). */
  const proof = (key: CryptoKeyPair, path: string) => createDpopProof(key, { htm: 'POST', htu: `${PUBLIC}${path}`, iat: Math.floor(t.clock.now / 1000) });

  /** A login whose password is right, stopped at the second factor. */
  const challenge = async (email: string, dpopKey?: CryptoKeyPair): Promise<MfaChallengeResponse> => {
    const r = await rawLogin(email, dpopKey ? { dpopKey } : {});
    expect(r.statusCode).toBe(200);
    const c = body(r) as unknown as MfaChallengeResponse;
    expect(c.mfaRequired).toBe(true);
    remember('mfa token', c.mfaToken);
    return c;
  };

  const mfa = async (payload: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Reply> => {
    const r = await post('/api/v1/auth/mfa', payload, headers);
    if (r.statusCode === 200) {
      const tokens = body(r) as unknown as TokenResponse;
      remember('access token', tokens.accessToken);
      remember('refresh token', tokens.refreshToken);
    }
    return r;
  };

  /** The TOTP code for the step `offset` steps from now, by the server clock. */
  const totpAt = (secret: Uint8Array, offset = 0) => totp(secret, t.clock.now + offset * STEP);

  /** A code that matches none of the accepted steps (previous, current, next). */
  const wrongCode = async (secret: Uint8Array): Promise<string> => {
    const near = new Set(await Promise.all([-1, 0, 1].map((d) => totpAt(secret, d))));
    for (let i = 0; ; i++) {
      const candidate = String(i * 7919).padStart(6, '0');
      if (!near.has(candidate)) return candidate;
    }
  };

  const security = (vault: Vault) => client().security(vault.session);

  /** Enrols and confirms TOTP with the current step's code (so that step is used up). */
  const enableTotp = async (vault: Vault): Promise<Totp> => {
    const enrolment = await security(vault).enrolTotp(PASSWORD);
    const secret = parseOtpauthUri(enrolment.otpauthUri).secret;
    const backupCodes = await security(vault).confirmTotp(await totpAt(secret));
    expect(backupCodes).toHaveLength(10);
    remember('totp secret (base32)', enrolment.secret);
    remember('totp secret (base64url)', toBase64Url(secret));
    remember('totp secret (hex)', Buffer.from(secret).toString('hex'));
    for (const c of backupCodes ?? []) {
      remember('backup code', c);
      remember('backup code (normalised)', c.replaceAll('-', ''));
    }
    return { secret, base32: enrolment.secret, backupCodes: backupCodes ?? [] };
  };

  const reauthToken = async (vault: Vault): Promise<string> => {
    const token = await reauthenticate(vault.session, PASSWORD);
    remember('reauth token', token);
    return token;
  };

  /** Registers a security key held by `authenticator` through the SDK. */
  const addKey = async (vault: Vault, authenticator: SoftAuthenticator, name: string) => {
    const options = await security(vault).webauthnRegistrationOptions(PASSWORD);
    const added = await security(vault).addWebauthn(name, authenticator.create(options, { origin: ORIGIN }));
    for (const c of added.backupCodes ?? []) remember('backup code', c);
    return added;
  };

  const assertion = (authenticator: SoftAuthenticator, c: MfaChallengeResponse, tamper?: Parameters<SoftAuthenticator['get']>[1]['tamper']): SoftAuthenticationResponse => {
    if (!c.webauthn) throw new Error('no WebAuthn options in the challenge');
    return authenticator.get(c.webauthn, { origin: ORIGIN, ...(tamper ? { tamper } : {}) });
  };

  return { secrets, userIds, remember, client, login, signUp, post, send, rawLogin, proof, challenge, mfa, totpAt, wrongCode, security, enableTotp, reauthToken, addKey, assertion };
}

describe.each(backendsUnderTest())('second factors ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let h: ReturnType<typeof harness>;

  beforeAll(async () => {
    // Many deliberate failures from one IP across the suite: the IP block (its own test in throttle.test.ts) is lifted.
    t = await createTestApp(dialect, { LOGIN_IP_BLOCK_FAILURES: '100000' }, { state });
    h = harness(t);
  });
  afterAll(async () => t?.close());

  describe('TOTP', () => {
    const email = 'tess@example.com';
    let tess: Vault;
    let enrolment: { secret: string; otpauthUri: string };
    let secret: Uint8Array;
    let backupCodes: string[];

    beforeAll(async () => {
      tess = await h.signUp(email);
    });

    it('enrolment needs fresh authentication: a wrong password, no token, a used token, another session’s token all fail', async () => {
      expect(await code(h.security(tess).enrolTotp('not the password'))).toBe('INVALID_CREDENTIALS');
      // Straight to the endpoint: without a token (schema), with a made-up one.
      expectError(await h.send('POST', '/api/v1/account/mfa/totp', tess, {}), 400, 'VALIDATION_FAILED');
      expectError(await h.send('POST', '/api/v1/account/mfa/totp', tess, { reauthToken: bogusToken() }), 401, 'REAUTH_REQUIRED');
      expect((await h.security(tess).status()).totp).toEqual({ enabled: false, pending: false });

      // A token is single-use.
      const token = await h.reauthToken(tess);
      expect((await h.send('POST', '/api/v1/account/mfa/totp', tess, { reauthToken: token })).statusCode).toBe(200);
      expectError(await h.send('POST', '/api/v1/account/mfa/totp', tess, { reauthToken: token }), 401, 'REAUTH_REQUIRED');

      // A token is bound to the session that proved the password: another session of the same user cannot use it.
      const other = await h.login(email);
      const othersToken = await h.reauthToken(other);
      expectError(await h.send('POST', '/api/v1/account/mfa/totp', tess, { reauthToken: othersToken }), 401, 'REAUTH_REQUIRED');
      // A reauth token is not an access token either.
      const asBearer = await t.app.inject({ method: 'GET', url: '/api/v1/account/mfa', headers: { authorization: `Bearer ${await h.reauthToken(tess)}` } });
      expect(asBearer.statusCode).toBe(401);
    });

    it('the otpauth URI parses (issuer Watchword, SHA1/6/30) and its secret gives the codes; pending until confirmed', async () => {
      enrolment = await h.security(tess).enrolTotp(PASSWORD);
      h.remember('totp secret', enrolment.secret);
      expect(enrolment.otpauthUri.startsWith('otpauth://totp/Watchword:tess%40example.com?')).toBe(true);
      const parsed = parseOtpauthUri(enrolment.otpauthUri);
      expect(parsed.issuer).toBe('Watchword');
      expect(parsed.account).toBe(email);
      expect(parsed.params).toEqual({ algorithm: 'SHA-1', digits: 6, period: 30 });
      expect(parsed.secret).toEqual(decodeBase32(enrolment.secret));
      expect(parsed.secret).toHaveLength(20);
      secret = parsed.secret;
      expect(await h.totpAt(secret)).toMatch(/^[0-9]{6}$/);

      expect(await h.security(tess).status()).toEqual({ totp: { enabled: false, pending: true }, webauthn: [], backupCodes: { remaining: 0 } });
      // Not active yet: logins get tokens straight away.
      const login = await h.rawLogin(email);
      expect(login.statusCode).toBe(200);
      expect(Object.keys(body(login)).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
      expect((await h.login(email)).userId).toBe(tess.userId);
    });

    it('confirming with a wrong code fails; the right code enables TOTP and returns ten backup codes, once', async () => {
      expect(await code(h.security(tess).confirmTotp(await h.wrongCode(secret)))).toBe('INVALID_SECOND_FACTOR');
      expect((await h.security(tess).status()).totp).toEqual({ enabled: false, pending: true });
      const failed = (await t.storage.audit.listForUser(tess.userId, 50)).filter((e) => e.action === 'mfa.totp_enabled' && e.outcome === 'failure');
      expect(failed.map((e) => e.context.reason)).toEqual(['wrong_code']);

      const codes = await h.security(tess).confirmTotp(await h.totpAt(secret));
      expect(codes).toHaveLength(10);
      backupCodes = codes ?? [];
      for (const c of backupCodes) {
        expect(c).toMatch(BACKUP_CODE);
        h.remember('backup code', c);
      }
      expect(new Set(backupCodes).size).toBe(10);
      expect(await h.security(tess).status()).toEqual({ totp: { enabled: true, pending: false }, webauthn: [], backupCodes: { remaining: 10 } });

      // Confirmed is confirmed: a second confirm, or a new enrolment, cannot replace the active seed.
      expect(await code(h.security(tess).confirmTotp(await h.totpAt(secret, 1)))).toBe('FACTOR_ALREADY_ENABLED');
      const sealed = (await t.storage.mfa.getTotp(tess.userId))?.seedSealed;
      expect(await code(h.security(tess).enrolTotp(PASSWORD))).toBe('FACTOR_ALREADY_ENABLED');
      expect((await t.storage.mfa.getTotp(tess.userId))?.seedSealed).toBe(sealed);
    });

    it('login now answers mfaRequired (no tokens); a computed code completes it; an mfaToken is single-use', async () => {
      const r = await h.rawLogin(email);
      expect(r.statusCode).toBe(200);
      const c = body(r);
      expect(Object.keys(c).sort()).toEqual(['expiresIn', 'methods', 'mfaRequired', 'mfaToken']);
      expect(c).toMatchObject({ mfaRequired: true, expiresIn: 300, methods: ['totp', 'backup_code'] });
      expect(c.mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(r.body).not.toMatch(/accessToken|refreshToken/);
      const mfaToken = c.mfaToken as string;
      h.remember('mfa token', mfaToken);

      // Through the SDK, without a prompt: a typed error listing the methods, not a session.
      const refused = await h.client().login({ email, password: PASSWORD }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SecondFactorRequiredError);
      expect((refused as SecondFactorRequiredError).methods).toEqual(['totp', 'backup_code']);

      // The confirmation used this step's code: the next step's is the first one that works.
      t.clock.advance(STEP);
      const done = await h.mfa({ mfaToken, method: 'totp', code: await h.totpAt(secret) });
      expect(done.statusCode).toBe(200);
      const tokens = body(done) as unknown as TokenResponse;
      expect(tokens.tokenType).toBe('Bearer');
      const account = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${tokens.accessToken}` } });
      expect(account.statusCode).toBe(200);
      expect(JSON.parse(account.body).userId).toBe(tess.userId);

      // Used up by its success; an unknown token is no better.
      expectError(await h.mfa({ mfaToken, method: 'totp', code: await h.totpAt(secret, 1) }), 401, 'HANDSHAKE_EXPIRED');
      expectError(await h.mfa({ mfaToken: bogusToken(), method: 'totp', code: await h.totpAt(secret, 1) }), 401, 'HANDSHAKE_EXPIRED');

      // The SDK with a prompt.
      t.clock.advance(STEP);
      const methods: string[][] = [];
      const vault = await h.login(email, async (challenge) => {
        methods.push(challenge.methods);
        return { method: 'totp', code: await h.totpAt(secret) };
      });
      expect(vault.userId).toBe(tess.userId);
      expect(methods).toEqual([['totp', 'backup_code']]);
    });

    it('a code works once (RFC 6238 §5.2): the same code on another login is refused, the next step’s works', async () => {
      t.clock.advance(STEP);
      const used = await h.totpAt(secret);
      expect((await h.mfa({ mfaToken: (await h.challenge(email)).mfaToken, method: 'totp', code: used })).statusCode).toBe(200);

      const again = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: again.mfaToken, method: 'totp', code: used }), 401, 'INVALID_SECOND_FACTOR');
      // A wrong code does not end the login: the same token, the next step.
      t.clock.advance(STEP);
      const next = await h.totpAt(secret);
      expect(next).not.toBe(used);
      expect((await h.mfa({ mfaToken: again.mfaToken, method: 'totp', code: next })).statusCode).toBe(200);
    });

    it('codes of the previous and next step are accepted, two steps away are not', async () => {
      // Four steps on: the last used step is well behind, so only the window decides.
      t.clock.advance(4 * STEP);
      const c1 = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: c1.mfaToken, method: 'totp', code: await h.totpAt(secret, -2) }), 401, 'INVALID_SECOND_FACTOR');
      expectError(await h.mfa({ mfaToken: c1.mfaToken, method: 'totp', code: await h.totpAt(secret, 2) }), 401, 'INVALID_SECOND_FACTOR');
      expect((await h.mfa({ mfaToken: c1.mfaToken, method: 'totp', code: await h.totpAt(secret, -1) })).statusCode).toBe(200);

      const c2 = await h.challenge(email);
      expect((await h.mfa({ mfaToken: c2.mfaToken, method: 'totp', code: await h.totpAt(secret, 1) })).statusCode).toBe(200);
      // Having used the next step, the current one is older than the last used: refused.
      const c3 = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: c3.mfaToken, method: 'totp', code: await h.totpAt(secret) }), 401, 'INVALID_SECOND_FACTOR');
      t.clock.advance(2 * STEP);
      expect((await h.mfa({ mfaToken: c3.mfaToken, method: 'totp', code: await h.totpAt(secret) })).statusCode).toBe(200);
    });

    it('five wrong codes end the mfaToken (HANDSHAKE_EXPIRED), even for the right code after them', async () => {
      t.clock.advance(STEP);
      const c = await h.challenge(email);
      const wrong = await h.wrongCode(secret);
      for (let i = 0; i < 5; i++) expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: wrong }), 401, 'INVALID_SECOND_FACTOR');
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: await h.totpAt(secret) }), 401, 'HANDSHAKE_EXPIRED');
      // The right code was not spent by the dead token: a new login (once the 1 s backoff has passed) takes it.
      t.clock.advance(1_000);
      expect((await h.mfa({ mfaToken: (await h.challenge(email)).mfaToken, method: 'totp', code: await h.totpAt(secret) })).statusCode).toBe(200);
    });

    it('races: one code on two logins at once, and two answers on one login at once, succeed once', async () => {
      t.clock.advance(STEP);
      const [a, b] = [await h.challenge(email), await h.challenge(email)];
      const racing = await h.totpAt(secret);
      const twoLogins = await Promise.all([a, b].map((c) => h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: racing })));
      expect(twoLogins.map((r) => r.statusCode).sort()).toEqual([200, 401]);
      expect(twoLogins.map(errorOf).filter(Boolean)).toEqual(['INVALID_SECOND_FACTOR']);

      t.clock.advance(STEP);
      const c = await h.challenge(email);
      const answer = { mfaToken: c.mfaToken, method: 'totp', code: await h.totpAt(secret) };
      const oneLogin = await Promise.all([h.mfa(answer), h.mfa(answer)]);
      expect(oneLogin.map((r) => r.statusCode).sort()).toEqual([200, 401]);
      expect(['HANDSHAKE_EXPIRED', 'INVALID_SECOND_FACTOR']).toContain(oneLogin.map(errorOf).find(Boolean));
    });

    it('an mfaToken expires five minutes after the password step (server clock)', async () => {
      t.clock.advance(STEP);
      const c = await h.challenge(email);
      t.clock.advance(5 * 60_000 - 1_000);
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: await h.wrongCode(secret) }), 401, 'INVALID_SECOND_FACTOR');
      t.clock.advance(1_000);
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: await h.totpAt(secret) }), 401, 'HANDSHAKE_EXPIRED');
      // The code was not spent by the expired login.
      expect((await h.mfa({ mfaToken: (await h.challenge(email)).mfaToken, method: 'totp', code: await h.totpAt(secret) })).statusCode).toBe(200);
    });

    it('disabling TOTP needs a current code; afterwards login needs no second factor and the backup codes are gone', async () => {
      t.clock.advance(STEP);
      expect(await code(h.security(tess).disableTotp(await h.wrongCode(secret)))).toBe('INVALID_SECOND_FACTOR');
      expectError(await h.send('DELETE', '/api/v1/account/mfa/totp', tess, {}), 400, 'VALIDATION_FAILED');
      expect((await h.security(tess).status()).totp.enabled).toBe(true);
      // A code already used (the last login's) does not do either.
      expect(await code(h.security(tess).disableTotp(await h.totpAt(secret, -1)))).toBe('INVALID_SECOND_FACTOR');

      await h.security(tess).disableTotp(await h.totpAt(secret));
      expect(await h.security(tess).status()).toEqual({ totp: { enabled: false, pending: false }, webauthn: [], backupCodes: { remaining: 0 } });
      expect(await t.storage.mfa.getTotp(tess.userId)).toBeUndefined();
      expect(await t.storage.mfa.listUnusedBackupCodes(tess.userId)).toEqual([]);
      const login = await h.rawLogin(email);
      expect(Object.keys(body(login)).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
      expect((await h.login(email)).userId).toBe(tess.userId);
      expect(await code(h.security(tess).disableTotp(await h.totpAt(secret, 1)))).toBe('FACTOR_NOT_FOUND');
      expect(backupCodes).toHaveLength(10);
    });
  });

  describe('backup codes', () => {
    const email = 'bea@example.com';
    let bea: Vault;
    let factor: Totp;

    beforeAll(async () => {
      bea = await h.signUp(email);
      factor = await h.enableTotp(bea);
    });

    it('a code works once; wrong and malformed codes fail; case and dashes do not matter', async () => {
      const [first, second] = factor.backupCodes as [string, string];
      expect((await h.mfa({ mfaToken: (await h.challenge(email)).mfaToken, method: 'backup_code', code: first })).statusCode).toBe(200);

      const c = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: first }), 401, 'INVALID_SECOND_FACTOR');
      // Well-formed but not one of hers.
      const stranger = Array.from({ length: 12 }, () => CROCKFORD[randomInt(CROCKFORD.length)]).join('');
      expect(factor.backupCodes.map((b) => b.replaceAll('-', ''))).not.toContain(stranger);
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: stranger }), 401, 'INVALID_SECOND_FACTOR');
      // Right length, letters outside the alphabet (U is not Crockford base32); one symbol short.
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: 'UUUU-UUUU-UUUU' }), 401, 'INVALID_SECOND_FACTOR');
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: second.slice(0, -1) }), 401, 'INVALID_SECOND_FACTOR');
      // Lower case without dashes is the same code.
      const typed = second.toLowerCase().replaceAll('-', '');
      expect((await h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: typed })).statusCode).toBe(200);
      expect((await h.security(bea).status()).backupCodes.remaining).toBe(8);
    });

    it('regenerating needs fresh authentication and replaces the whole set', async () => {
      expectError(await h.send('POST', '/api/v1/account/mfa/backup-codes', bea, { reauthToken: bogusToken() }), 401, 'REAUTH_REQUIRED');
      expect(await code(h.security(bea).regenerateBackupCodes('not the password'))).toBe('INVALID_CREDENTIALS');
      expect((await h.security(bea).status()).backupCodes.remaining).toBe(8);

      const fresh = await h.security(bea).regenerateBackupCodes(PASSWORD);
      for (const c of fresh) h.remember('backup code', c);
      expect(fresh).toHaveLength(10);
      for (const c of fresh) expect(c).toMatch(BACKUP_CODE);
      expect(fresh.filter((c) => factor.backupCodes.includes(c))).toEqual([]);
      expect((await h.security(bea).status()).backupCodes.remaining).toBe(10);

      const unusedOld = factor.backupCodes[2] as string;
      const c = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: unusedOld }), 401, 'INVALID_SECOND_FACTOR');
      expect((await h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: fresh[0] as string })).statusCode).toBe(200);
      expect((await h.security(bea).status()).backupCodes.remaining).toBe(9);
      factor.backupCodes = fresh;
    });

    it('the database holds Argon2id PHC strings for the codes and a sealed TOTP seed, never the values', async () => {
      const stored = await t.storage.mfa.listUnusedBackupCodes(bea.userId);
      expect(stored).toHaveLength(9);
      expect(new Set(stored.map((s) => s.hash)).size).toBe(9);
      for (const { hash } of stored) {
        expect(hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
        for (const c of factor.backupCodes) {
          expect(hash).not.toContain(c);
          expect(hash).not.toContain(c.replaceAll('-', ''));
        }
      }

      const totpRow = await t.storage.mfa.getTotp(bea.userId);
      expect(totpRow?.confirmedAt).not.toBeNull();
      const sealed = totpRow?.seedSealed ?? '';
      expect(sealed.length).toBeGreaterThan(0);
      expect(findSecrets(sealed, { base32: factor.base32, base64url: toBase64Url(factor.secret), hex: Buffer.from(factor.secret).toString('hex') })).toEqual([]);
      expect(sealed.toUpperCase()).not.toContain(factor.base32);
      const sealedBytes = Buffer.from(sealed, 'base64url');
      expect(sealedBytes.indexOf(Buffer.from(factor.secret))).toBe(-1);
      expect(sealedBytes.indexOf(Buffer.from(factor.base32))).toBe(-1);
    });

    it('one backup code on two logins at once works once', async () => {
      const racing = factor.backupCodes[1] as string;
      const [a, b] = [await h.challenge(email), await h.challenge(email)];
      const results = await Promise.all([a, b].map((c) => h.mfa({ mfaToken: c.mfaToken, method: 'backup_code', code: racing })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
      expect((await h.security(bea).status()).backupCodes.remaining).toBe(8);
    });
  });

  describe('WebAuthn security keys', () => {
    const email = 'wes@example.com';
    let wes: Vault;
    let otto: Vault;
    const keyA = new SoftAuthenticator();
    const keyB = new SoftAuthenticator();
    const ottosKey = new SoftAuthenticator();
    let idA: string;
    let idB: string;
    let backupCodes: string[];

    beforeAll(async () => {
      wes = await h.signUp(email);
      otto = await h.signUp('otto@example.com');
    });

    it('registration options need fresh authentication; a response without options, or from another origin, is refused', async () => {
      expectError(await h.send('POST', '/api/v1/account/mfa/webauthn/options', wes, { reauthToken: bogusToken() }), 401, 'REAUTH_REQUIRED');
      expectError(await h.send('POST', '/api/v1/account/mfa/webauthn/options', wes, {}), 400, 'VALIDATION_FAILED');
      expect(await code(h.security(wes).webauthnRegistrationOptions('not the password'))).toBe('INVALID_CREDENTIALS');

      // No options asked for: there is no challenge to answer.
      const stray = new SoftAuthenticator().create(
        {
          challenge: bogusToken(),
          rp: { name: 'Watchword', id: 'watchword.test' },
          user: { id: toBase64Url(randomBytes(16)), name: email, displayName: email },
          pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
        },
        { origin: ORIGIN },
      );
      expect(await code(h.security(wes).addWebauthn('stray', stray))).toBe('HANDSHAKE_EXPIRED');

      // Signed for another site.
      const options = await h.security(wes).webauthnRegistrationOptions(PASSWORD);
      const phished = new SoftAuthenticator().create(options, { origin: 'https://watchword.example' });
      expect(await code(h.security(wes).addWebauthn('phished', phished))).toBe('INVALID_SECOND_FACTOR');
      // Options asked for by another session of the same user do not count for this one.
      const other = await h.login(email);
      const othersOptions = await h.security(other).webauthnRegistrationOptions(PASSWORD);
      expect(await code(h.security(wes).addWebauthn('elsewhere', new SoftAuthenticator().create(othersOptions, { origin: ORIGIN })))).toBe('HANDSHAKE_EXPIRED');
      expect((await h.security(wes).status()).webauthn).toEqual([]);
    });

    it('registers several keys, listed by name; the first comes with backup codes', async () => {
      const options = await h.security(wes).webauthnRegistrationOptions(PASSWORD);
      expect(options.rp).toEqual({ name: 'Watchword', id: 'watchword.test' });
      expect(options.user.name).toBe(email);
      expect(options.excludeCredentials ?? []).toEqual([]);
      const first = await h.security(wes).addWebauthn('YubiKey 5', keyA.create(options, { origin: ORIGIN }));
      expect(first.credential.name).toBe('YubiKey 5');
      expect(first.backupCodes).toHaveLength(10);
      backupCodes = first.backupCodes ?? [];
      for (const c of backupCodes) {
        expect(c).toMatch(BACKUP_CODE);
        h.remember('backup code', c);
      }
      idA = first.credential.id;
      expect(idA).toBe(toBase64Url(keyA.credentials[0]?.id ?? new Uint8Array()));

      // The second ceremony excludes the first key (an authenticator does not enrol twice).
      const options2 = await h.security(wes).webauthnRegistrationOptions(PASSWORD);
      expect(options2.excludeCredentials?.map((c) => c.id)).toEqual([idA]);
      expect(() => keyA.create(options2, { origin: ORIGIN })).toThrow(/already registered/);
      const second = await h.security(wes).addWebauthn('Backup key', keyB.create(options2, { origin: ORIGIN }));
      expect(second.backupCodes).toBeUndefined();
      idB = second.credential.id;

      const status = await h.security(wes).status();
      expect(status.totp).toEqual({ enabled: false, pending: false });
      expect(status.backupCodes.remaining).toBe(10);
      // Both were added at the same (frozen) instant: the order among them is not specified.
      const listed = status.webauthn.map((k) => ({ id: k.id, name: k.name, lastUsedAt: k.lastUsedAt })).sort((a, b) => a.name.localeCompare(b.name));
      expect(listed).toEqual([
        { id: idB, name: 'Backup key', lastUsedAt: null },
        { id: idA, name: 'YubiKey 5', lastUsedAt: null },
      ]);
      await h.addKey(otto, ottosKey, 'Otto’s key');
    });

    it('login offers webauthn with both keys; an assertion from either completes it', async () => {
      const c = await h.challenge(email);
      expect(c.methods).toEqual(['webauthn', 'backup_code']);
      expect(c.webauthn?.rpId).toBe('watchword.test');
      expect(c.webauthn?.challenge).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(c.webauthn?.allowCredentials?.map((d) => d.id).sort()).toEqual([idA, idB].sort());
      for (const d of c.webauthn?.allowCredentials ?? []) expect(d.type).toBe('public-key');

      const done = await h.mfa({ mfaToken: c.mfaToken, method: 'webauthn', response: h.assertion(keyA, c) });
      expect(done.statusCode).toBe(200);
      expect((await t.storage.mfa.listWebauthn(wes.userId)).find((k) => k.id === idA)?.counter).toBe(keyA.counter);
      const used = (await h.security(wes).status()).webauthn.find((k) => k.id === idA);
      expect(used?.lastUsedAt).toBe(t.clock.now);

      // Through the SDK, with the other key.
      const vault = await h.login(email, async (challenge) => ({ method: 'webauthn', response: keyB.get(challenge.webauthn ?? { challenge: '' }, { origin: ORIGIN }) }));
      expect(vault.userId).toBe(wes.userId);
      // And the same assertion cannot be replayed on a new login.
      const replayed = h.assertion(keyB, await h.challenge(email));
      const c2 = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: c2.mfaToken, method: 'webauthn', response: replayed }), 401, 'INVALID_SECOND_FACTOR');
    });

    it('a signature counter that goes back is refused (cloned authenticator)', async () => {
      const stored = (await t.storage.mfa.listWebauthn(wes.userId)).find((k) => k.id === idA)?.counter ?? 0;
      expect(stored).toBeGreaterThan(0);
      keyA.counter = stored - 1; // the next assertion carries `stored`: not greater
      const c = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'webauthn', response: h.assertion(keyA, c) }), 401, 'INVALID_SECOND_FACTOR');
      keyA.counter = 0;
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'webauthn', response: h.assertion(keyA, c) }), 401, 'INVALID_SECOND_FACTOR');
      expect((await t.storage.mfa.listWebauthn(wes.userId)).find((k) => k.id === idA)?.counter).toBe(stored);
      // A counter ahead of the stored one is fine (the same token, a third attempt).
      keyA.counter = stored + 10;
      expect((await h.mfa({ mfaToken: c.mfaToken, method: 'webauthn', response: h.assertion(keyA, c) })).statusCode).toBe(200);
      expect((await t.storage.mfa.listWebauthn(wes.userId)).find((k) => k.id === idA)?.counter).toBe(stored + 11);
    });

    it('an assertion signed for another challenge, a bad signature, or another user’s key is refused', async () => {
      const c1 = await h.challenge(email);
      const c2 = await h.challenge(email);
      const forC1 = h.assertion(keyA, c1);
      expectError(await h.mfa({ mfaToken: c2.mfaToken, method: 'webauthn', response: forC1 }), 401, 'INVALID_SECOND_FACTOR');
      expectError(await h.mfa({ mfaToken: c2.mfaToken, method: 'webauthn', response: h.assertion(keyA, c2, { challenge: bogusToken() }) }), 401, 'INVALID_SECOND_FACTOR');
      expectError(await h.mfa({ mfaToken: c2.mfaToken, method: 'webauthn', response: h.assertion(keyA, c2, { flipSignature: true }) }), 401, 'INVALID_SECOND_FACTOR');
      // Otto's key, asked without an allow list, signs Wes's challenge: not Wes's credential. Nor when it claims to be.
      const byOtto = ottosKey.get({ challenge: c2.webauthn?.challenge ?? '', rpId: 'watchword.test' }, { origin: ORIGIN });
      expectError(await h.mfa({ mfaToken: c2.mfaToken, method: 'webauthn', response: byOtto }), 401, 'INVALID_SECOND_FACTOR');
      const posing = ottosKey.get({ challenge: c2.webauthn?.challenge ?? '', rpId: 'watchword.test' }, { origin: ORIGIN, tamper: { credentialId: idA } });
      expectError(await h.mfa({ mfaToken: c2.mfaToken, method: 'webauthn', response: posing }), 401, 'INVALID_SECOND_FACTOR');
      // The genuine assertion for c1 still completes c1 (it was refused only where it did not belong) — once the
      // 1 s backoff armed by the fifth failure in a row has passed.
      t.clock.advance(1_000);
      expect((await h.mfa({ mfaToken: c1.mfaToken, method: 'webauthn', response: forC1 })).statusCode).toBe(200);
    });

    it('removing a key needs fresh authentication and only works on one’s own; with no factor left, backup codes go and login needs no MFA', async () => {
      const idPath = (id: string) => `/api/v1/account/mfa/webauthn/${encodeURIComponent(id)}`;
      expectError(await h.send('DELETE', idPath(idA), wes, { reauthToken: bogusToken() }), 401, 'REAUTH_REQUIRED');
      expect(await code(h.security(wes).removeWebauthn(idA, 'not the password'))).toBe('INVALID_CREDENTIALS');
      expect(await code(h.security(otto).removeWebauthn(idA, PASSWORD))).toBe('FACTOR_NOT_FOUND');
      expect((await h.security(wes).status()).webauthn).toHaveLength(2);

      await h.security(wes).removeWebauthn(idA, PASSWORD);
      const status = await h.security(wes).status();
      expect(status.webauthn.map((k) => k.id)).toEqual([idB]);
      expect(status.backupCodes.remaining).toBe(10);
      const c = await h.challenge(email);
      expect(c.webauthn?.allowCredentials?.map((d) => d.id)).toEqual([idB]);
      // The removed key no longer counts.
      keyA.counter += 100;
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'webauthn', response: keyA.get({ challenge: c.webauthn?.challenge ?? '', rpId: 'watchword.test' }, { origin: ORIGIN }) }), 401, 'INVALID_SECOND_FACTOR');

      await h.security(wes).removeWebauthn(idB, PASSWORD);
      expect(await h.security(wes).status()).toEqual({ totp: { enabled: false, pending: false }, webauthn: [], backupCodes: { remaining: 0 } });
      expect(await t.storage.mfa.listUnusedBackupCodes(wes.userId)).toEqual([]);
      const login = await h.rawLogin(email);
      expect(Object.keys(body(login)).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
      expect(await code(h.security(wes).removeWebauthn(idB, PASSWORD))).toBe('FACTOR_NOT_FOUND');
      // Otto's key is untouched.
      expect((await h.security(otto).status()).webauthn).toHaveLength(1);
      expect(backupCodes).toHaveLength(10);
    });
  });

  describe('bad input', () => {
    const email = 'bad@example.com';
    let bad: Vault;
    let factor: Totp;

    beforeAll(async () => {
      bad = await h.signUp(email);
      factor = await h.enableTotp(bad);
    });

    it('POST /auth/mfa: unknown fields, a 7-digit code, method sms, oversize WebAuthn fields → 400; the login survives', async () => {
      const c = await h.challenge(email);
      const good = await h.totpAt(factor.secret, 1);
      const webauthn = {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
        clientExtensionResults: {},
      };
      const cases: [Record<string, unknown>, string][] = [
        [{ mfaToken: c.mfaToken, method: 'totp', code: good, userId: bad.userId }, 'UNKNOWN_FIELD'],
        [{ mfaToken: c.mfaToken, method: 'totp', code: `${good}1` }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'totp', code: good.slice(1) }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'totp', code: 123456 }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'sms', code: good }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, code: good }, 'VALIDATION_FAILED'],
        [{ method: 'totp', code: good }, 'VALIDATION_FAILED'],
        [{ mfaToken: 'not a token!', method: 'totp', code: good }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'backup_code', code: 'A'.repeat(33) }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'backup_code', code: 'ABCD_EFGH;JKMN' }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'webauthn', response: { ...webauthn, id: 'A'.repeat(2000), rawId: 'A'.repeat(2000) } }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'webauthn', response: { ...webauthn, response: { ...webauthn.response, clientDataJSON: 'A'.repeat(9000) } } }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'webauthn', response: { ...webauthn, response: { ...webauthn.response, signature: 'A'.repeat(9000) } } }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'webauthn', response: { ...webauthn, response: { ...webauthn.response, authenticatorData: 'A'.repeat(17000) } } }, 'VALIDATION_FAILED'],
        [{ mfaToken: c.mfaToken, method: 'webauthn', response: { ...webauthn, clientExtensionResults: { prf: { results: { first: 'AAAA' } } } } }, 'VALIDATION_FAILED'],
      ];
      const failuresBefore = (await t.storage.audit.listForUser(bad.userId, 100)).filter((e) => e.action === 'auth.mfa').length;
      for (const [payload, expected] of cases) {
        const r = await h.mfa(payload);
        expect({ payload, status: r.statusCode, code: errorOf(r) }).toEqual({ payload, status: 400, code: expected });
        expect(r.body).not.toMatch(/at .*\.ts:\d+|node_modules/);
      }
      // Nothing was checked or counted: no audit event, and the same token still completes with the right code.
      expect((await t.storage.audit.listForUser(bad.userId, 100)).filter((e) => e.action === 'auth.mfa').length).toBe(failuresBefore);
      expect((await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: good })).statusCode).toBe(200);
    });

    it('account endpoints: unknown fields, bad codes and oversize WebAuthn fields → 400 and nothing changes', async () => {
      const before = await h.security(bad).status();
      const storedCodes = await t.storage.mfa.listUnusedBackupCodes(bad.userId);
      const reauthToken = bogusToken();
      const cases: [method: 'POST' | 'DELETE', url: string, payload: unknown, expected: string][] = [
        ['POST', '/api/v1/account/mfa/totp', { reauthToken, secret: factor.base32 }, 'UNKNOWN_FIELD'],
        ['POST', '/api/v1/account/mfa/totp/confirm', { code: '1234567' }, 'VALIDATION_FAILED'],
        ['POST', '/api/v1/account/mfa/totp/confirm', { code: '123456', seed: factor.base32 }, 'UNKNOWN_FIELD'],
        ['DELETE', '/api/v1/account/mfa/totp', { code: '12345a' }, 'VALIDATION_FAILED'],
        ['DELETE', '/api/v1/account/mfa/totp', { code: '1234567' }, 'VALIDATION_FAILED'],
        ['POST', '/api/v1/account/mfa/backup-codes', { reauthToken, count: 100 }, 'UNKNOWN_FIELD'],
        ['POST', '/api/v1/account/mfa/webauthn/options', { reauthToken, attestation: 'direct' }, 'UNKNOWN_FIELD'],
        ['DELETE', `/api/v1/account/mfa/webauthn/${'A'.repeat(1400)}`, { reauthToken }, 'VALIDATION_FAILED'],
      ];
      for (const [method, url, payload, expected] of cases) {
        const r = await h.send(method, url, bad, payload);
        expect({ url, payload, status: r.statusCode, code: errorOf(r) }).toEqual({ url, payload, status: 400, code: expected });
      }

      // A real registration response with one bad field is refused before the ceremony is touched: fixed, it passes.
      const key = new SoftAuthenticator();
      const options = await h.security(bad).webauthnRegistrationOptions(PASSWORD);
      const response = key.create(options, { origin: ORIGIN });
      const refused: [unknown, string][] = [
        [{ name: 'n'.repeat(65), response }, 'VALIDATION_FAILED'],
        [{ name: '', response }, 'VALIDATION_FAILED'],
        [{ name: 'tab\there', response }, 'VALIDATION_FAILED'],
        [{ name: 'ok', response, counter: 0 }, 'UNKNOWN_FIELD'],
        [{ name: 'ok', response: { ...response, response: { ...response.response, attestationObject: 'A'.repeat(70_000) } } }, 'VALIDATION_FAILED'],
        [{ name: 'ok', response: { ...response, response: { ...response.response, publicKey: 'A'.repeat(9000) } } }, 'VALIDATION_FAILED'],
        [{ name: 'ok', response: { ...response, response: { ...response.response, transports: Array.from({ length: 9 }, () => 'usb') } } }, 'VALIDATION_FAILED'],
        [{ name: 'ok', response: { ...response, id: 'A'.repeat(1400), rawId: 'A'.repeat(1400) } }, 'VALIDATION_FAILED'],
      ];
      for (const [payload, expected] of refused) {
        const r = await h.send('POST', '/api/v1/account/mfa/webauthn', bad, payload);
        expect({ status: r.statusCode, code: errorOf(r) }).toEqual({ status: 400, code: expected });
      }
      expect(await h.security(bad).status()).toEqual(before);
      expect(await t.storage.mfa.listUnusedBackupCodes(bad.userId)).toEqual(storedCodes);
      const added = await h.security(bad).addWebauthn('Fine name', response);
      expect(added.credential.name).toBe('Fine name');
    });
  });

  it('audit: every factor event is recorded (success and failure), and no row holds a secret, code or token', async () => {
    const email = 'audi@example.com';
    const audi = await h.signUp(email);
    const factor = await h.enableTotp(audi);
    t.clock.advance(STEP);
    const c = await h.challenge(email);
    expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: await h.wrongCode(factor.secret) }), 401, 'INVALID_SECOND_FACTOR');
    expect((await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: await h.totpAt(factor.secret) })).statusCode).toBe(200);
    expect((await h.mfa({ mfaToken: (await h.challenge(email)).mfaToken, method: 'backup_code', code: factor.backupCodes[0] as string })).statusCode).toBe(200);
    const key = new SoftAuthenticator();
    const added = await h.addKey(audi, key, 'Audit key');
    await h.security(audi).removeWebauthn(added.credential.id, PASSWORD);
    t.clock.advance(STEP);
    expect(await code(h.security(audi).disableTotp(await h.wrongCode(factor.secret)))).toBe('INVALID_SECOND_FACTOR');
    await h.security(audi).disableTotp(await h.totpAt(factor.secret));

    const rows = await t.storage.audit.listForUser(audi.userId, 100);
    const seen = rows.map((e) => `${e.action}:${e.outcome}`);
    for (const expected of [
      'mfa.totp_enabled:success',
      'mfa.backup_codes_generated:success',
      'auth.mfa:success',
      'auth.mfa:failure',
      'mfa.backup_code_used:success',
      'mfa.webauthn_added:success',
      'mfa.webauthn_removed:success',
      'mfa.totp_disabled:success',
      'mfa.totp_disabled:failure',
    ]) {
      expect(seen).toContain(expected);
    }
    const mfaMethods = rows.filter((e) => e.action === 'auth.mfa').map((e) => `${e.outcome}:${String(e.context.method)}`);
    expect(mfaMethods.sort()).toEqual(['failure:totp', 'success:backup_code', 'success:totp']);
    for (const e of rows) expect(e.actorId).toBe(audi.userId);

    // Every audit row of every user in this suite, against every secret the suite has seen.
    const all = [];
    for (const userId of new Set([...h.userIds, audi.userId])) all.push(...(await t.storage.audit.listForUser(userId, 1000)));
    expect(all.length).toBeGreaterThan(50);
    expect(Object.keys(h.secrets).length).toBeGreaterThan(100);
    expect(findSecrets(JSON.stringify(all), h.secrets)).toEqual([]);
    // Nor the master password.
    expect(JSON.stringify(all)).not.toContain(PASSWORD);
  });
});

describe.each(backendsUnderTest())('second-factor throttling ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let h: ReturnType<typeof harness>;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_FREE_ATTEMPTS: '3', LOGIN_ACCOUNT_FREE_ATTEMPTS: '3' }, { state });
    h = harness(t);
  });
  afterAll(async () => t?.close());

  it('wrong TOTP codes across fresh logins end in 429 + Retry-After; the password does not reset it; the wait does', async () => {
    const email = 'tim@example.com';
    const tim = await h.signUp(email);
    const { secret } = await h.enableTotp(tim);
    const wrong = await h.wrongCode(secret);
    // Three free attempts (per account+IP and per account), each on a new login whose password is right.
    for (let i = 0; i < 3; i++) {
      const c = await h.challenge(email);
      expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: wrong }), 401, 'INVALID_SECOND_FACTOR');
    }
    const c = await h.challenge(email);
    const throttled = await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: wrong });
    expectError(throttled, 429, 'RATE_LIMITED');
    expect(throttled.headers['retry-after']).toBe('1');
    // Refused before the code is looked at: even the right one.
    const right = await h.totpAt(secret, 1);
    expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: right }), 429, 'RATE_LIMITED');
    // Retry-After means it: after the wait, the same login goes on.
    t.clock.advance(1_000);
    expect((await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: right })).statusCode).toBe(200);
    // A success resets the counters: a wrong code is a plain 401 again.
    const again = await h.challenge(email);
    expectError(await h.mfa({ mfaToken: again.mfaToken, method: 'totp', code: wrong }), 401, 'INVALID_SECOND_FACTOR');
  });

  it('backoff grows while the wrong codes go on (never a lockout); another account is unaffected', async () => {
    const email = 'tom@example.com';
    const tom = await h.signUp(email);
    const { secret } = await h.enableTotp(tom);
    const wrong = await h.wrongCode(secret);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await h.challenge(email);
      const r = await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: wrong });
      if (r.statusCode === 429) {
        waits.push(Number(r.headers['retry-after']));
        t.clock.advance(Number(r.headers['retry-after']) * 1000);
      } else {
        expectError(r, 401, 'INVALID_SECOND_FACTOR');
      }
    }
    expect(waits.slice(0, 4)).toEqual([1, 2, 4, 8]);
    // Someone else's second factor is not slowed down.
    const other = await h.signUp('tina@example.com');
    const otherFactor = await h.enableTotp(other);
    const c = await h.challenge('tina@example.com');
    expect((await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code: await h.totpAt(otherFactor.secret, 1) })).statusCode).toBe(200);
  });

  it("the login's code step and turning TOTP off share one budget of guesses", async () => {
    const email = 'tobi@example.com';
    const tobi = await h.signUp(email);
    const { secret } = await h.enableTotp(tobi);
    const wrong = await h.wrongCode(secret);
    for (let i = 0; i < 3; i++) expectError(await h.mfa({ mfaToken: (await h.challenge(email)).mfaToken, method: 'totp', code: wrong }), 401, 'INVALID_SECOND_FACTOR');
    // The fourth guess, through another door (a stolen session turning TOTP off), is refused before it is checked.
    expect(await code(h.security(tobi).disableTotp(wrong))).toBe('RATE_LIMITED');
    expect((await h.security(tobi).status()).totp).toMatchObject({ enabled: true });
  });

  it('confirming an enrolment is throttled like a login code', async () => {
    const vault = await h.signUp('tara@example.com');
    const enrolment = await h.security(vault).enrolTotp(PASSWORD);
    const secret = decodeBase32(enrolment.secret);
    const wrong = await h.wrongCode(secret);
    for (let i = 0; i < 3; i++) expect(await code(h.security(vault).confirmTotp(wrong))).toBe('INVALID_SECOND_FACTOR');
    expect(await code(h.security(vault).confirmTotp(await h.totpAt(secret)))).toBe('RATE_LIMITED');
    t.clock.advance(1_000);
    expect(await h.security(vault).confirmTotp(await h.totpAt(secret))).toHaveLength(10);
  });
});

describe.each(backendsUnderTest())('an mfaToken is bound to the login’s DPoP key ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let h: ReturnType<typeof harness>;
  const email = 'dora@example.com';
  let secret: Uint8Array;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state });
    h = harness(t);
    secret = (await h.enableTotp(await h.signUp(email))).secret;
  });
  afterAll(async () => t?.close());

  // The SDK dates its proofs by the real clock: this runs first, before the server clock moves.
  it('SDK login with a generated key: the token cannot be completed without a proof, and the client still completes it', async () => {
    const refusals: (string | undefined)[] = [];
    const vault = await h.login(
      email,
      async (c) => {
        const code = await h.totpAt(secret, 1);
        // Someone holding the mfaToken but not the key: refused before the code is looked at.
        const stolen = await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code });
        refusals.push(errorOf(stolen));
        expect(stolen.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
        return { method: 'totp', code };
      },
      'generate',
    );
    expect(refusals).toEqual(['INVALID_DPOP_PROOF']);
    expect((claimsOf(vault.session.tokens.accessToken).cnf as { jkt?: string } | undefined)?.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('raw: without a proof, or with another key’s, INVALID_DPOP_PROOF; with the login’s key, DPoP-bound tokens', async () => {
    // The SDK login used the next step's code; raw proofs are dated by the server clock, so it may move now.
    t.clock.advance(2 * STEP);
    const key = await generateDpopKeyPair();
    const c = await h.challenge(email, key);
    const code = await h.totpAt(secret);
    expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code }), 401, 'INVALID_DPOP_PROOF');
    const other = await generateDpopKeyPair();
    expectError(await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code }, { dpop: await h.proof(other, '/api/v1/auth/mfa') }), 401, 'INVALID_DPOP_PROOF');
    const done = await h.mfa({ mfaToken: c.mfaToken, method: 'totp', code }, { dpop: await h.proof(key, '/api/v1/auth/mfa') });
    expect(done.statusCode).toBe(200);
    const tokens = body(done) as unknown as TokenResponse;
    expect(tokens.tokenType).toBe('DPoP');
    expect((claimsOf(tokens.accessToken).cnf as { jkt?: string }).jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // And the reverse: a login without a key cannot be completed with one (the tokens would be bound to a key the
    // password step never saw).
    t.clock.advance(STEP);
    const plain = await h.challenge(email);
    expectError(await h.mfa({ mfaToken: plain.mfaToken, method: 'totp', code: await h.totpAt(secret) }, { dpop: await h.proof(key, '/api/v1/auth/mfa') }), 401, 'INVALID_DPOP_PROOF');
    expect((await h.mfa({ mfaToken: plain.mfaToken, method: 'totp', code: await h.totpAt(secret) })).statusCode).toBe(200);
  });
});
