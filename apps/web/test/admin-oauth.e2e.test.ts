/**
 * The admin page for OAuth clients ("Sign in with Watchword" applications) in real Chromium, against a real server:
 * register a confidential and a public client, the secret shown once (and working at the provider), rotation (the
 * old secret refused, the new one accepted), disable and enable, delete after typing the name; every change an audit
 * event. An auditor (`oauth:read`) sees the list without any control to change it; an ordinary account sees no link.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, browserStorage, launchBrowser } from './support/browser.ts';
import { login, logout } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const ADMIN = 'it-admin@example.com';
const AUDITOR = 'auditor@example.com';
const USER = 'plain@example.com';
const PASSWORD = 'oauth clients page 42 lanterns';
const REDIRECT = 'https://wiki.example/callback';

function grantRole(dataDir: string, email: string, role: string): void {
  const db = new Database(join(dataDir, 'watchword.db'));
  try {
    const user = db.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: string };
    db.prepare('INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES (?, ?, NULL, ?)').run(user.id, role, Date.now());
  } finally {
    db.close();
  }
}

/** The audit trail of OAuth client changes, oldest first: action, the client it names, and the actor's address. */
function clientEvents(dataDir: string): { action: string; client: string; actor: string }[] {
  const db = new Database(join(dataDir, 'watchword.db'), { readonly: true });
  try {
    const rows = db
      .prepare("SELECT a.action, a.context, u.email FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id WHERE a.action LIKE 'admin.oauth_client_%' ORDER BY a.at")
      .all() as { action: string; context: string; email: string }[];
    return rows.map((r) => ({ action: r.action, client: (JSON.parse(r.context) as { client: string }).client, actor: r.email }));
  } finally {
    db.close();
  }
}

describe('OAuth clients admin page in the web vault', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;

  /** How the provider's introspection endpoint answers this client id and secret: 200 authenticated, 401 not. */
  const clientAuthStatus = async (clientId: string, secret: string) =>
    (
      await fetch(`${server.url}/oauth/introspect`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(`${clientId}:${secret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=not-a-token',
      })
    ).status;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    page = await browser.newPage();
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    for (const email of [ADMIN, AUDITOR, USER]) await client.register({ email, password: PASSWORD });
    grantRole(server.dataDir, ADMIN, 'admin');
    grantRole(server.dataDir, AUDITOR, 'auditor');
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await browser.screenshot(page, `failed-admin-oauth-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('registers, shows the secret once, rotates, disables, enables and deletes — each an audit event', async () => {
    await login(page, server.url, ADMIN, PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    await page.getByText('No applications registered.').waitFor();

    // Register a confidential client: the secret is shown once, and only "Done" (after confirming) leaves.
    await page.getByRole('button', { name: 'Register an application' }).click();
    const form = page.getByRole('form', { name: 'Register an application' });
    await form.getByLabel('Name').fill('Team wiki');
    await form.getByLabel('Redirect URIs').fill(`${REDIRECT}\n\n`);
    await form.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Application registered' }).waitFor();
    const clientId = ((await page.locator('main code').first().textContent()) ?? '').trim();
    expect(clientId).toMatch(/^wwc_[A-Za-z0-9_-]{22}$/);
    const secret = ((await page.getByTestId('shown-once-value').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await clientAuthStatus(clientId, secret)).toBe(200);
    expect(await clientAuthStatus(clientId, `${secret.slice(0, -1)}x`)).toBe(401);
    const done = page.getByRole('button', { name: 'Done' });
    expect(await done.isDisabled()).toBe(true);
    await page.getByLabel('I have stored the client secret').check();
    await done.click();
    const row = page.getByRole('row', { name: /Team wiki/ });
    await row.waitFor();
    expect((await row.innerText()).replace(/\s+/g, ' ')).toContain(`Team wiki ${clientId} Confidential Active ${REDIRECT}`);
    // The secret is gone from the page and was never put in browser storage.
    expect(await page.locator('main').innerText()).not.toContain(secret);
    expect(JSON.stringify(await browserStorage(page))).not.toContain(secret);

    // A redirect URI the API refuses is refused with a message, and nothing is registered.
    await page.getByRole('button', { name: 'Register an application' }).click();
    await form.getByLabel('Name').fill('Bad app');
    await form.getByLabel('Redirect URIs').fill('http://wiki.example/callback');
    await form.getByRole('button', { name: 'Register' }).click();
    await form.getByRole('alert').waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();

    // A public client: no secret to show.
    await page.getByRole('button', { name: 'Register an application' }).click();
    await form.getByLabel('Name').fill('Dashboard SPA');
    await form.getByLabel('Redirect URIs').fill('http://127.0.0.1:5173/cb');
    await form.getByLabel(/^Public client/).check();
    await form.getByRole('button', { name: 'Register' }).click();
    const spaRow = page.getByRole('row', { name: /Dashboard SPA/ });
    await spaRow.waitFor();
    expect(await spaRow.innerText()).toContain('Public');
    expect(await page.getByTestId('shown-once-value').count()).toBe(0);
    expect(await page.getByRole('row', { name: /Bad app/ }).count()).toBe(0);
    await browser.screenshot(page, 'admin-oauth-clients');

    // Rotate: a new secret, shown once; the old one stops working at once.
    await page.getByRole('button', { name: 'Manage Team wiki' }).click();
    const dialog = page.getByRole('dialog', { name: 'Team wiki' });
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'New client secret' }).waitFor();
    await browser.screenshot(page, 'admin-oauth-secret-shown-once');
    const rotated = ((await page.getByTestId('shown-once-value').textContent()) ?? '').trim();
    expect(rotated).not.toBe(secret);
    expect(await clientAuthStatus(clientId, secret)).toBe(401);
    expect(await clientAuthStatus(clientId, rotated)).toBe(200);
    await page.getByLabel('I have stored the client secret').check();
    await page.getByRole('button', { name: 'Done' }).click();

    // Disable, then enable: the table follows; a disabled client cannot authenticate.
    await page.getByRole('button', { name: 'Manage Team wiki' }).click();
    await dialog.getByRole('button', { name: 'Disable application' }).click();
    await dialog.getByRole('button', { name: 'Enable application' }).waitFor();
    expect(await clientAuthStatus(clientId, rotated)).toBe(401);
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await row.innerText()).toContain('Disabled');
    await page.getByRole('button', { name: 'Manage Team wiki' }).click();
    await dialog.getByRole('button', { name: 'Enable application' }).click();
    await dialog.getByRole('button', { name: 'Disable application' }).waitFor();
    expect(await clientAuthStatus(clientId, rotated)).toBe(200);

    // Delete only after typing the name.
    await dialog.getByLabel("Type the application's name to delete it").fill('Team wik');
    await dialog.getByRole('button', { name: 'Delete application' }).click();
    await dialog.getByText('The name does not match.').waitFor();
    expect(await clientAuthStatus(clientId, rotated)).toBe(200);
    await dialog.getByLabel("Type the application's name to delete it").fill('Team wiki');
    await dialog.getByRole('button', { name: 'Delete application' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await row.count()).toBe(0);
    expect(await clientAuthStatus(clientId, rotated)).toBe(401);

    expect(clientEvents(server.dataDir).filter((e) => e.client === clientId)).toEqual(
      ['created', 'secret_rotated', 'disabled', 'enabled', 'deleted'].map((a) => ({ action: `admin.oauth_client_${a}`, client: clientId, actor: ADMIN })),
    );
    const audit = JSON.stringify(new Database(join(server.dataDir, 'watchword.db'), { readonly: true }).prepare('SELECT * FROM audit_events').all());
    expect(audit).not.toContain(secret);
    expect(audit).not.toContain(rotated);
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    await logout(page);
  });

  it('an auditor sees the applications but no control to change them; an ordinary account sees no link', async () => {
    await login(page, server.url, AUDITOR, PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('row', { name: /Dashboard SPA/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Register an application' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Manage/ }).count()).toBe(0);
    await logout(page);

    await login(page, server.url, USER, PASSWORD);
    await page.waitForTimeout(300); // the permissions have been read by the time the vault shows; a moment anyway
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).count()).toBe(0);
    await page.goto(`${server.url}/#/admin/oauth`);
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
    await logout(page);
  });
});
