/**
 * Staying signed in, locked, in Chromium against a real server process (issue 22, "Stay signed in, locked"): a reload
 * or a new tab opens the vault locked on the same session; unlocking with the master password or this device's PIN;
 * the Devices list shows one session after several reloads; two tabs rotate the refresh token in turn without tripping
 * reuse detection (the server runs with 60-second access tokens and no reuse grace window, so a stale token would end
 * the session at once); five wrong PINs wipe the PIN; IndexedDB, dumped store by store, holds nothing secret in the
 * clear; "Log out" wipes it in every tab; "log out when the browser closes".
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { toBase64Url } from '@watchword/protocol';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, launchBrowser } from './support/browser.ts';
import { addLoginItem, login, vaultShown } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'copper meadow lantern 7781 otters';
const PIN = '90417356';
const ITEM_PASSWORD = 'It3m-plaintext-Zq9!';
const ITEM_NAME = 'Harbour bank';

/** Every object store of every IndexedDB database of the page, as JSON; CryptoKeys as their (non-secret) description. */
function dumpIndexedDb(page: Page): Promise<Record<string, Record<string, unknown[]>>> {
  return page.evaluate(async () => {
    const describe = (value: unknown): unknown => {
      if (value instanceof CryptoKey) return { cryptoKey: value.type, extractable: value.extractable, algorithm: value.algorithm, usages: value.usages };
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return { bytes: Array.from(new Uint8Array(value instanceof ArrayBuffer ? value : value.buffer)) };
      if (Array.isArray(value)) return value.map(describe);
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describe(v)]));
      return value;
    };
    const out: Record<string, Record<string, unknown[]>> = {};
    for (const info of await indexedDB.databases()) {
      const name = info.name ?? '';
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      out[name] = {};
      for (const store of Array.from(db.objectStoreNames)) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        (out[name] as Record<string, unknown[]>)[store] = rows.map(describe);
      }
      db.close();
    }
    return out;
  });
}

describe('web vault: stay signed in, locked', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;
  /** Every access and refresh token the server handed to the page (read off the wire), for the secret scan. */
  const tokensSeen = new Set<string>();
  /** How many times the page rotated the refresh token. */
  let rotations = 0;
  let accountKey = '';

  const watchTokens = (p: Page) =>
    p.on('response', async (response) => {
      const path = new URL(response.url()).pathname;
      if (!['/api/v1/auth/login/finish', '/api/v1/auth/refresh', '/api/v1/auth/mfa'].includes(path) || response.status() !== 200) return;
      if (path === '/api/v1/auth/refresh') rotations++;
      const body = (await response.json().catch(() => ({}))) as { accessToken?: string; refreshToken?: string };
      if (body.accessToken) tokensSeen.add(body.accessToken);
      if (body.refreshToken) tokensSeen.add(body.refreshToken);
    });

  const unlockWithPassword = async (p: Page) => {
    await p.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    const useIt = p.getByRole('button', { name: 'Use the master password instead' });
    if (await useIt.isVisible()) await useIt.click();
    await p.getByLabel('Master password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Unlock' }).click();
    await unlocked(p);
  };
  /** Unlocked, on whatever page was open (a reload keeps the route). */
  const unlocked = (p: Page) => p.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 30_000 });

  const devicesRows = async (p: Page) => {
    await p.getByRole('link', { name: 'Settings' }).click();
    await p.getByRole('link', { name: 'Devices' }).click();
    const table = p.getByRole('table', { name: 'Devices logged in' });
    await table.waitFor();
    return table.getByRole('row').count();
  };

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer({ ACCESS_TOKEN_TTL: '60', REFRESH_REUSE_GRACE: '0' }), launchBrowser()]);
    const sdk = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    await sdk.register({ email: EMAIL, password: PASSWORD });
    // The raw account key, to prove the page never stores it (this SDK session is logged out at once).
    const vault = await sdk.login({ email: EMAIL, password: PASSWORD });
    const raw = vault.exportAccountKey();
    accountKey = toBase64Url(raw);
    raw.fill(0);
    await vault.session.logout();
    page = await browser.newPage();
    watchTokens(page);
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await browser.screenshot(page, `failed-session-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a reload opens the vault locked, and the master password unlocks it on the same session', async () => {
    await login(page, server.url, EMAIL, PASSWORD);
    await addLoginItem(page, { name: ITEM_NAME, username: 'grace', password: ITEM_PASSWORD });
    await page.reload();
    await page.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    await page.getByText(`Logged in as ${EMAIL}.`).waitFor();
    await browser.screenshot(page, 'locked-after-reload');
    await unlockWithPassword(page);
    await page.getByRole('link', { name: new RegExp(`^${ITEM_NAME}`) }).waitFor();
  });

  it('the Devices list shows one session after three reloads', async () => {
    for (let i = 0; i < 3; i++) {
      await page.reload();
      await unlockWithPassword(page);
    }
    // Header row + this device.
    expect(await devicesRows(page)).toBe(2);
    await page.getByText('this device', { exact: true }).waitFor();
  });

  it('a new tab opens locked on the same session; two tabs rotate the refresh token in turn; a lock reaches every tab', async () => {
    const tab2 = await browser.newPage();
    watchTokens(tab2);
    await tab2.goto(`${server.url}/`);
    await unlockWithPassword(tab2);
    // Let both tabs' access tokens (60 s, refreshed with less than 30 s left) come due, then use each tab in turn:
    // the second must take the token the first rotated to, not present its own (the server, with no grace window,
    // would treat that as reuse and end the session).
    await new Promise((r) => setTimeout(r, 31_000));
    const before = rotations;
    expect(await devicesRows(page)).toBe(2);
    expect(await devicesRows(tab2)).toBe(2);
    expect(rotations).toBe(before + 1);
    expect(await devicesRows(page)).toBe(2);
    await page.getByRole('link', { name: 'Vault' }).click();
    await vaultShown(page);
    await tab2.getByRole('link', { name: 'Vault' }).click();
    await vaultShown(tab2);

    await page.getByRole('banner').getByRole('button', { name: 'Lock' }).click();
    await tab2.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    await unlockWithPassword(page);
    await tab2.close();
  }, 90_000);

  it('a PIN set for this device unlocks after a reload; five wrong PINs wipe it', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'This device' }).click();
    await page.getByLabel('PIN', { exact: true }).fill(PIN);
    await page.getByLabel('Repeat PIN').fill(PIN);
    await page.getByRole('button', { name: 'Set PIN' }).click();
    await page.getByText('A PIN is set on this device.').waitFor();
    await browser.screenshot(page, 'settings-this-device');

    await page.reload();
    await page.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    await page.getByLabel('PIN', { exact: true }).fill(PIN);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await unlocked(page);

    await page.getByRole('banner').getByRole('button', { name: 'Lock' }).click();
    for (let i = 1; i <= 5; i++) {
      await page.getByLabel('PIN', { exact: true }).fill(`${i}1234567`);
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('alert').getByText(i < 5 ? `${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left` : 'the PIN was removed from this device').waitFor();
    }
    // The record is gone: the right PIN no longer has anything to open, and the page asks for the master password.
    // (The master-password record for offline unlock, docs/web-vault.md "Offline", stays; no PIN entry does.)
    const records = ((await dumpIndexedDb(page)).watchword?.['device-unlock'] ?? []) as object[];
    expect(records.filter((record) => 'deviceKey' in record || 'failures' in record)).toEqual([]);
    expect(records).toHaveLength(1);
    await page.getByLabel('Master password').waitFor();
    await expect(page.getByRole('button', { name: 'Use the PIN instead' }).count()).resolves.toBe(0);
    await unlockWithPassword(page);
  });

  it('IndexedDB holds no master password, PIN, token, account key or item plaintext in the clear; its keys are non-extractable', async () => {
    // A PIN again, so the scan sees a PIN record too.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'This device' }).click();
    await page.getByLabel('PIN', { exact: true }).fill(PIN);
    await page.getByLabel('Repeat PIN').fill(PIN);
    await page.getByRole('button', { name: 'Set PIN' }).click();
    await page.getByText('A PIN is set on this device.').waitFor();

    const dump = await dumpIndexedDb(page);
    const db = dump.watchword ?? {};
    expect(db.session).toHaveLength(1);
    // The PIN entry and the master-password record for offline unlock (docs/web-vault.md "Offline").
    expect(db['device-unlock']).toHaveLength(2);
    const text = JSON.stringify(dump);
    expect(tokensSeen.size).toBeGreaterThan(2);
    for (const secret of [PASSWORD, PIN, ITEM_PASSWORD, ITEM_NAME, accountKey, ...tokensSeen]) expect(text).not.toContain(secret);
    // Every stored key is a CryptoKey the page cannot export; the DPoP public key is the only public one.
    const keys = [...text.matchAll(/"cryptoKey":"(\w+)","extractable":(true|false)/g)].map((m) => [m[1], m[2]]);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const [type, extractable] of keys) if (type !== 'public') expect(extractable).toBe('false');
  });

  it('"Log out" ends the session and wipes IndexedDB in every tab', async () => {
    const tab2 = await browser.newPage();
    await tab2.goto(`${server.url}/`);
    await tab2.getByRole('heading', { name: 'Your vault is locked' }).waitFor();
    await page.getByRole('banner').getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
    await tab2.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
    const db = (await dumpIndexedDb(page)).watchword ?? {};
    for (const store of ['session', 'device-unlock', 'vault-cache']) expect(db[store]).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
    await tab2.close();
  });

  it('"Log out when the browser closes" ends the session once every vault tab has closed', async () => {
    await login(page, server.url, EMAIL, PASSWORD);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'This device' }).click();
    await page.getByLabel('Log out when the browser closes').check();
    // A reload is not a close: still signed in, locked.
    await page.reload();
    await unlockWithPassword(page);
    // Every vault tab closes (as when the browser closes); the next one starts a new browser session.
    await page.close();
    page = await browser.newPage();
    watchTokens(page);
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
    expect((await dumpIndexedDb(page)).watchword?.session).toEqual([]);
    // Ended on the server too: a fresh login is the account's only session.
    await login(page, server.url, EMAIL, PASSWORD);
    expect(await devicesRows(page)).toBe(2);
  });

  it('the browser reported no CSP violation and no uncaught error', () => {
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
