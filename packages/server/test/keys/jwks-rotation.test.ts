import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient, type Vault } from '@watchword/client';
import { rotateSigningKey } from '../../src/keys/rotate.ts';
import { retirementGraceMs } from '../../src/keys/signing-keys.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { alg: string; kid: string };

/** A running app (no restart) through a rotation from EdDSA to ES256: JWKS, signing and verification follow the clock. */
describe('rotation in a running server', () => {
  let t: TestApp;
  let vault: Vault;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { ACCESS_TOKEN_ALG: 'EdDSA', KEY_ACTIVATION_DELAY: '600' });
    // Bearer tokens: this test moves the server clock, and raw requests below use the tokens directly.
    const client = new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
    await client.register({ email: 'rot@example.com', password: 'a fine passphrase' });
    vault = await client.login({ email: 'rot@example.com', password: 'a fine passphrase' });
  });
  afterAll(async () => t.close());

  const jwks = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    return (JSON.parse(res.body) as { keys: Record<string, string>[] }).keys;
  };
  const account = async (token: string) => (await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${token}` } })).statusCode;

  it('publishes the new key at once, signs with it from activatesAt, and drops the old one once its tokens expired', async () => {
    const first = await vault.session.accessToken();
    const old = headerOf(first);
    expect(old.alg).toBe('EdDSA');
    expect(await jwks()).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: old.kid, use: 'sig' })]);

    const added = rotateSigningKey(t.dataDir, { alg: 'ES256', activationDelaySeconds: t.config.keyActivationDelaySeconds, now: t.clock.now });
    t.clock.advance(60_000); // the server re-reads its key directory once a minute
    const published = await jwks();
    expect(published.map((k) => k.kid).sort()).toEqual([old.kid, added.kid].sort());
    expect(published.find((k) => k.kid === added.kid)).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: added.kid, alg: 'ES256', use: 'sig' });
    expect(headerOf((await vault.session.refresh()).accessToken).kid).toBe(old.kid);

    t.clock.now = added.activatesAt;
    const second = (await vault.session.refresh()).accessToken;
    expect(headerOf(second)).toMatchObject({ alg: 'ES256', kid: added.kid });
    expect(await account(second)).toBe(200);
    expect(await account(first)).toBe(200); // issued before the rotation, still within its lifetime

    t.clock.now = added.activatesAt + retirementGraceMs(t.config.accessTokenTtlSeconds);
    expect((await jwks()).map((k) => k.kid)).toEqual([added.kid]);
    expect(await account(first)).toBe(401);
  });
});
