/**
 * Account security in the web vault, in real Chromium against a real server process: an authenticator app enrolled
 * from the page's QR code / key and a login with a computed code; backup codes; a security key through Chromium's
 * virtual authenticator (CDP WebAuthn domain) and a login with it; a new master password; recovery from the mailed
 * link with the recovery key; account deletion. No CSP violation, nothing secret left in browser storage.
 */
import type { Page } from 'playwright-core';
import { decodeBase32, totp } from '@watchword/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, browserStorage, launchBrowser } from './support/browser.ts';
import { addLoginItem, confirmRecoveryKeySaved, login, logout, register, submitLogin, unlabelledControls, vaultShown } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'harbour lantern quietly 1906 ferns';
const NEW_PASSWORD = 'copper meadow whistle 77 tundra';
const RECOVERED_PASSWORD = 'saffron glacier ledger 5 orchid';
const BACKUP_CODE_RE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

describe('account security in the web vault', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;
  let recoveryKey = '';
  let totpSecret = '';
  /** The last TOTP time step the server accepted (each step works once). */
  let lastStep = 0;
  let backupCodes: string[] = [];
  const secretsSeen = new Set<string>([PASSWORD, NEW_PASSWORD, RECOVERED_PASSWORD]);

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    page = await browser.newPage();
  });

  afterEach(async (context) => {
    // A picture of the page at the moment a test failed (apps/web/test/artifacts/failed-*.png).
    if (context.task.result?.state === 'fail') await browser.screenshot(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A code for a step the server has not seen yet (it accepts ±1 step around its clock). */
  async function nextCode(): Promise<string> {
    const now = Date.now();
    const current = Math.floor(now / 30_000);
    const step = Math.max(current, lastStep + 1);
    if (step > current + 1) throw new Error('the test used the authenticator too fast');
    lastStep = step;
    return totp(decodeBase32(totpSecret), step * 30_000);
  }

  async function readShownOnce(): Promise<string[]> {
    const text = (await page.getByTestId('shown-once-value').textContent()) ?? '';
    return text.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  it('registers and logs in; an item to find again after recovery', async () => {
    recoveryKey = await register(page, server.url, EMAIL, PASSWORD);
    secretsSeen.add(recoveryKey);
    await confirmRecoveryKeySaved(page);
    await login(page, server.url, EMAIL, PASSWORD);
    await addLoginItem(page, { name: 'Mail', username: 'grace', password: 'mail-pw-1!' });
    secretsSeen.add('mail-pw-1!');
  });

  it('enrols an authenticator app from the QR code and key, and shows the backup codes once', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Two-step login' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByLabel('Master password (to confirm it is you)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();

    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    totpSecret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    expect(totpSecret).toMatch(/^[A-Z2-7]{16,}$/);
    secretsSeen.add(totpSecret);
    await expect(unlabelledControls(page)).resolves.toEqual([]);
    await browser.screenshot(page, 'totp-enrol');

    await page.getByLabel('6-digit code from the app').fill(await nextCode());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Backup codes' }).waitFor();
    backupCodes = await readShownOnce();
    expect(backupCodes).toHaveLength(10);
    for (const code of backupCodes) expect(code).toMatch(BACKUP_CODE_RE);
    for (const code of backupCodes) secretsSeen.add(code);
    await browser.screenshot(page, 'backup-codes');
    await page.getByLabel('I have saved these backup codes').check();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByText('Status: on').waitFor();
  });

  it('logs in with a code computed from the key (a wrong one first is refused)', async () => {
    await logout(page);
    await submitLogin(page, EMAIL, PASSWORD);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByLabel('6-digit code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').getByText(/That was not accepted/).waitFor();
    await browser.screenshot(page, 'second-factor');
    await page.getByLabel('6-digit code from your authenticator app').fill(await nextCode());
    await page.getByRole('button', { name: 'Continue' }).click();
    await vaultShown(page);
  });

  it('logs in with a backup code', async () => {
    await logout(page);
    await submitLogin(page, EMAIL, PASSWORD);
    await page.getByRole('button', { name: 'Use a backup code instead' }).click();
    await page.getByLabel('Backup code').fill(backupCodes[0] ?? '');
    await page.getByRole('button', { name: 'Continue' }).click();
    await vaultShown(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Two-step login' }).click();
    await page.getByText('9 unused backup codes left.').waitFor();
  });

  it('adds a security key (Chromium virtual authenticator) and logs in with it', async () => {
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.getByRole('button', { name: 'Add a security key' }).click();
    await page.getByLabel('Name for the key').fill('Laptop passkey');
    await page.getByLabel('Master password (to confirm it is you)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByRole('cell', { name: 'Laptop passkey', exact: true }).waitFor();
    await browser.screenshot(page, 'security-keys');

    await logout(page);
    await submitLogin(page, EMAIL, PASSWORD);
    await page.getByRole('button', { name: 'Use security key' }).click();
    await vaultShown(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Two-step login' }).click();
    // Used just now: the last-used column has a date.
    const row = page.getByRole('row', { name: /Laptop passkey/ });
    await expect.poll(async () => (await row.getByRole('cell').nth(2).textContent())?.trim()).not.toBe('—');
  });

  it('makes new backup codes and removes the security key (each after the master password)', async () => {
    await page.getByRole('button', { name: 'Make a new set of backup codes' }).click();
    await page.getByLabel('Master password (to confirm it is you)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Make new backup codes' }).click();
    await page.getByRole('heading', { name: 'Backup codes' }).waitFor();
    const fresh = await readShownOnce();
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(backupCodes[1]);
    backupCodes = fresh;
    for (const code of fresh) secretsSeen.add(code);
    await page.getByLabel('I have saved these backup codes').check();
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'Remove Laptop passkey' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove “Laptop passkey”?' });
    await dialog.getByLabel('Master password (to confirm it is you)').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Remove key' }).click();
    await page.getByText('None added.').waitFor();
  });

  it('changes the master password', async () => {
    await page.getByRole('link', { name: 'Master password' }).click();
    await page.getByLabel('Current master password').fill(PASSWORD);
    await page.getByLabel('New master password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat new master password').fill(NEW_PASSWORD);
    await expect(unlabelledControls(page)).resolves.toEqual([]);
    await page.getByRole('button', { name: 'Change master password' }).click();
    await page.getByText(/Master password changed/).waitFor();

    await logout(page);
    await submitLogin(page, EMAIL, PASSWORD);
    await page.getByRole('alert').getByText('The e-mail address or master password is incorrect.').waitFor();
    await submitLogin(page, EMAIL, NEW_PASSWORD);
    await page.getByRole('button', { name: 'Use a backup code instead' }).click();
    await page.getByLabel('Backup code').fill(backupCodes[0] ?? '');
    await page.getByRole('button', { name: 'Continue' }).click();
    await vaultShown(page);
  });

  it('recovers from the mailed #/recover link with the recovery key: new password, items kept, new recovery key', async () => {
    await logout(page);
    await page.getByRole('link', { name: 'Forgot your master password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your master password?' }).waitFor();
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.getByRole('button', { name: 'Send recovery mail' }).click();
    await page.getByText(/a recovery mail is on its way/).waitFor();

    await page.goto(await server.mailLink(EMAIL, 'recover'));
    await page.getByRole('heading', { name: 'Set a new master password' }).waitFor();
    expect(page.url()).not.toContain('token=');
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.getByLabel('Recovery key').fill(recoveryKey);
    await page.getByLabel('New master password', { exact: true }).fill(RECOVERED_PASSWORD);
    await page.getByLabel('Repeat new master password').fill(RECOVERED_PASSWORD);
    await page.getByRole('button', { name: 'Set new master password' }).click();
    await page.getByRole('heading', { name: 'Master password changed' }).waitFor();
    const [newKey] = await readShownOnce();
    expect(newKey).toBeDefined();
    expect(newKey).not.toBe(recoveryKey);
    secretsSeen.add(newKey ?? '');
    await page.getByLabel('I have saved my new recovery key somewhere safe').check();
    await page.getByRole('button', { name: 'Continue to log in' }).click();

    // Recovery removes the second factors: straight in, and the item is still readable.
    await login(page, server.url, EMAIL, RECOVERED_PASSWORD);
    await page.getByText('Mail').first().waitFor();
  });

  it('deletes the account after the password and the address typed again', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Delete account' }).click();
    await page.getByLabel('Master password', { exact: true }).fill(RECOVERED_PASSWORD);
    await page.getByLabel('Type your e-mail address to confirm').fill(EMAIL);
    await page.getByLabel('I understand that my vault will be deleted for good').check();
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByText('Your account and every item in it were deleted.').waitFor();
    await submitLogin(page, EMAIL, RECOVERED_PASSWORD);
    await page.getByRole('alert').getByText('The e-mail address or master password is incorrect.').waitFor();
  });

  it('left nothing secret in browser storage, and the browser reported no CSP violation', async () => {
    const everything = JSON.stringify(await browserStorage(page));
    for (const secret of secretsSeen) expect(everything).not.toContain(secret);
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
