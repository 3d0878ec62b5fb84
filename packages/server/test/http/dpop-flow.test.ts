import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, type Vault } from '@watchword/client';
import { createDpopProof, generateDpopKeyPair } from '@watchword/protocol';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';

const URL_BASE = 'http://watchword.test';
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());

/** RFC 9449 end to end: SDK sessions are bound to a key; the server holds every request to it. */
describe.each(backendsUnderTest())('DPoP-bound sessions (RFC 9449) ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let vault: Vault;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state });
    await new WatchwordClient({ passwordPolicy: false,  serverUrl: URL_BASE, fetch: t.fetch, kdfVersion: 0 }).register({ email: 'dora@example.com', password: 'doras long passphrase' });
    vault = await new WatchwordClient({ passwordPolicy: false,  serverUrl: URL_BASE, fetch: t.fetch }).login({ email: 'dora@example.com', password: 'doras long passphrase' });
  });
  afterAll(async () => t.close());

  const account = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/account', headers });

  it('the SDK binds by default: cnf.jkt in the token, tokenType DPoP, and the API works through it', async () => {
    const claims = claimsOf(vault.session.tokens.accessToken);
    expect(claims.cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const item = await vault.add({ type: 'note', name: 'bound', fields: [] });
    expect((await vault.get(item.id)).content.name).toBe('bound');
    await vault.session.refresh();
    expect(claimsOf(vault.session.tokens.accessToken).cnf.jkt).toBe(claims.cnf.jkt);
  });

  it('a bound token is refused as a Bearer token, without a proof, and with a proof from another key', async () => {
    const token = vault.session.tokens.accessToken;
    const asBearer = await account({ authorization: `Bearer ${token}` });
    expect(asBearer.statusCode).toBe(401);
    expect(JSON.parse(asBearer.body).error.code).toBe('INVALID_TOKEN');
    const noProof = await account({ authorization: `DPoP ${token}` });
    expect(JSON.parse(noProof.body).error.code).toBe('INVALID_DPOP_PROOF');
    expect(noProof.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const otherKey = await generateDpopKeyPair();
    const proof = await createDpopProof(otherKey, { htm: 'GET', htu: `${URL_BASE}/api/v1/account`, accessToken: token });
    expect(JSON.parse((await account({ authorization: `DPoP ${token}`, dpop: proof })).body).error.code).toBe('INVALID_DPOP_PROOF');
  });

  it('a proof is good for one request only, for its method and URL only', async () => {
    const token = vault.session.tokens.accessToken;
    const key = vault.session.dpopKey as CryptoKeyPair;
    const proof = await createDpopProof(key, { htm: 'GET', htu: `${URL_BASE}/api/v1/account`, accessToken: token });
    expect((await account({ authorization: `DPoP ${token}`, dpop: proof })).statusCode).toBe(200);
    const replay = await account({ authorization: `DPoP ${token}`, dpop: proof });
    expect(replay.statusCode).toBe(401);
    expect(JSON.parse(replay.body).error.code).toBe('INVALID_DPOP_PROOF');
    const wrongUrl = await createDpopProof(key, { htm: 'GET', htu: `${URL_BASE}/api/v1/items`, accessToken: token });
    expect((await account({ authorization: `DPoP ${token}`, dpop: wrongUrl })).statusCode).toBe(401);
    const wrongMethod = await createDpopProof(key, { htm: 'POST', htu: `${URL_BASE}/api/v1/account`, accessToken: token });
    expect((await account({ authorization: `DPoP ${token}`, dpop: wrongMethod })).statusCode).toBe(401);
    const noAth = await createDpopProof(key, { htm: 'GET', htu: `${URL_BASE}/api/v1/account` });
    expect((await account({ authorization: `DPoP ${token}`, dpop: noAth })).statusCode).toBe(401);
  });

  it('a bound refresh token without its key ends the family', async () => {
    const v = await new WatchwordClient({ passwordPolicy: false,  serverUrl: URL_BASE, fetch: t.fetch }).login({ email: 'dora@example.com', password: 'doras long passphrase' });
    const { refreshToken, accessToken } = v.session.tokens;
    const stolen = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    expect(stolen.statusCode).toBe(401);
    // The legitimate client is logged out too: the theft ended the family.
    const proof = await createDpopProof(v.session.dpopKey as CryptoKeyPair, { htm: 'GET', htu: `${URL_BASE}/api/v1/account`, accessToken });
    expect((await account({ authorization: `DPoP ${accessToken}`, dpop: proof })).statusCode).toBe(401);
  });

  it('two DPoP headers are refused', async () => {
    const key = vault.session.dpopKey as CryptoKeyPair;
    const token = vault.session.tokens.accessToken;
    const p1 = await createDpopProof(key, { htm: 'GET', htu: `${URL_BASE}/api/v1/account`, accessToken: token });
    const p2 = await createDpopProof(key, { htm: 'GET', htu: `${URL_BASE}/api/v1/account`, accessToken: token });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `DPoP ${token}`, dpop: [p1, p2] as unknown as string } });
    expect(res.statusCode).toBe(401);
  });
});

describe('DPoP with server nonces and DPOP_REQUIRED', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { DPOP_REQUIRE_NONCE: 'true', DPOP_REQUIRED: 'true' });
    await new WatchwordClient({ passwordPolicy: false,  serverUrl: URL_BASE, fetch: t.fetch, kdfVersion: 0 }).register({ email: 'nina@example.com', password: 'ninas long passphrase' });
  });
  afterAll(async () => t.close());

  it('the SDK picks up the nonce and retries transparently', async () => {
    const vault = await new WatchwordClient({ passwordPolicy: false,  serverUrl: URL_BASE, fetch: t.fetch }).login({ email: 'nina@example.com', password: 'ninas long passphrase' });
    await vault.add({ type: 'note', name: 'with nonce', fields: [] });
    expect((await vault.list()).map((i) => i.content.name)).toEqual(['with nonce']);
    const nonceErrors = t.logs.filter((l) => l.includes('"code":"USE_DPOP_NONCE"'));
    expect(nonceErrors.length).toBeGreaterThanOrEqual(1);
    expect(nonceErrors.length).toBeLessThanOrEqual(2);
  });

  it('a proof without the nonce gets 401 USE_DPOP_NONCE with a DPoP-Nonce header', async () => {
    const key = await generateDpopKeyPair();
    const proof = await createDpopProof(key, { htm: 'POST', htu: `${URL_BASE}/api/v1/auth/refresh` });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { dpop: proof }, payload: { refreshToken: `wwr1_${'A'.repeat(43)}` } });
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('USE_DPOP_NONCE');
    expect(res.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('DPOP_REQUIRED refuses a bearer login', async () => {
    const bearer = new WatchwordClient({ passwordPolicy: false,  serverUrl: URL_BASE, fetch: t.fetch, dpop: false });
    await expect(bearer.login({ email: 'nina@example.com', password: 'ninas long passphrase' })).rejects.toMatchObject({ code: 'INVALID_DPOP_PROOF' });
  });
});
