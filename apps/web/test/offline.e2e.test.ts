/**
 * The web vault without its server, in real Chromium against a real server process (docs/web-vault.md "Offline" and
 * "Installable app"): the installable app (manifest, icons, a service worker that controls the page and opens the
 * app offline), unlocking offline with the master password against this device's record, search/read/copy from the
 * encrypted copy, edits queued offline and sent when the server answers (read back through a second client), a
 * conflicting offline edit (the conflict choice: keep mine, keep theirs, keep both), and a scan of IndexedDB and
 * Cache Storage for anything secret in the clear.
 *
 * Offline is `context.setOffline(true)`: the page's and the service worker's requests fail as with no network, and
 * `navigator.onLine` turns false; the server keeps running (so the second client can change things meanwhile).
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Vault, WatchwordClient } from '@watchword/client';
import { findSecrets } from '@watchword/testkit';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, deviceStorage, launchBrowser } from './support/browser.ts';
import { addLoginItem, confirmRecoveryKeySaved, itemPane, login, openItem, register } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'copper meadow lantern 1906 quietly';
const MAIL = { name: 'Zephyr Mail', username: 'grace.hopper.cobol', password: 'Mail-pw-9!xQ' };
const BANK = { name: 'Quokka Bank', username: 'g.hopper.bank', password: 'Bank-pw-3$zR' };
const OFFLINE_PASSWORD = 'Offline-pw-7#kV';
const OFFLINE_USERNAME = 'grace.offline.edit';

describe('web vault offline and installable', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;
  /** Another device of the same account (the SDK in Node), to read back what the page sent and to make conflicts. */
  let other: Vault;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await browser.newPage();
  });
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await browser.screenshot(page, `failed-offline-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
    await browser.context.setOffline(false);
  });
  afterAll(async () => {
    other?.lock();
    await browser?.close();
    await server?.stop();
  });

  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const banner = () => page.getByRole('status').filter({ hasText: /^Offline —/ });
  const otherItem = async (name: string) => (await other.list()).find((i) => i.content.name === name);

  it('PWA: the manifest is valid, its icons exist at their sizes, and the service worker controls the page', async () => {
    await page.goto(`${server.url}/#/login`);
    const link = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(link).toBe('/manifest.webmanifest');
    const response = await fetch(`${server.url}${link}`);
    expect(response.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("manifest-src 'self'");
    const manifest = (await response.json()) as { name: string; start_url: string; display: string; theme_color: string; icons: { src: string; sizes: string; type: string; purpose: string }[] };
    expect(manifest).toMatchObject({ name: 'Watchword', start_url: '/', display: 'standalone', theme_color: '#1f4e79' });
    const seen = new Set<string>();
    for (const icon of manifest.icons) {
      const png = Buffer.from(await (await fetch(`${server.url}${icon.src}`)).arrayBuffer());
      // PNG signature, then the IHDR chunk: width and height (RFC 2083 §11.2.2).
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
      expect(icon.type).toBe('image/png');
      seen.add(`${icon.sizes} ${icon.purpose}`);
    }
    expect([...seen].sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);

    const sw = await fetch(`${server.url}/sw.js`);
    expect(sw.headers.get('content-security-policy')).toContain("worker-src 'self'");
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null)).toBe(`${server.url}/sw.js`);
    expect(browser.cspViolations).toEqual([]);
  });

  it('signs in, and the device keeps a sealed copy and the master-password unlock record', async () => {
    await register(page, server.url, EMAIL, PASSWORD);
    await confirmRecoveryKeySaved(page);
    await login(page, server.url, EMAIL, PASSWORD);
    await addLoginItem(page, MAIL);
    await addLoginItem(page, BANK);
    const client = new WatchwordClient({ serverUrl: server.url });
    other = await client.login({ email: EMAIL, password: PASSWORD });
    const userId = other.userId;
    // The copy is saved a moment after each sync, the record after an Argon2id in the background.
    await expect.poll(async () => (await deviceStorage(page)).stores, { timeout: 30_000 }).toMatchObject({ 'vault-cache': [userId], 'device-unlock': [`${userId}:password`] });
  });

  it('offline: unlocks with the master password, shows the banner, searches, reads and copies from the copy', async () => {
    await page.getByRole('banner').getByRole('button', { name: 'Lock' }).click();
    await page.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    await browser.context.setOffline(true);
    await page.getByLabel('Master password', { exact: true }).fill('not the master password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('The master password does not open the copy kept on this device.').waitFor({ timeout: 30_000 });

    await page.getByLabel('Master password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 30_000 });
    await banner().waitFor();
    expect(await banner().textContent()).toMatch(/^Offline — showing the copy from .+/);

    await page.getByLabel('Search').fill('quokka');
    const list = page.getByRole('list', { name: 'Items' });
    await expect.poll(() => list.getByRole('link').count()).toBe(1);
    await openItem(page, BANK.name);
    await itemPane(page).getByText(BANK.username).waitFor();
    await itemPane(page).getByRole('button', { name: 'Copy password' }).click();
    await expect.poll(clipboard).toBe(BANK.password);
    await page.getByLabel('Search').fill('');
  });

  it('offline edits (on the vault opened from the copy) are queued sealed, shown as waiting to sync, and sent when the server answers again', async () => {
    await banner().waitFor();
    await openItem(page, MAIL.name);
    await itemPane(page).getByRole('link', { name: 'Edit' }).click();
    await itemPane(page).getByLabel('User name', { exact: true }).fill(OFFLINE_USERNAME);
    await itemPane(page).getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: MAIL.name, exact: true, level: 1 }).waitFor();
    await addLoginItem(page, { name: 'Yak Forum', username: 'grace.yak', password: OFFLINE_PASSWORD });

    const list = page.getByRole('list', { name: 'Items' });
    await expect.poll(() => list.getByText('waiting to sync').count()).toBe(2);
    await expect.poll(async () => (await deviceStorage(page)).outbox).toBe(2);
    expect(await banner().textContent()).toContain('2 changes are waiting to sync');
    // Nothing has reached the server yet.
    expect((await otherItem(MAIL.name))?.content.login?.username).toBe(MAIL.username);
    expect(await otherItem('Yak Forum')).toBeUndefined();

    await browser.context.setOffline(false);
    await banner().waitFor({ state: 'detached', timeout: 30_000 });
    await expect.poll(() => list.getByText('waiting to sync').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(async () => (await deviceStorage(page)).outbox).toBe(0);
    await expect.poll(async () => (await otherItem(MAIL.name))?.content.login?.username).toBe(OFFLINE_USERNAME);
    expect((await otherItem('Yak Forum'))?.content.login?.password).toBe(OFFLINE_PASSWORD);
  });

  /** Changes the Bank item offline here while the other device changes it on the server; back online → the choice. */
  const conflictingEdit = async (mine: string, theirs: string) => {
    await browser.context.setOffline(true);
    await banner().waitFor();
    await openItem(page, BANK.name);
    await itemPane(page).getByRole('link', { name: 'Edit' }).click();
    await itemPane(page).getByLabel('User name', { exact: true }).fill(mine);
    await itemPane(page).getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: BANK.name, exact: true, level: 1 }).waitFor();
    const current = await otherItem(BANK.name);
    if (!current) throw new Error('the other device does not see the item');
    await other.update(current.id, { ...current.content, login: { ...current.content.login, username: theirs } }, current.revision);
    await browser.context.setOffline(false);
    const dialog = page.getByRole('dialog', { name: 'A change made offline conflicts' });
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByText(/differ in: .*user name/i).waitFor();
    return dialog;
  };

  it('a conflicting offline edit shows the choice; "keep theirs" drops mine, "keep mine" overwrites theirs', async () => {
    let dialog = await conflictingEdit('mine-dropped', 'theirs-kept');
    await dialog.getByRole('button', { name: 'Keep theirs' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await otherItem(BANK.name))?.content.login?.username).toBe('theirs-kept');
    await itemPane(page).getByText('theirs-kept').waitFor();

    dialog = await conflictingEdit('mine-kept', 'theirs-overwritten');
    await dialog.getByRole('button', { name: 'Keep mine' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await otherItem(BANK.name))?.content.login?.username).toBe('mine-kept');
    expect((await deviceStorage(page)).outbox).toBe(0);
  });

  it('a conflicting offline edit: "keep both" keeps theirs and adds mine as a new item', async () => {
    const dialog = await conflictingEdit('mine-as-copy', 'theirs-in-place');
    await dialog.getByRole('button', { name: /Keep both/ }).click();
    await dialog.waitFor({ state: 'detached' });
    const banks = (await other.list()).filter((i) => i.content.name === BANK.name).map((i) => i.content.login?.username).sort();
    expect(banks).toEqual(['mine-as-copy', 'theirs-in-place']);
  });

  it('nothing secret in IndexedDB or Cache Storage: no item plaintext, no master password, no unsealed key', async () => {
    // With a change waiting in the outbox, so that it is scanned too.
    await browser.context.setOffline(true);
    await banner().waitFor();
    await openItem(page, 'Yak Forum');
    await itemPane(page).getByRole('link', { name: 'Edit' }).click();
    await itemPane(page).getByLabel('Password', { exact: true }).fill('Queued-pw-5%tN');
    await itemPane(page).getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Yak Forum', exact: true, level: 1 }).waitFor();
    const stored = await deviceStorage(page);
    expect(stored.outbox).toBe(1);
    // The app shell only: the page and the built files, never an API answer.
    expect(stored.cachedUrls).toContain('/');
    expect(stored.cachedUrls.filter((url) => url !== '/' && !url.startsWith('/assets/'))).toEqual([]);
    const accountKey = other.exportAccountKey();
    const key = Buffer.from(accountKey);
    accountKey.fill(0);
    const secrets = {
      'master password': PASSWORD,
      'item password': BANK.password,
      'mail password': MAIL.password,
      'offline password': OFFLINE_PASSWORD,
      'queued password': 'Queued-pw-5%tN',
      'item user name': OFFLINE_USERNAME,
      'item name': MAIL.name,
      'conflict user name': 'mine-as-copy',
    };
    for (const [where, text] of [['IndexedDB', stored.indexedDb], ['Cache Storage', stored.caches]] as const) {
      expect(findSecrets(text, secrets), where).toEqual([]);
      for (const encoded of [key.toString('hex'), key.toString('base64').replace(/=+$/, ''), key.toString('base64url')]) expect(text.includes(encoded), `${where}: the account key`).toBe(false);
    }
    // The only keys kept are CryptoKeys the page cannot export — but for the DPoP public key (persisted session).
    expect(stored.indexedDb).toContain('"privateKey":"[CryptoKey extractable=false]"');
    expect(stored.indexedDb.replaceAll('"publicKey":"[CryptoKey extractable=true]"', '')).not.toContain('[CryptoKey extractable=true]');
  });

  it('PWA: with the network gone, a reload opens the app from the service worker, locked on the kept session, and it unlocks from the copy', async () => {
    await browser.context.setOffline(true);
    // The emulated outage reaches the worker too: what it serves comes from its cache.
    const worker = browser.context.serviceWorkers()[0];
    if (!worker) throw new Error('no service worker');
    expect(await worker.evaluate(() => fetch('/healthz').then(() => 'reached', () => 'unreachable'))).toBe('unreachable');
    await page.reload();
    await page.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    await banner().waitFor();
    expect(await banner().textContent()).toBe('Offline — the server cannot be reached.');
    await page.getByLabel('Master password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => banner().textContent()).toMatch(/^Offline — showing the copy from .+/);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(browser.pageErrors).toEqual([]);
    expect(browser.cspViolations).toEqual([]);
  });
});
