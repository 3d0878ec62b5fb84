/**
 * "Sign in with Watchword" in Chromium: a relying party (panva's openid-client, confidential, in this process)
 * sends the browser to the provider of a real server process; the web vault's page logs the user in with the
 * master password and a TOTP code, shows the consent screen (application, scopes, redirect target), and the
 * provider sends the browser back with a code the RP exchanges (then refreshes and revokes). The same with
 * `response_mode=form_post` (the provider's self-submitting page under the strict CSP, the code posted to the RP) and
 * with a public client (PKCE and DPoP-bound tokens, no secret). The provider's answers and the page keep the CSP.
 */
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { parseOtpauthUri, totp } from '@watchword/protocol';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, launchBrowser } from './support/browser.ts';
import { submitLogin } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const PASSWORD = 'harbour lantern quietly 1906 ferns';
const ADMIN = 'it@example.com';
const USER = 'ada@example.com';

function grantAdmin(dataDir: string, email: string): void {
  const db = new Database(join(dataDir, 'watchword.db'));
  try {
    const user = db.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: string };
    db.prepare('INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES (?, ?, NULL, ?)').run(user.id, 'admin', Date.now());
  } finally {
    db.close();
  }
}

describe('Sign in with Watchword in the web vault', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;
  let rp: oidc.Configuration;
  let totpSecret: Uint8Array;
  /** For a second login within the same 30 s (an authenticator code works once). */
  let backupCodes: string[] = [];
  let userId: string;
  /** The application's callback: a listener in this process (the browser's last stop), recording what it got. */
  let callback: Server;
  let REDIRECT = '';
  const returned: URL[] = [];
  /** Form bodies posted to the form_post callback. */
  const posted: URLSearchParams[] = [];
  let formPostRp: oidc.Configuration;
  /** A public client (single-page app): PKCE and DPoP, no secret. */
  let spaRp: oidc.Configuration;
  let SPA_REDIRECT = '';
  let FORM_REDIRECT = '';

  beforeAll(async () => {
    callback = createServer((req, res) => {
      const at = new URL(req.url ?? '/', REDIRECT);
      if (req.method === 'POST' && at.pathname === '/form-callback') {
        // response_mode=form_post: the code comes as a form body; the application then sends the browser on to one
        // of its own pages, as applications do (a redirect the provider page's form-action must not stop).
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          posted.push(new URLSearchParams(body));
          res.writeHead(303, { location: '/welcome' }).end();
        });
        return;
      }
      returned.push(at);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the wiki');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const address = callback.address();
    REDIRECT = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/callback`;
    FORM_REDIRECT = REDIRECT.replace(/\/callback$/, '/form-callback');
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    page = await browser.newPage();
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    for (const email of [ADMIN, USER]) await client.register({ email, password: PASSWORD });
    grantAdmin(server.dataDir, ADMIN);
    const admin = await client.login({ email: ADMIN, password: PASSWORD });
    const app = await client.oauthAdmin(admin.session).create({ name: 'Team wiki', redirectUris: [REDIRECT] });
    const formApp = await client.oauthAdmin(admin.session).create({ name: 'Build dashboard', redirectUris: [FORM_REDIRECT] });
    SPA_REDIRECT = REDIRECT.replace(/\/callback$/, '/spa');
    const spa = await client.oauthAdmin(admin.session).create({ name: 'Status SPA', redirectUris: [SPA_REDIRECT], public: true });
    spaRp = await oidc.discovery(new URL(server.url), spa.client.clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] });
    const user = await client.login({ email: USER, password: PASSWORD });
    userId = user.userId;
    const enrolment = await client.security(user.session).enrolTotp(PASSWORD);
    totpSecret = parseOtpauthUri(enrolment.otpauthUri).secret;
    backupCodes = (await client.security(user.session).confirmTotp(await totp(totpSecret, Date.now()))) ?? [];
    formPostRp = await oidc.discovery(new URL(server.url), formApp.client.clientId, undefined, oidc.ClientSecretBasic(formApp.clientSecret as string), { execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] });
    rp = await oidc.discovery(new URL(server.url), app.client.clientId, undefined, oidc.ClientSecretBasic(app.clientSecret as string), { execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] });
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await browser.screenshot(page, `failed-oauth-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => callback?.close(resolve));
  });

  it('logs in with the second factor, shows the consent screen, and returns a code the RP exchanges', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    await page.goto(url.toString());
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
    await submitLogin(page, USER, PASSWORD);
    await page.getByLabel('6-digit code from your authenticator app').fill(await totp(totpSecret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Sign in with Watchword' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    const consent = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    expect(consent).toContain('Team wiki wants to sign you in with your Watchword account.');
    expect(consent).toContain('Your e-mail address and whether it is verified');
    expect(consent).toContain(`You will be sent back to ${REDIRECT}.`);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.toString().startsWith(REDIRECT));
    // The callback itself (the browser may also ask this origin for a favicon).
    const back = returned.find((u) => u.pathname === '/callback') as URL;
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(server.url);
    const tokens = await oidc.authorizationCodeGrant(rp, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()).toMatchObject({ sub: userId, iss: server.url, nonce });
    expect(await oidc.fetchUserInfo(rp, tokens.access_token, userId)).toMatchObject({ email: USER, email_verified: false });
    // Refresh (rotated), then revoke (RFC 7009): the revoked refresh token gets nothing more.
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await oidc.fetchUserInfo(rp, refreshed.access_token, userId)).toMatchObject({ sub: userId });
    await oidc.tokenRevocation(rp, refreshed.refresh_token as string);
    await expect(oidc.refreshTokenGrant(rp, refreshed.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  /**
   * At the provider's login step: logs in (with a backup code as the second factor), or — the web vault keeps its
   * session across page loads, locked — unlocks with the master password (no second factor), or is signed in already.
   */
  const signInAtProvider = async (backupCode: string) => {
    const login = page.getByRole('heading', { name: 'Log in to your vault' });
    const locked = page.getByRole('heading', { name: 'Your vault is locked' });
    await login.or(page.getByRole('button', { name: 'Allow' })).or(locked).first().waitFor();
    if (await locked.isVisible()) {
      await page.getByLabel('Master password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Unlock' }).click();
    } else if (await login.isVisible()) {
      await submitLogin(page, USER, PASSWORD);
      await page.getByRole('button', { name: 'Use a backup code instead' }).click();
      await page.getByLabel('Backup code').fill(backupCode);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
  };

  it('response_mode=form_post: the provider page posts the code to the application under the strict CSP', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(formPostRp, { redirect_uri: FORM_REDIRECT, response_mode: 'form_post', scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    const csp: string[] = [];
    const watch = (response: import('playwright-core').Response) => {
      if (response.url().startsWith(`${server.url}/oauth/authorize`)) csp.push(response.headers()['content-security-policy'] ?? '');
    };
    page.on('response', watch);
    await page.goto(url.toString());
    // Signed in to the web vault by the test before (its session kept, locked), or not: either way the consent screen comes next.
    await signInAtProvider(backupCodes[0] as string);
    const consent = page.getByRole('button', { name: 'Allow' });
    await page.getByRole('heading', { name: 'Sign in with Watchword' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect((await page.locator('main').innerText()).replace(/\s+/g, ' ')).toContain('Build dashboard wants to sign you in');
    await consent.click();
    // The provider's page submits itself to the application, which sends the browser on to its own page.
    await page.waitForURL((u) => u.pathname === '/welcome');
    page.off('response', watch);
    expect(posted).toHaveLength(1);
    const form = posted[0] as URLSearchParams;
    expect([...form.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(form.get('state')).toBe(state);
    expect(form.get('iss')).toBe(server.url);
    // The page that posted it: its script allowed by hash, its form by this redirect URI and nothing else.
    expect(csp.some((p) => p.includes(`form-action 'self' ${FORM_REDIRECT};`) && /script-src 'sha256-[A-Za-z0-9+/=]+';/.test(p))).toBe(true);
    const callback = new Request(FORM_REDIRECT, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const tokens = await oidc.authorizationCodeGrant(formPostRp, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()).toMatchObject({ sub: userId, iss: server.url, nonce });
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('a public client (PKCE + DPoP, no secret): login, consent, code exchange, userinfo, refresh and revoke', async () => {
    const dpop = oidc.getDPoPHandle(spaRp, await oidc.randomDPoPKeyPair('ES256'));
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(spaRp, { redirect_uri: SPA_REDIRECT, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    await page.goto(url.toString());
    await signInAtProvider(backupCodes[1] as string);
    const allow = page.getByRole('button', { name: 'Allow' });
    await page.getByRole('heading', { name: 'Sign in with Watchword' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect((await page.locator('main').innerText()).replace(/\s+/g, ' ')).toContain(`Status SPA wants to sign you in with your Watchword account.`);
    await allow.click();
    await page.waitForURL((u) => u.toString().startsWith(SPA_REDIRECT));
    const back = returned.find((u) => u.pathname === '/spa') as URL;
    expect(back.searchParams.get('iss')).toBe(server.url);
    const tokens = await oidc.authorizationCodeGrant(spaRp, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }, undefined, { DPoP: dpop });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(tokens.claims()).toMatchObject({ sub: userId, iss: server.url, nonce });
    expect(await oidc.fetchUserInfo(spaRp, tokens.access_token, userId, { DPoP: dpop })).toMatchObject({ email: USER });
    // The token is bound to the key: presented as a plain bearer token it gets nothing.
    const bearer = await fetch(`${server.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(bearer.status).toBe(401);
    const refreshed = await oidc.refreshTokenGrant(spaRp, tokens.refresh_token as string, undefined, { DPoP: dpop });
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    await oidc.tokenRevocation(spaRp, refreshed.refresh_token as string);
    await expect(oidc.refreshTokenGrant(spaRp, refreshed.refresh_token as string, undefined, { DPoP: dpop })).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
