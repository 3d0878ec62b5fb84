/**
 * Settings → Export in real Chromium against a real server process: the master password again, a downloaded file
 * read back — Watchword JSON with every item, and an encrypted export that opens with the export password (Argon2id
 * through hash-wasm's WebAssembly in the page, under the strict CSP); a wrong master password downloads nothing.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openEncryptedExport, parseWatchwordExport } from '@watchword/client/export';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, launchBrowser } from './support/browser.ts';
import { addLoginItem, confirmRecoveryKeySaved, login, register } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const EMAIL = 'ada@example.com';
const PASSWORD = 'harbour lantern quietly 1906 ferns';
const EXPORT_PASSWORD = 'velvet quarry 42 mosaic thistle';

describe('vault export in the web vault', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    page = await browser.newPage();
    await register(page, server.url, EMAIL, PASSWORD);
    await confirmRecoveryKeySaved(page);
    await login(page, server.url, EMAIL, PASSWORD);
    await addLoginItem(page, { name: 'Mail', username: 'ada', password: 'mail-pw-1!', url: 'https://mail.example.com', folder: 'Personal', fields: [{ name: 'pin', value: '4321', hidden: true }] });
    await addLoginItem(page, { name: 'Bank', username: 'ada.l', password: '=SUM(A1)' });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Export' }).click();
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await browser.screenshot(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const form = () => page.getByRole('form', { name: 'Export the vault' });

  it('a wrong master password downloads nothing', async () => {
    let downloads = 0;
    page.on('download', () => void downloads++);
    await form().getByLabel('Format').selectOption('json');
    await form().getByLabel('Master password', { exact: true }).fill('not my password at all');
    await form().getByRole('button', { name: 'Export' }).click();
    // The proof runs Argon2id in the page first: allow for a busy machine.
    await form().getByRole('alert').waitFor({ timeout: 30_000 });
    expect(await form().getByRole('alert').textContent()).toMatch(/password/i);
    expect(downloads).toBe(0);
    page.removeAllListeners('download');
  });

  it('Watchword JSON: warned as plaintext, downloaded with every item and field', async () => {
    await form().getByLabel('Format').selectOption('json');
    await expect(form().getByText(/This file is not encrypted/).isVisible()).resolves.toBe(true);
    await form().getByLabel('Master password', { exact: true }).fill(PASSWORD);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), form().getByRole('button', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^watchword-export-\d{4}-\d{2}-\d{2}\.json$/);
    const parsed = parseWatchwordExport(readFileSync((await download.path()) ?? '', 'utf8'));
    const byName = Object.fromEntries(parsed.items.map((i) => [i.content.name, i.content]));
    expect(Object.keys(byName).sort()).toEqual(['Bank', 'Mail']);
    expect(byName.Mail).toMatchObject({ type: 'login', folder: 'Personal', fields: [{ name: 'pin', value: '4321', hidden: true }], login: { username: 'ada', password: 'mail-pw-1!', urls: ['https://mail.example.com'] } });
    expect(byName.Bank?.login?.password).toBe('=SUM(A1)');
    await form().getByText(/Exported 2 item\(s\)/).waitFor({ timeout: 30_000 });
  });

  it('encrypted JSON with an export password opens with that password', async () => {
    await form().getByLabel('Format').selectOption('encrypted-json');
    await form().getByLabel('Seal it with').selectOption('password');
    await form().getByLabel('Export password', { exact: true }).fill(EXPORT_PASSWORD);
    await form().getByLabel('Repeat export password').fill(EXPORT_PASSWORD);
    await form().getByLabel('Master password', { exact: true }).fill(PASSWORD);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), form().getByRole('button', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.encrypted\.json$/);
    const text = readFileSync((await download.path()) ?? '', 'utf8');
    expect(text).not.toContain('mail-pw-1!');
    const parsed = parseWatchwordExport(await openEncryptedExport(text, { password: EXPORT_PASSWORD }));
    expect(parsed.items.map((i) => i.content.name).sort()).toEqual(['Bank', 'Mail']);
  });

  it('the exports are in the security activity; no CSP violation or page error', async () => {
    await page.getByRole('link', { name: 'Security activity' }).click();
    await page.getByText('Vault exported').first().waitFor({ timeout: 30_000 });
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
