/**
 * The web vault end to end in real Chromium (Debian's, headless) against a real server process: register → confirm
 * the address → log in → add a login item → search → reveal and copy (cleared again after 30 s) → edit → a conflict
 * from a second tab → trash → restore → purge; a stored-XSS attempt; lock, unlock and the inactivity lock; keyboard
 * only; a phone-sized screen. Throughout, the browser must report no CSP violation, and afterwards nothing secret may
 * be left in browser storage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { WatchwordClient } from '@watchword/client';
import { decodeBase32, totp } from '@watchword/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST, ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, browserStorage, deviceStorage, launchBrowser } from './support/browser.ts';
import { addLoginItem, confirmRecoveryKeySaved, itemPane, login, openItem, register, unlabelledControls, unlockWithPassword, vaultShown } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';
import * as kdbxweb from 'kdbxweb';
import { FIXTURES } from '@watchword/testkit';
import '../../../packages/client/src/import/keepass-kdbx.ts';

const EMAIL = 'ada@example.com';
const PASSWORD = 'velvet orbit canyon marmalade 42';
const ITEM_PASSWORD = 'Gh-s3cret-!Q7w';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const RECOVERY_KEY_RE = /^(?:[0-9A-Z]{4}-){13}[0-9A-Z]{4}$/;

describe('web vault in Chromium', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;
  let recoveryKey = '';
  const secretsSeen = new Set<string>([PASSWORD, ITEM_PASSWORD, TOTP_SECRET]);

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
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

  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  /**
   * Fake time (Playwright's clock, installed once): runs the page's timers due within `ms`, then puts the page's
   * clock back in step with the real one — DPoP proofs carry the page's time, and the server allows little skew.
   */
  const advance = async (ms: number) => {
    await page.clock.fastForward(ms);
    await page.clock.setSystemTime(Date.now());
  };

  it('serves the page with the strict CSP and long-lived caching for hashed files', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(await index.text())?.[1];
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // The build wrote a gzipped copy, which the server sends as it is (fetch unzips it again).
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    const built = readFileSync(join(WEB_DIST, script as string));
    expect(gunzipSync(readFileSync(join(WEB_DIST, `${script as string}.gz`))).equals(built)).toBe(true);
    // Read it all: an unread body keeps the connection (and the server's shutdown) waiting.
    expect(Buffer.from(await asset.arrayBuffer()).equals(built)).toBe(true);
  });

  it('registers with a strength meter and shows the recovery key once, with copy and download', async () => {
    await page.goto(`${server.url}/#/register`);
    await page.getByLabel('Master password', { exact: true }).fill('password123');
    // The first check loads the zxcvbn dictionaries (about 1.6 MB of script): seconds, not one, on a loaded machine.
    await expect.poll(() => page.locator('.strength-label').textContent(), { timeout: 15_000 }).toMatch(/Very weak|Weak/);
    await expect(unlabelledControls(page)).resolves.toEqual([]);

    recoveryKey = await register(page, server.url, EMAIL, PASSWORD);
    expect(recoveryKey).toMatch(RECOVERY_KEY_RE);
    secretsSeen.add(recoveryKey);
    await browser.screenshot(page, 'register-recovery-key');

    await page.getByRole('button', { name: 'Copy recovery key' }).click();
    expect(await clipboard()).toBe(recoveryKey);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download recovery key' }).click()]);
    expect(readFileSync((await download.path()) ?? '', 'utf8')).toContain(recoveryKey);
    // Continue stays disabled until the person confirms the key is saved.
    await expect(page.getByRole('button', { name: 'Continue to log in' }).isDisabled()).resolves.toBe(true);
    await confirmRecoveryKeySaved(page);
  });

  it('confirms the e-mail address from the mailed #/verify-email link', async () => {
    const link = await server.mailLink(EMAIL, 'verify-email');
    await page.goto(link);
    await page.getByText('Your e-mail address is confirmed.').waitFor();
    // The token is taken out of the address bar at once.
    expect(page.url()).not.toContain('token=');
  });

  it('logs in (the vault is decrypted in the page)', async () => {
    await page.goto(`${server.url}/#/login`);
    await expect(unlabelledControls(page)).resolves.toEqual([]);
    const started = Date.now();
    await login(page, server.url, EMAIL, PASSWORD);
    // OPAQUE with the production Argon2id profile (64 MiB, t=3, p=4) in the page's WebAssembly.
    expect(Date.now() - started).toBeLessThan(15_000);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText(`${EMAIL} — confirmed`).waitFor();
    await page.getByRole('link', { name: 'Vault' }).click();
  });

  it('adds a login item with the password generator, custom fields and a TOTP key', async () => {
    await page.getByLabel('New item type').selectOption('login');
    await page.getByRole('button', { name: 'New item' }).click();
    await page.getByRole('button', { name: 'Generate' }).click();
    // The length slider by keyboard: End = the longest.
    await page.getByLabel('Length: 20').focus();
    await page.keyboard.press('End');
    await page.getByLabel('Length: 64').waitFor();
    await page.getByRole('button', { name: 'Use this password' }).click();
    await expect.poll(async () => (await page.getByLabel('Password', { exact: true }).inputValue()).length).toBe(64);
    await expect(unlabelledControls(page)).resolves.toEqual([]);
    await page.getByRole('link', { name: 'Cancel' }).click();

    await addLoginItem(page, {
      name: 'GitHub',
      username: 'ada',
      password: ITEM_PASSWORD,
      url: 'https://github.com/login',
      totp: TOTP_SECRET,
      folder: 'Work',
      notes: 'Personal account\nsecond line',
      fields: [
        { name: 'Recovery e-mail', value: 'ada@backup.example', hidden: false },
        { name: 'PIN', value: '4711', hidden: true },
      ],
    });
    await addLoginItem(page, { name: 'Bank', username: 'ada.l', password: 'Bank-pw-9!', url: 'https://bank.example' });
    secretsSeen.add('Bank-pw-9!');
    await page.getByText('2 items').waitFor();
  });

  it('searches instantly and filters by type, folder and favourites', async () => {
    const list = page.getByRole('list', { name: 'Items' });
    await page.getByLabel('Search').fill('git');
    await expect.poll(() => list.getByRole('link').count()).toBe(1);
    await page.getByLabel('Search').fill('bank.example');
    await expect.poll(() => list.getByRole('link').allTextContents()).toEqual([expect.stringContaining('Bank')]);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Folder').selectOption('Work');
    await expect.poll(() => list.getByRole('link').count()).toBe(1);
    await page.getByLabel('Folder').selectOption('');
    await page.getByLabel('Type', { exact: true }).selectOption('card');
    await page.getByText('Nothing matches.').waitFor();
    await page.getByLabel('Type', { exact: true }).selectOption('all');
    await page.getByLabel('Favourites only').check();
    await page.getByText('0 items').waitFor();
    await page.getByLabel('Favourites only').uncheck();
    await page.getByLabel('Search').fill('git');
    await browser.screenshot(page, 'vault-search');
    await page.getByLabel('Search').fill('');
  });

  it('shows the item: reveal and copy the password (cleared from the clipboard after 30 s), copy the user name, a live TOTP code', async () => {
    await openItem(page, 'GitHub');
    // Item names stay out of the document title (browsers keep titles in their history, on disk).
    expect(await page.title()).toBe('Item · Watchword');
    // Masked until revealed.
    expect(await page.getByText(ITEM_PASSWORD).count()).toBe(0);
    await page.getByRole('button', { name: 'Reveal password' }).click();
    await page.getByText(ITEM_PASSWORD).waitFor();
    await page.getByRole('button', { name: 'Hide password' }).click();
    expect(await page.getByText(ITEM_PASSWORD).count()).toBe(0);

    // The code the page shows is RFC 6238 of the stored key.
    const shown = (await page.getByTestId('totp-code').textContent())?.replace(/\s+/g, '') ?? '';
    const now = Date.now();
    const expected = await Promise.all([-30_000, 0, 30_000].map((d) => totp(decodeBase32(TOTP_SECRET), now + d)));
    expect(expected).toContain(shown);

    const link = page.getByRole('link', { name: /github\.com\/login/ });
    expect(await link.getAttribute('href')).toBe('https://github.com/login');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    await page.getByRole('button', { name: 'Reveal PIN' }).click();
    await page.getByText('4711').waitFor();
    await browser.screenshot(page, 'item-view');

    await page.getByRole('button', { name: 'Copy user name' }).click();
    expect(await clipboard()).toBe('ada');

    // Fake timers from here on (Playwright's clock): the page's 30-second timer runs in a blink.
    await page.clock.install();
    await page.getByRole('button', { name: 'Copy password' }).click();
    expect(await clipboard()).toBe(ITEM_PASSWORD);
    await page.getByText('Password copied. The clipboard is cleared in 30 seconds.').waitFor();
    await advance(29_000);
    expect(await clipboard()).toBe(ITEM_PASSWORD);
    await advance(2_000);
    await expect.poll(clipboard).toBe('');

    // Something else copied in the meantime is left alone.
    await page.getByRole('button', { name: 'Copy password' }).click();
    await page.evaluate(() => navigator.clipboard.writeText('my own text'));
    await advance(31_000);
    expect(await clipboard()).toBe('my own text');
  });

  it('edits, and a save over a newer version from a second tab is a clear choice, never a silent overwrite', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit “GitHub”' }).waitFor();
    await page.getByLabel('User name', { exact: true }).fill('ada-from-tab-1');

    // Meanwhile, a second tab (the same session, kept by the browser: it opens locked) changes the password.
    const tab2 = await browser.newPage();
    await tab2.goto(`${server.url}/#/vault`);
    await unlockWithPassword(tab2, PASSWORD);
    await vaultShown(tab2);
    await openItem(tab2, 'GitHub');
    await tab2.getByRole('link', { name: 'Edit' }).click();
    await tab2.getByLabel('Password', { exact: true }).fill('changed-in-tab-2!');
    secretsSeen.add('changed-in-tab-2!');
    await tab2.getByRole('button', { name: 'Save', exact: true }).click();
    await tab2.getByText('revision 2').waitFor();

    await page.bringToFront();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'This item was changed elsewhere' });
    await dialog.waitFor();
    await dialog.getByText(/you edited revision 1; it is now at revision 2/).waitFor();
    await dialog.getByText(/differ in: user name, password/).waitFor();
    await browser.screenshot(page, 'conflict');

    // Nothing was overwritten: the second tab's version is what the server holds.
    await tab2.reload();
    await unlockWithPassword(tab2, PASSWORD);
    await vaultShown(tab2);
    await openItem(tab2, 'GitHub');
    await tab2.getByRole('button', { name: 'Reveal password' }).click();
    await tab2.getByText('changed-in-tab-2!').waitFor();

    // "Keep editing" saves nothing; saving again asks again; then the person chooses to overwrite.
    await dialog.getByRole('button', { name: 'Keep editing' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.getByRole('button', { name: 'Save my version over theirs' }).click();
    await page.getByRole('heading', { name: 'GitHub', level: 1 }).waitFor();
    await itemPane(page).getByText('revision 3').waitFor();
    await itemPane(page).getByText('ada-from-tab-1').waitFor();
    await tab2.close();
  });

  it('moves to the trash, restores, and purges for good', async () => {
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByText('1 item', { exact: true }).waitFor();
    await page.getByLabel('Show trash').check();
    await openItem(page, 'GitHub');
    await page.getByText(/in the trash since/).waitFor();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('0 items in the trash').waitFor();
    await page.getByLabel('Show trash').uncheck();
    await page.getByText('2 items').waitFor();

    await openItem(page, 'Bank');
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByLabel('Show trash').check();
    await openItem(page, 'Bank');
    await page.getByRole('button', { name: 'Delete permanently' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete permanently?' });
    await confirm.getByRole('button', { name: 'Delete permanently' }).click();
    await page.getByText('0 items in the trash').waitFor();
    await page.getByLabel('Show trash').uncheck();
    await page.getByText('1 item', { exact: true }).waitFor();
  });

  it('adds a secure note, a card and an identity', async () => {
    const pane = itemPane(page);
    const start = async (type: string, heading: string) => {
      await page.getByLabel('New item type').selectOption(type);
      await page.getByRole('button', { name: 'New item' }).click();
      await pane.getByRole('heading', { name: heading }).waitFor();
    };
    await start('note', 'New secure note');
    await pane.getByLabel('Name', { exact: true }).fill('Wi-Fi');
    await pane.getByLabel('Notes', { exact: true }).fill('SSID home\npassphrase in the hidden field');
    await pane.getByRole('button', { name: 'Add field' }).click();
    await pane.getByLabel('Field 1 name').fill('Passphrase');
    await pane.getByLabel('Hide field 1 (a secret)').check();
    await pane.getByLabel('Field 1 value').fill('wifi-secret-77');
    secretsSeen.add('wifi-secret-77');
    await pane.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Wi-Fi', level: 1 }).waitFor();
    expect(await page.getByText('wifi-secret-77').count()).toBe(0);

    await start('card', 'New card');
    await pane.getByLabel('Name', { exact: true }).fill('Visa');
    await pane.getByLabel('Cardholder').fill('Ada Lovelace');
    await pane.getByLabel('Card number').fill('4111 1111 1111 1111');
    await pane.getByLabel('Expiry month (MM)').fill('12');
    await pane.getByLabel('Expiry year (YYYY)').fill('2030');
    await pane.getByLabel('Security code').fill('737');
    secretsSeen.add('4111 1111 1111 1111');
    await browser.screenshot(page, 'item-edit-card');
    await pane.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Visa', level: 1 }).waitFor();
    await page.getByText('12/2030').waitFor();
    await page.getByRole('button', { name: 'Reveal card number' }).click();
    await pane.getByText('4111 1111 1111 1111').waitFor();
    await page.getByRole('list', { name: 'Items' }).getByText('•••• 1111').waitFor();

    await start('identity', 'New identity');
    await pane.getByLabel('Name', { exact: true }).fill('Me');
    await pane.getByLabel('First name').fill('Ada');
    await pane.getByLabel('Last name').fill('Lovelace');
    await pane.getByLabel('Address').fill('12 St James’s Square\nLondon');
    await pane.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Me', level: 1 }).waitFor();
    await pane.getByText('Lovelace', { exact: true }).waitFor();
    await page.getByLabel('Type', { exact: true }).selectOption('identity');
    await expect.poll(() => page.getByRole('list', { name: 'Items' }).getByRole('link').count()).toBe(1);
    await page.getByLabel('Type', { exact: true }).selectOption('all');
  });

  it('imports items from a CSV file (encrypted in the page)', async () => {
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('File').setInputFiles({
      name: 'export.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('name,username,password,url,folder\nForum,ada,"pw,with,commas",https://forum.example,Hobby\nShop,ada2,shop-pw,,\n'),
    });
    await page.getByRole('button', { name: 'Read file' }).click();
    await page.getByRole('button', { name: 'Import 2 item(s)' }).click();
    // Shown on the page and told to screen readers: two nodes with the text.
    await page.getByText('Imported 2 item(s).').first().waitFor();
    secretsSeen.add('pw,with,commas');
    await page.getByRole('link', { name: 'Vault' }).click();
    await page.getByLabel('Folder').selectOption('Hobby');
    await expect.poll(() => page.getByRole('list', { name: 'Items' }).getByRole('link').allTextContents()).toEqual([expect.stringContaining('Forum')]);
    await page.getByLabel('Folder').selectOption('');
  });

  /** Reads a real export in the import page: its preview table, then the vault list once imported. */
  async function importFixture(name: string, expected: { total: number; rows: string[]; leftOut?: string; count: string }) {
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('File').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: readFileSync(join(FIXTURES, name)) });
    await page.getByRole('button', { name: 'Read file' }).click();
    const table = page.getByRole('table', { name: 'Items in the file' });
    await table.waitFor();
    const names = await table.locator('tbody tr td:first-child').allTextContents();
    expect(names).toHaveLength(expected.total);
    expect(names).toEqual(expect.arrayContaining(expected.rows.map((r) => expect.stringContaining(r))));
    if (expected.leftOut) await page.getByText(expected.leftOut).first().waitFor();
    await page.getByRole('button', { name: `Import ${expected.total} item(s)` }).click();
    await page.getByText(expected.count).first().waitFor();
  }

  async function vaultNames(folder = ''): Promise<string[]> {
    await page.getByRole('link', { name: 'Vault' }).click();
    await page.getByLabel('Folder').selectOption(folder);
    const names = await page.getByRole('list', { name: 'Items' }).getByRole('link').allTextContents();
    await page.getByLabel('Folder').selectOption('');
    return names;
  }

  it('imports a Bitwarden JSON export: table first, then every item in the vault list', async () => {
    await importFixture('bitwarden.json', { total: 4, rows: ['My Secure Note', 'Card Name', 'My Identity', 'Login Name'], count: 'Imported 4 item(s).' });
    const names = await vaultNames('My Folder');
    for (const n of ['My Secure Note', 'My Identity', 'Login Name']) expect(names).toEqual(expect.arrayContaining([expect.stringContaining(n)]));
    expect(await vaultNames('Second Folder')).toEqual([expect.stringContaining('Card Name')]);
    secretsSeen.add('mypassword');
    // The login came with its three URLs, its user name, and text, hidden and boolean fields.
    await page.getByLabel('Search').fill('Login Name');
    await openItem(page, 'Login Name');
    const pane = itemPane(page);
    for (const text of ['myusername@gmail.com', 'https://mail.google.com', 'https://google.com', 'https://gmail.com', 'text-field-value', 'favourite', 'folder My Folder']) {
      await pane.getByText(text).first().waitFor();
    }
    await expect(pane.getByText('hidden-field-value').count()).resolves.toBe(0);
    await pane.locator('dt', { hasText: 'Boolean Field' }).waitFor();
    expect(await pane.locator('dt:has-text("Boolean Field") + dd').textContent()).toContain('Yes');
    await page.getByLabel('Search').fill('');
  });

  it('opens a KeePass KDBX 4 database in the page (Argon2id in WebAssembly) after asking for its password', async () => {
    const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString('kdbx in the page')), 'Browser DB');
    db.setKdf(kdbxweb.Consts.KdfId.Argon2id);
    db.header.kdfParameters?.set('M', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1024 * 1024));
    const group = db.createGroup(db.getDefaultGroup(), 'Servers');
    const entry = db.createEntry(group);
    entry.fields.set('Title', 'Router admin');
    entry.fields.set('UserName', 'admin');
    entry.fields.set('Password', kdbxweb.ProtectedValue.fromString('r0uter-pass'));
    secretsSeen.add('r0uter-pass');
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('File').setInputFiles({ name: 'db.kdbx', mimeType: 'application/octet-stream', buffer: Buffer.from(await db.save()) });
    await page.getByRole('button', { name: 'Read file' }).click();
    await page.getByText('This file is encrypted: enter its password, then read it again.').waitFor();
    await page.getByLabel('Password of the file').fill('kdbx in the page');
    await page.getByRole('button', { name: 'Read file' }).click();
    await page.getByRole('table', { name: 'Items in the file' }).getByText('Router admin').waitFor();
    await page.getByRole('button', { name: 'Import 1 item(s)' }).click();
    await page.getByText('Imported 1 item(s).').first().waitFor();
    expect(await vaultNames('Servers')).toEqual([expect.stringContaining('Router admin')]);
  });

  it('imports a 1Password 1PUX export, listing the attachment that cannot come in', async () => {
    await importFixture('1password.1pux', { total: 9, rows: ['Home Wifi', 'Credit Card', 'Bank Account'], leftOut: 'KeePassXC Logo — attachment "keepassxc.png"', count: 'Imported 9 item(s).' });
    expect(await vaultNames('Shared')).toEqual([expect.stringContaining('Bank Account')]);
    const personal = await vaultNames('Personal');
    expect(personal).toHaveLength(8);
    for (const n of ['UUID 005 Password', 'Home Wifi', 'Credit Card', 'Login Archived', 'KeePassXC Logo', 'Secure Note', 'Identity']) expect(personal).toEqual(expect.arrayContaining([expect.stringContaining(n)]));
  });

  it('imports a KeePass 2 XML export: nested groups as folders, the recycle bin into the trash', async () => {
    await importFixture('keepass2-keepassxc.xml', { total: 4, rows: ['Sample Entry 1', 'Sample Entry 2', 'Subsub Entry', 'delentry'], count: 'Imported 4 item(s) (1 into the trash).' });
    expect(await vaultNames('Windows/Subsub')).toEqual([expect.stringContaining('Subsub Entry')]);
    const all = await vaultNames();
    expect(all).toEqual(expect.arrayContaining([expect.stringContaining('Sample Entry 1'), expect.stringContaining('Sample Entry 2')]));
    expect(all).not.toEqual(expect.arrayContaining([expect.stringContaining('delentry')]));
  });

  it('renders stored markup and javascript: URLs inert (text only; links only for http(s))', async () => {
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const name = '<img src=x onerror="window.__xss=1">';
    await addLoginItem(page, {
      name,
      url: 'javascript:window.__xss=3',
      notes: '<script>window.__xss=2</script><b>bold?</b>',
      fields: [
        { name: '<svg onload="window.__xss=4">', value: 'javascript:alert(5)', hidden: false },
        { name: 'link', value: '<a href="javascript:alert(6)">click</a>', hidden: false },
      ],
    });
    await page.getByText('<script>window.__xss=2</script><b>bold?</b>').waitFor();
    expect(await page.locator('main img, main svg, main script, main b').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    await page.getByText('javascript:window.__xss=3').waitFor();
    await page.getByText('(not an http(s) address, so not a link)').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(name);
    // The list, too.
    await page.getByLabel('Search').fill('onerror');
    await page.getByRole('list', { name: 'Items' }).getByText(name).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
    await page.getByLabel('Search').fill('');
    await itemPane(page).getByRole('button', { name: 'Move to trash' }).click();
    await page.getByRole('heading', { name: 'Vault', level: 1 }).waitFor();
  });

  it('works with the keyboard alone', async () => {
    await page.goto(`${server.url}/#/vault`);
    // The page's heading takes focus after a navigation; "/" then jumps to the search box.
    await page.getByRole('heading', { name: 'Vault', level: 1 }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('vault-search');
    await page.keyboard.type('github');
    // Tab from the search box to the first result and open it with Enter.
    let found = false;
    for (let i = 0; i < 15 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement?.textContent?.startsWith('GitHub') === true);
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'GitHub', level: 1 }).waitFor();
    // The new page's heading has focus; the next Tabs reach the item's buttons.
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    let reveal = false;
    for (let i = 0; i < 10 && !reveal; i++) {
      await page.keyboard.press('Tab');
      reveal = await page.evaluate(() => document.activeElement?.textContent === 'Reveal password');
    }
    expect(reveal).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByText(ITEM_PASSWORD).waitFor();
  });

  it('locks and unlocks, and locks by itself after the chosen time without activity', async () => {
    await page.getByRole('banner').getByRole('button', { name: 'Lock' }).click();
    await page.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    expect(await page.getByText(ITEM_PASSWORD).count()).toBe(0);
    await page.getByLabel('Master password').fill('not the password at all');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('alert').getByText(/incorrect/).waitFor();
    await page.getByLabel('Master password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await vaultShown(page);

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Lock the vault after this long without activity').selectOption('2');
    await page.getByRole('link', { name: 'Vault' }).click();
    await page.clock.fastForward(60_000);
    await vaultShown(page);
    await advance(65_000);
    await page.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    await page.getByText('It was locked after a period without activity.').waitFor();
    await browser.screenshot(page, 'locked');
    await page.getByLabel('Master password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await vaultShown(page);
  });

  it('lists the devices and ends another session at once', async () => {
    // Another device: a login outside this browser (every tab of this browser shares one session).
    const other = new WatchwordClient({ serverUrl: server.url });
    const otherVault = await other.login({ email: EMAIL, password: PASSWORD, deviceName: 'second laptop' });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Devices' }).click();
    const rows = page.getByRole('table', { name: 'Devices logged in' }).getByRole('row');
    // Header + this browser + the other device.
    await expect.poll(() => rows.count()).toBe(3);
    await rows.getByRole('button', { name: /^End session/ }).first().waitFor();
    // How each session was signed in: these logins used the password only.
    await rows.getByRole('cell', { name: 'None (password only)' }).first().waitFor();
    await browser.screenshot(page, 'settings-devices');
    const before = await rows.getByRole('button', { name: /^End session/ }).count();
    await rows.getByRole('button', { name: /^End session/ }).last().click();
    await expect.poll(() => rows.getByRole('button', { name: /^End session/ }).count()).toBe(before - 1);
    await page.getByRole('link', { name: 'Security activity' }).click();
    await page.getByRole('cell', { name: 'Log in' }).first().waitFor();
    // Ended at once: the other device's next call is refused.
    await expect(otherVault.session.listSessions()).rejects.toMatchObject({ code: expect.stringMatching(/INVALID_TOKEN|INVALID_REFRESH_TOKEN|UNAUTHENTICATED/) });
  });

  it('is usable on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Vault' }).click();
    await vaultShown(page);
    await advance(6_000);
    await browser.screenshot(page, 'mobile-list', { fullPage: true });
    await openItem(page, 'GitHub');
    // The item replaces the list, with a way back.
    await page.getByRole('list', { name: 'Items' }).waitFor({ state: 'hidden' });
    await browser.screenshot(page, 'mobile-item', { fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.getByRole('link', { name: '← All items' }).click();
    await page.getByRole('list', { name: 'Items' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByLabel('Search').fill('');
    await openItem(page, 'GitHub');
    await advance(6_000); // let the last confirmation toast go
    await browser.screenshot(page, 'vault');
  });

  it('logs out, and leaves nothing secret in browser storage', async () => {
    await page.getByRole('banner').getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
    const storage = await browserStorage(page);
    expect(Object.keys(storage.local)).toEqual(['watchword.settings']);
    expect(JSON.parse(storage.local['watchword.settings'] ?? '{}')).toEqual({ autoLockMinutes: 2, logoutOnClose: false });
    expect(storage.session).toEqual({});
    expect(storage.cookies).toBe('');
    // The web vault's database stays, emptied of this account (its copy, unlock record and queued changes); Cache
    // Storage holds the app shell only (the service worker's, never an API answer).
    expect(storage.indexedDb).toEqual(['watchword']);
    expect(storage.caches.every((name) => name.startsWith('watchword-shell-'))).toBe(true);
    const device = await deviceStorage(page);
    expect(Object.values(device.stores).flat()).toEqual([]);
    expect(device.cachedUrls.every((url) => url === '/' || url.startsWith('/assets/'))).toBe(true);
    for (const secret of secretsSeen) expect(device.indexedDb).not.toContain(secret);
    expect(await browser.context.cookies()).toEqual([]);
    const everything = JSON.stringify(storage);
    for (const secret of secretsSeen) expect(everything).not.toContain(secret);
  });

  it('the browser reported no CSP violation and no uncaught error during the whole run', async () => {
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    // The watch itself works: an inline script injected by hand is refused and reported.
    const before = browser.cspViolations.length;
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = 1';
      document.head.append(script);
    });
    await expect.poll(() => browser.cspViolations.length).toBeGreaterThan(before);
    expect(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBeUndefined();
  });
});
