/**
 * "Sign in with Watchword" in Chromium: a relying party (panva's openid-client, confidential, in this process)
 * sends the browser to the provider of a real server process; the web vault's page logs the user in with the
 * master password and a TOTP code, shows the consent screen (application, scopes, redirect target), and the
 * provider sends the browser back with a code the RP exchanges. The provider's answers and the page keep the CSP.
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
  let userId: string;
  /** The application's callback: a listener in this process (the browser's last stop), recording what it got. */
  let callback: Server;
  let REDIRECT = '';
  const returned: URL[] = [];

  beforeAll(async () => {
    callback = createServer((req, res) => {
      returned.push(new URL(req.url ?? '/', REDIRECT));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the wiki');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const address = callback.address();
    REDIRECT = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/callback`;
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    page = await browser.newPage();
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    for (const email of [ADMIN, USER]) await client.register({ email, password: PASSWORD });
    grantAdmin(server.dataDir, ADMIN);
    const admin = await client.login({ email: ADMIN, password: PASSWORD });
    const app = await client.oauthAdmin(admin.session).create({ name: 'Team wiki', redirectUris: [REDIRECT] });
    const user = await client.login({ email: USER, password: PASSWORD });
    userId = user.userId;
    const enrolment = await client.security(user.session).enrolTotp(PASSWORD);
    totpSecret = parseOtpauthUri(enrolment.otpauthUri).secret;
    await client.security(user.session).confirmTotp(await totp(totpSecret, Date.now()));
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
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
