/**
 * The admin pages in real Chromium: users (search, disable/enable, roles), roles, and the audit log with filters
 * and export — for an account holding the owner role — and no admin navigation for an ordinary account.
 * They run against the real admin API (paths and permissions listed in apps/web/src/admin-api.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { WatchwordClient } from '@watchword/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, launchBrowser } from './support/browser.ts';
import { login, logout } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const OWNER = 'owner@example.com';
const BOB = 'bob@example.com';
const PASSWORD = 'admin pages need strong 88 passwords';

/** Grants the owner role in the server's database (the admin API has no bootstrap of its own). */
function grantOwner(dataDir: string, email: string): void {
  const db = new Database(join(dataDir, 'watchword.db'));
  try {
    const user = db.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: string };
    db.prepare('INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES (?, ?, NULL, ?)').run(user.id, 'owner', Date.now());
  } finally {
    db.close();
  }
}

/** The audit events of an account as actor that were refusals (`denied`): what its Security activity shows in red. */
function deniedEvents(dataDir: string, email: string): { action: string; context: string }[] {
  const db = new Database(join(dataDir, 'watchword.db'), { readonly: true });
  try {
    const user = db.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: string };
    return db.prepare("SELECT action, context FROM audit_events WHERE actor_id = ? AND outcome = 'denied'").all(user.id) as { action: string; context: string }[];
  } finally {
    db.close();
  }
}

describe('admin pages in the web vault', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;
  let adminApi = false;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    page = await browser.newPage();
    // Accounts made outside the page, with the cheap test-only key stretching (the page logs in with whatever
    // profile the server says an account has).
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    for (const email of [OWNER, BOB]) await client.register({ email, password: PASSWORD });
    await client.login({ email: BOB, password: PASSWORD, deviceName: 'bob laptop' });
    grantOwner(server.dataDir, OWNER);
    // The admin API answers 401 (not 404) without a token: the pages below run against the real routes.
    adminApi = (await fetch(`${server.url}/api/v1/admin/roles`)).status === 401;
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await browser.screenshot(page, `failed-admin-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  function requireAdminApi(context: { skip(note?: string): void }): void {
    void context;
    expect(adminApi, 'the admin API must be served').toBe(true);
  }

  it('shows no admin pages to an ordinary account', async () => {
    await login(page, server.url, BOB, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Settings' }).waitFor();
    // The permissions have been read by the time the vault is shown; give it a moment anyway.
    await page.waitForTimeout(300);
    for (const name of ['Users', 'Roles', 'Audit log']) expect(await nav.getByRole('link', { name }).count()).toBe(0);
    // The page learned that from the account's permissions: nothing was refused, so nothing red in its activity.
    expect(deniedEvents(server.dataDir, BOB)).toEqual([]);
    await page.goto(`${server.url}/#/admin/audit`);
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
    await logout(page);
  });

  it('lists and manages users (search, disable and enable, roles)', async (context) => {
    requireAdminApi(context);
    await login(page, server.url, OWNER, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('cell', { name: BOB, exact: true }).waitFor();
    await page.getByLabel('Search by e-mail address').fill('bob');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: `Manage ${BOB}` }).click();
    const dialog = page.getByRole('dialog', { name: BOB });
    await dialog.getByRole('button', { name: 'Disable account' }).click();
    await dialog.getByRole('button', { name: 'Enable account' }).waitFor();
    // A controlled checkbox: it turns on once the server has granted the role (polled below).
    await dialog.getByLabel(/^auditor/).click();
    await expect.poll(() => dialog.getByLabel(/^auditor/).isChecked()).toBe(true);
    // The answer to "Enable" is held until the dialog has been closed: it must update the list, not reopen the dialog.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/admin/users/*/enable', async (route) => {
      await held;
      await route.continue();
    });
    await dialog.getByRole('button', { name: 'Enable account' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const enabled = page.waitForResponse('**/api/v1/admin/users/*/enable');
    release();
    expect((await enabled).status()).toBe(200);
    await page.unroute('**/api/v1/admin/users/*/enable');
    await page.waitForTimeout(200); // the answer has been handled
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.getByRole('cell', { name: /auditor/ }).first().waitFor();
    await browser.screenshot(page, 'admin-users');
    await nav.getByRole('link', { name: 'Roles' }).click();
    for (const role of ['user', 'auditor', 'admin', 'owner']) await page.getByRole('cell', { name: new RegExp(`^${role}`) }).first().waitFor();
  });

  it('reads the audit log with filters and exports it as CSV and JSON Lines', async (context) => {
    requireAdminApi(context);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Audit log' }).click();
    const table = page.getByRole('table', { name: 'Audit events' });
    await table.getByRole('cell', { name: 'auth.login' }).first().waitFor();
    await page.getByLabel('Action').fill('account.register');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(async () => new Set(await table.locator('tbody tr td:nth-child(2)').allTextContents())).toEqual(new Set(['account.register']));
    await browser.screenshot(page, 'admin-audit');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    expect(readFileSync((await csv.path()) ?? '', 'utf8').split('\n')[0]).toMatch(/action/);
    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON Lines' }).click()]);
    const lines = readFileSync((await jsonl.path()) ?? '', 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('action');
  });

  it('where administration needs a second factor, a password-only owner is told how to get there', async () => {
    const strict = await startVaultServer({ ADMIN_SECOND_FACTOR: 'required' });
    try {
      await new WatchwordClient({ serverUrl: strict.url, kdfVersion: 0, passwordPolicy: false }).register({ email: OWNER, password: PASSWORD });
      grantOwner(strict.dataDir, OWNER);
      await login(page, strict.url, OWNER, PASSWORD);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Administration' }).click();
      await page.getByRole('heading', { name: 'Administration needs a second factor' }).waitFor();
      for (const name of ['Users', 'Roles', 'Audit log']) expect(await nav.getByRole('link', { name }).count()).toBe(0);
      expect(deniedEvents(strict.dataDir, OWNER)).toEqual([]);
      await page.getByRole('link', { name: 'Settings → Two-step login' }).click();
      await page.waitForURL(/#\/settings\/two-step$/);
      await logout(page);
    } finally {
      await strict.stop();
    }
  });

  it('the browser reported no CSP violation', () => {
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
