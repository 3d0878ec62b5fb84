/**
 * "Sign in with Watchword" end to end: panva's openid-client as a real relying party — a confidential client and a
 * public PKCE + DPoP client — against the provider mounted in the app (answering through inject). The user signs in
 * with the Watchword login (master password + TOTP) through the SDK calls the web vault's page makes, and consents.
 * Checks discovery, the code exchange, the ID token (nonce, iss, aud, signature through JWKS, kid), userinfo,
 * refresh rotation and reuse detection, revocation, introspection, and the refusals the issue lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { type Vault, WatchwordClient } from '@watchword/client';
import { findSecrets } from '@watchword/testkit';
import { backendsUnderTest, createTestApp, type TestApp } from '@watchword/testkit/app';
import { rotateSigningKey } from '../../src/keys/rotate.ts';
import { loadSigningKeys } from '../../src/keys/signing-keys.ts';
import { type Account, Browser, PASSWORD, PUBLIC, accountWithTotp, injectFetch } from './support.ts';

const REDIRECT = 'https://wiki.example/callback';
const SPA_REDIRECT = 'http://127.0.0.1:5173/cb';
/** Every stored row of the provider's and the clients' tables on PostgreSQL (SQLite: the file itself is scanned). */
async function pgRows(t: TestApp): Promise<unknown[]> {
  if (!t.config.databaseUrl) return [];
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: t.config.databaseUrl });
  await client.connect();
  try {
    const tables = ['oidc_records', 'oauth_clients', 'oauth_consents', 'audit_events'];
    return (await Promise.all(tables.map(async (table) => (await client.query(`select * from ${table}`)).rows))).flat();
  } finally {
    await client.end();
  }
}
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()) as { alg: string; kid: string; typ?: string };

describe.each(backendsUnderTest())('OpenID provider ($name)', ({ dialect, state }) => {
  let t: TestApp;
  let alice: Account;
  let admin: Vault;
  let confidential: { clientId: string; secret: string };
  let spa: { clientId: string };
  const secrets: Record<string, string> = {};
  const rp = (clientId: string, auth: oidc.ClientAuth) =>
    oidc.discovery(new URL(PUBLIC), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks], [oidc.customFetch]: injectFetch(t) });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { state });
    const sdk = new WatchwordClient({ passwordPolicy: false, serverUrl: PUBLIC, fetch: t.fetch, kdfVersion: 0, dpop: false });
    await sdk.register({ email: 'admin@example.com', password: PASSWORD });
    admin = await sdk.login({ email: 'admin@example.com', password: PASSWORD });
    await t.storage.roles.grant(admin.userId, 'admin', null, t.clock.now);
    const created = await sdk.oauthAdmin(admin.session).create({ name: 'Team wiki', redirectUris: [REDIRECT] });
    confidential = { clientId: created.client.clientId, secret: created.clientSecret as string };
    secrets['client secret'] = confidential.secret;
    const pub = await sdk.oauthAdmin(admin.session).create({ name: 'Dashboard SPA', redirectUris: [SPA_REDIRECT], public: true });
    expect(pub.clientSecret).toBeNull();
    spa = { clientId: pub.client.clientId };
    alice = await accountWithTotp(t, 'alice@example.com');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('publishes discovery: code flow only, PKCE S256, iss in responses, DPoP, the server key set', async () => {
    const config = await rp(confidential.clientId, oidc.ClientSecretBasic(confidential.secret));
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(PUBLIC);
    expect(meta.response_types_supported).toEqual(['code']);
    expect([...(meta.response_modes_supported ?? [])].sort()).toEqual(['form_post', 'fragment', 'query']);
    expect(meta.grant_types_supported).not.toContain('implicit');
    expect(meta.grant_types_supported).not.toContain('password');
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.dpop_signing_alg_values_supported?.length).toBeGreaterThan(0);
    expect(meta.revocation_endpoint).toBe(`${PUBLIC}/oauth/revoke`);
    expect(meta.introspection_endpoint).toBe(`${PUBLIC}/oauth/introspect`);
    expect(meta.end_session_endpoint).toBe(`${PUBLIC}/oauth/logout`);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    // The provider's JWKS and the server's are the same public keys.
    const ours = (await t.app.inject({ url: '/.well-known/jwks.json' })).json() as { keys: { kid: string }[] };
    const theirs = (await t.app.inject({ url: '/oauth/jwks' })).json() as { keys: { kid: string; d?: string }[] };
    expect(theirs.keys.map((k) => k.kid).sort()).toEqual(ours.keys.map((k) => k.kid).sort());
    expect(theirs.keys.some((k) => 'd' in k)).toBe(false);
  });

  it('confidential client: login with TOTP, consent, code exchange, ID token, userinfo, refresh, revoke', async () => {
    const config = await rp(confidential.clientId, oidc.ClientSecretBasic(confidential.secret));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    const browser = new Browser(t);
    const { location, shown } = await browser.authorize(url, alice);
    expect(shown).toEqual([
      { prompt: 'login', scopes: ['openid', 'email', 'profile'], client: 'Team wiki', redirectUri: REDIRECT },
      { prompt: 'consent', scopes: ['openid', 'email', 'profile'], client: 'Team wiki', redirectUri: REDIRECT },
    ]);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('iss')).toBe(PUBLIC); // RFC 9207

    const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    secrets['access token'] = tokens.access_token;
    secrets['refresh token'] = tokens.refresh_token as string;
    const claims = tokens.claims();
    // The scopes' claims come from userinfo (OIDC Core §5.4: an access token was issued).
    expect(claims).toMatchObject({ iss: PUBLIC, aud: confidential.clientId, sub: alice.userId, nonce });
    const header = headerOf(tokens.id_token as string);
    const jwks = (await t.app.inject({ url: '/.well-known/jwks.json' })).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    expect(header.kid).toBe(loadSigningKeys(t.dataDir).current.kid);

    const info = await oidc.fetchUserInfo(config, tokens.access_token, alice.userId);
    expect(info).toEqual({ sub: alice.userId, email: 'alice@example.com', email_verified: false, name: 'alice@example.com' });

    // Refresh rotates the refresh token.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await oidc.fetchUserInfo(config, refreshed.access_token, alice.userId)).toMatchObject({ sub: alice.userId });

    // Consent is remembered: a new authorization needs no consent screen (only the sign-in).
    const flow = async () => {
      const v = oidc.randomPKCECodeVerifier();
      const run = await new Browser(t).authorize(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(v), code_challenge_method: 'S256', state }), alice);
      return { prompts: run.shown.map((s) => s.prompt), tokens: await oidc.authorizationCodeGrant(config, run.location, { pkceCodeVerifier: v, expectedState: state }) };
    };
    const second = await flow();
    expect(second.prompts).toEqual(['login']);
    // RFC 7662 introspection (confidential clients); RFC 7009 revocation ends the grant's tokens, keeps the consent.
    expect(await oidc.tokenIntrospection(config, second.tokens.access_token)).toMatchObject({ active: true, sub: alice.userId, client_id: confidential.clientId });
    await oidc.tokenRevocation(config, second.tokens.access_token);
    expect(await oidc.tokenIntrospection(config, second.tokens.access_token)).toMatchObject({ active: false });
    await expect(oidc.fetchUserInfo(config, second.tokens.access_token, alice.userId)).rejects.toBeDefined();
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });

    // A rotated refresh token presented again revokes the whole grant (reuse detection), consent included.
    const third = await flow();
    expect(third.prompts).toEqual(['login']);
    const next = await oidc.refreshTokenGrant(config, third.tokens.refresh_token as string);
    await expect(oidc.refreshTokenGrant(config, third.tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, next.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, next.access_token, alice.userId)).rejects.toBeDefined();
    const fourth = await flow();
    expect(fourth.prompts).toEqual(['login', 'consent']);
    const kept = fourth.tokens;

    // Connected apps in Settings: listed, and disconnecting revokes what the app holds at once.
    const settings = browser.client.oauth((await browser.login(alice)).session);
    expect(await settings.connectedApps()).toEqual([expect.objectContaining({ clientId: confidential.clientId, name: 'Team wiki', scopes: ['openid'] })]);
    await settings.disconnect(confidential.clientId);
    expect(await settings.connectedApps()).toEqual([]);
    await expect(oidc.fetchUserInfo(config, kept.access_token, alice.userId)).rejects.toBeDefined();
    await expect(oidc.refreshTokenGrant(config, kept.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('sign-ins, consents and disconnections are audit events naming the account and the application', async () => {
    const events = (await t.storage.audit.query({}, undefined, 1000)).filter((e) => e.action.startsWith('oauth.') && e.actorId === alice.userId);
    const seen = (action: string) => events.filter((e) => e.action === action);
    // From the flows above: sign-ins at every authorization, consent twice (the first, and after reuse detection
    // revoked the grant), one disconnection in Settings.
    expect(seen('oauth.login').length).toBeGreaterThanOrEqual(4);
    expect(seen('oauth.consent_granted')).toHaveLength(2);
    expect(seen('oauth.consent_revoked')).toHaveLength(1);
    for (const e of events) expect(e).toMatchObject({ outcome: 'success', context: expect.objectContaining({ client: confidential.clientId }) });
    expect(seen('oauth.consent_granted').map((e) => e.context?.scopes).sort()).toEqual(['openid', 'openid email profile']);
  });

  it('RP-initiated logout: the provider confirms through a form posted to itself, under the OIDC CSP', async () => {
    const config = await rp(confidential.clientId, oidc.ClientSecretBasic(confidential.secret));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const { location } = await new Browser(t).authorize(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state }), alice);
    const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state });
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string });
    const page = await t.app.inject({ url: url.pathname + url.search });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('action="http://watchword.test/oauth/logout/confirm"');
    // Its one inline script (submitting the form) is allowed by its hash and nothing else.
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '';
    const { createHash } = await import('node:crypto');
    expect(page.headers['content-security-policy']).toBe(`default-src 'none'; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`);
    expect(page.body).not.toContain('<style');
  });

  it('response_mode=form_post: a self-submitting form to the redirect URI, allowed by the CSP for that URI only', async () => {
    const config = await rp(confidential.clientId, oidc.ClientSecretBasic(confidential.secret));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', response_mode: 'form_post', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    const run = await new Browser(t).authorize(url, alice);
    expect(run.status).toBe(200);
    const body = run.body ?? '';
    expect(body).toContain(`<form method="post" action="${REDIRECT}">`);
    const fields = Object.fromEntries([...body.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(fields).sort()).toEqual(['code', 'iss', 'state']);
    expect(fields).toMatchObject({ state, iss: PUBLIC });
    // The page's one script by its hash; the form may go to this redirect URI exactly (and back to the provider).
    const script = /<script>([\s\S]*?)<\/script>/.exec(body)?.[1] ?? '';
    const { createHash } = await import('node:crypto');
    expect(run.csp).toBe(`default-src 'none'; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'; form-action 'self' ${REDIRECT}; frame-ancestors 'none'; base-uri 'none'`);
    // The RP reads the posted form (openid-client takes the callback request itself).
    const callback = new Request(REDIRECT, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields as Record<string, string>).toString() });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()).toMatchObject({ sub: alice.userId, nonce, aud: confidential.clientId });
    // A query-mode answer's page keeps `form-action 'self'` alone (an error page here: a bad response_mode).
    const bad = oidc.buildAuthorizationUrl(config, { redirect_uri: `${REDIRECT}x`, scope: 'openid', response_mode: 'form_post', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const refused = await t.app.inject({ url: bad.pathname + bad.search });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-security-policy']).toContain("form-action 'self';");
    expect(refused.headers['content-security-policy']).not.toContain('wiki.example');
  });

  it('public client: PKCE and DPoP-bound tokens, no secret', async () => {
    const config = await rp(spa.clientId, oidc.None());
    const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: SPA_REDIRECT, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    const { location } = await new Browser(t).authorize(url, alice);
    // Without a DPoP proof the public client gets nothing.
    await expect(oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })).rejects.toBeDefined();
    const { location: again } = await new Browser(t).authorize(url, alice);
    const tokens = await oidc.authorizationCodeGrant(config, again, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, undefined, { DPoP: dpop });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(tokens.claims()).toMatchObject({ sub: alice.userId, aud: spa.clientId });
    expect(await oidc.fetchUserInfo(config, tokens.access_token, alice.userId, { DPoP: dpop })).toMatchObject({ sub: alice.userId });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string, undefined, { DPoP: dpop });
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });

  describe('refusals', () => {
    let config: oidc.Configuration;
    const start = async (extra: Record<string, string> = {}) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra });
      return { verifier, state, nonce, url };
    };
    beforeAll(async () => {
      config = await rp(confidential.clientId, oidc.ClientSecretBasic(confidential.secret));
    });

    it('the RP refuses a wrong or missing state, and a nonce mismatch', async () => {
      const a = await start();
      const { location } = await new Browser(t).authorize(a.url, alice);
      await expect(oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: a.verifier, expectedState: oidc.randomState(), expectedNonce: a.nonce })).rejects.toMatchObject({ code: 'OAUTH_INVALID_RESPONSE' });
      const stripped = new URL(location);
      stripped.searchParams.delete('state');
      await expect(oidc.authorizationCodeGrant(config, stripped, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce })).rejects.toMatchObject({ code: 'OAUTH_INVALID_RESPONSE' });
      await expect(oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: oidc.randomNonce() })).rejects.toMatchObject({ code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' });
    });

    it('a PKCE verifier mismatch is refused', async () => {
      const a = await start();
      const { location } = await new Browser(t).authorize(a.url, alice);
      await expect(oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: a.state, expectedNonce: a.nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('a replayed code is refused and the tokens issued from it are revoked', async () => {
      const a = await start();
      const { location } = await new Browser(t).authorize(a.url, alice);
      const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
      expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true });
      await expect(oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
      expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: false });
      await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('a redirect URI differing by one character, an unregistered client, no PKCE: no redirect at all or an error', async () => {
      for (const redirect of [`${REDIRECT}x`, REDIRECT.replace('callback', 'callbacK'), `${REDIRECT}/`]) {
        const a = await start({ redirect_uri: redirect });
        const res = await t.app.inject({ url: a.url.pathname + a.url.search });
        expect(res.statusCode).toBe(400);
        expect(res.headers.location).toBeUndefined();
        expect(res.headers['content-security-policy']).toBe("default-src 'none'; script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'strict-origin-when-cross-origin', 'cache-control': 'no-store' });
        expect(res.body).not.toContain('<script');
      }
      const unknown = new URL(`${PUBLIC}/oauth/authorize?client_id=wwc_AAAAAAAAAAAAAAAAAAAAAA&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}`);
      const res = await t.app.inject({ url: unknown.pathname + unknown.search });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('invalid_client');
      const noPkce = new URL(`${PUBLIC}/oauth/authorize?client_id=${confidential.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s`);
      const refused = await t.app.inject({ url: noPkce.pathname + noPkce.search });
      expect(new URL(String(refused.headers.location)).searchParams.get('error')).toBe('invalid_request');
      // No implicit flow.
      const implicit = new URL(`${PUBLIC}/oauth/authorize?client_id=${confidential.clientId}&response_type=token&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}`);
      expect((await t.app.inject({ url: implicit.pathname + implicit.search })).statusCode).toBeGreaterThanOrEqual(300);
    });

    it('a wrong client secret is refused, then throttled like a password', async () => {
      const wrong = await rp(confidential.clientId, oidc.ClientSecretBasic('w'.repeat(43)));
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { authorization: `Basic ${Buffer.from(`${confidential.clientId}:${'w'.repeat(43)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'grant_type=refresh_token&refresh_token=x',
        });
        statuses.push(res.statusCode);
      }
      expect(statuses[0]).toBe(401);
      expect(statuses).toContain(429);
      await expect(oidc.tokenIntrospection(wrong, 'x')).rejects.toBeDefined();
    });
  });

  it('an ID token after key rotation is signed by the new key; both verify through the published JWKS', async () => {
    const idToken = async () => {
      // Discovered afresh: rotating to another algorithm changes the metadata's id_token_signing_alg_values_supported.
      const config = await rp(confidential.clientId, oidc.ClientSecretBasic(confidential.secret));
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
      const { location } = await new Browser(t).authorize(url, alice);
      const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      expect(tokens.claims()?.sub).toBe(alice.userId);
      return tokens.id_token as string;
    };
    const before = await idToken();
    const added = rotateSigningKey(t.dataDir, { alg: 'ES256', activationDelaySeconds: 0, now: t.clock.now });
    t.clock.advance(61_000); // the server re-reads its key directory once a minute
    const after = await idToken();
    expect(headerOf(after)).toMatchObject({ alg: 'ES256', kid: added.kid });
    expect(headerOf(before).kid).not.toBe(added.kid);
    // An RP that cached nothing: both tokens verify against the keys the provider publishes now, each by its kid.
    const jwks = (await t.app.inject({ url: '/oauth/jwks' })).json() as { keys: import('node:crypto').JsonWebKey[] };
    const { createPublicKey, verify } = await import('node:crypto');
    const verifies = (jwt: string) => {
      const [head = '', payload = '', signature = ''] = jwt.split('.');
      const { alg, kid } = headerOf(jwt);
      const jwk = jwks.keys.find((k) => k.kid === kid);
      if (!jwk) return false;
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      const data = Buffer.from(`${head}.${payload}`);
      const sig = Buffer.from(signature, 'base64url');
      return alg === 'ES256' ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig) : alg === 'RS256' ? verify('sha256', data, key, sig) : false;
    };
    expect(verifies(before)).toBe(true);
    expect(verifies(after)).toBe(true);
    // (and the check can fail: a payload changed under the same signature does not verify)
    const [h, p, sig] = after.split('.');
    const forged = Buffer.from(JSON.stringify({ ...(JSON.parse(Buffer.from(p as string, 'base64url').toString()) as object), sub: 'someone-else' })).toString('base64url');
    expect(verifies(`${h}.${forged}.${sig}`)).toBe(false);
  });

  it('the OpenAPI document lists the management routes, not the OAuth protocol endpoints', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, unknown> };
    for (const path of ['/api/v1/admin/oauth/clients', '/api/v1/admin/oauth/clients/{clientId}/secret', '/api/v1/oauth/interactions/{uid}/consent', '/api/v1/oauth/connected-apps', '/api/v1/api-keys', '/api/v1/api-keys/{clientId}']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/oauth/'))).toEqual([]);
  });

  it('never stores a token or secret in the database, log or audit', async () => {
    if (dialect === 'sqlite') {
      const { readFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const db = readFileSync(join(t.dataDir, 'watchword.db'));
      let wal = Buffer.alloc(0);
      try {
        wal = readFileSync(join(t.dataDir, 'watchword.db-wal'));
      } catch {
        // No WAL file: everything is in the main file.
      }
      expect(findSecrets(Buffer.concat([db, wal]), secrets)).toEqual([]);
    }
    // The provider's records hold no token (they are keyed by its SHA-256), nor the client secret (an Argon2id hash).
    expect(findSecrets(JSON.stringify(await pgRows(t)), secrets)).toEqual([]);
    expect(findSecrets(t.logs.join('\n'), secrets)).toEqual([]);
    const audit = await t.storage.audit.query({}, undefined, 1000);
    expect(findSecrets(JSON.stringify(audit), secrets)).toEqual([]);
  });
});
