import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Organisations, type Vault, WatchwordClient } from '@watchword/client';
import { type ServerProcess, freePort, startServerProcess, unseenMailLink } from '@watchword/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_BUNDLE, ensureServerBuild } from '../../../scripts/ensure-server-build.ts';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { buildExtension } from '../build.ts';
import { ARTIFACTS, type ExtensionBrowser, HOST_A, launchWithExtension, menuFrame } from './support/browser.ts';
import { startSite } from './support/site.ts';

/**
 * Shared vaults in the extension end to end (issue 25), in Debian's Chromium with the built extension loaded, against
 * a real server process serving the web vault: the owner invites, the member accepts, the owner confirms in the web
 * vault after comparing the fingerprint phrase it shows, and shares a vault; the member's extension lists the shared
 * item labelled by its vault and fills it into a page (checked by what the page received). After the owner removes
 * the member and the extension's sync alarm fires, the item is no longer offered. One server and one browser for the
 * whole file.
 */

const OWNER = 'owner@example.com';
const MEMBER = 'member@example.com';
const MASTER = 'velvet orbit canyon marmalade 42';
const SHARED_ITEM = 'Family bank';
const SHARED_USER = 'family@example.com';
const SHARED_PASSWORD = 'Sh4red-!pw-Zq9';
const PERSONAL_ITEM = 'Own mail';
const GARAGE_ITEM = 'Garage door';

let server: ServerProcess;
let serverUrl: string;
let dataDir: string;
let distDir: string;
let site: { port: number; server: Server };
let browser: ExtensionBrowser;
let base: string;
let owner: Vault;
let member: Vault;
let orgId: string;
let memberPhrase: string;

async function account(email: string): Promise<Vault> {
  const client = new WatchwordClient({ serverUrl, kdfVersion: 0, passwordPolicy: false });
  await client.register({ email, password: MASTER });
  const seen = new Set<string>();
  let link: string | undefined;
  for (let i = 0; i < 200 && !link; i++) {
    link = unseenMailLink(join(dataDir, 'outbox'), email, 'verify-email', seen);
    if (!link) await new Promise((r) => setTimeout(r, 50));
  }
  if (!link) throw new Error(`no verification mail to ${email}`);
  await client.verifyEmail(new URLSearchParams(link.slice(link.indexOf('?') + 1)).get('token') ?? '');
  return client.login({ email, password: MASTER });
}

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** The member's popup, opened as a page (it lists the logins of the last web tab looked at). */
async function openPopup(): Promise<Page> {
  const page = await newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  return page;
}

/** Fires the worker's sync alarm now and waits for that sync to be indexed; returns what the worker reported. */
async function syncNow(): Promise<{ indexed: number; removed: number; total: number }> {
  await browser.worker.evaluate(async () => {
    performance.clearMeasures('watchword:sync');
    await chrome.alarms.create('sync', { when: Date.now() });
  });
  await expect.poll(() => browser.worker.evaluate(() => performance.getEntriesByName('watchword:sync').length), { timeout: 30_000 }).toBe(1);
  return browser.worker.evaluate(() => (performance.getEntriesByName('watchword:sync')[0] as PerformanceMeasure).detail as { indexed: number; removed: number; total: number });
}

interface StoredCopy {
  userId: string;
  sealed: string;
}

/** The extension's encrypted copy of the vault in IndexedDB (lib/vault-copy.ts), read or replaced from the worker. */
async function storedCopy(replace?: StoredCopy): Promise<StoredCopy | undefined> {
  return browser.worker.evaluate(async (next) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('watchword-copy');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      if (!db.objectStoreNames.contains('copies')) return undefined;
      return await new Promise<StoredCopy | undefined>((resolve, reject) => {
        const store = db.transaction('copies', next ? 'readwrite' : 'readonly').objectStore('copies');
        const r = next ? store.put(next, 'vault') : store.get('vault');
        r.onsuccess = () => resolve(next ?? (r.result as StoredCopy | undefined));
        r.onerror = () => reject(r.error);
      });
    } finally {
      db.close();
    }
  }, replace);
}

beforeAll(async () => {
  distDir = mkdtempSync(join(tmpdir(), 'ww-ext-shared-dist-'));
  const [built] = await Promise.all([buildExtension(distDir), startSite().then((s) => (site = s)), ensureWebBuild(), ensureServerBuild()]);
  const port = await freePort();
  // The web vault's DPoP proofs name the origin the page uses: PUBLIC_URL is that origin.
  serverUrl = `http://localhost:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'ww-ext-shared-'));
  server = await startServerProcess(
    { PORT: String(port), PUBLIC_URL: serverUrl, DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', RATE_LIMIT_AUTH_PER_MINUTE: '10000', LOG_LEVEL: 'warn' },
    SERVER_BUNDLE,
  );
  [owner, member] = await Promise.all([account(OWNER), account(MEMBER)]);
  base = `http://${HOST_A}:${site.port}`;
  browser = await launchWithExtension(built.chromium);
}, 240_000);

afterAll(async () => {
  owner?.lock();
  member?.lock();
  await browser?.close();
  await server?.stop();
  site?.server.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (distDir) rmSync(distDir, { recursive: true, force: true });
});

describe('shared vaults in the browser extension', () => {
  it('the owner creates an organisation and a shared vault and invites; the member accepts', async () => {
    const orgs = new Organisations(owner);
    orgId = (await orgs.create('Family')).id;
    await orgs.createVault(orgId, 'Household');
    await orgs.invite(orgId, MEMBER);
    const mine = new Organisations(member);
    expect((await mine.invitations()).map((i) => i.orgId)).toEqual([orgId]);
    await mine.accept(orgId);
    memberPhrase = (await mine.myFingerprint()).join(' ');
    expect(memberPhrase.split(' ')).toHaveLength(5);
    await member.add({ type: 'login', name: PERSONAL_ITEM, fields: [], login: { username: 'me', password: 'own-pw-1', urls: ['https://mail.example'] } });
  });

  it('the owner confirms the member in the web vault after reading the same fingerprint phrase, and shares the vault', async () => {
    const page = await newPage();
    await page.goto(`${serverUrl}/#/login`);
    await page.getByLabel('E-mail address').fill(OWNER);
    await page.getByLabel('Master password', { exact: true }).fill(MASTER);
    // Enter rather than a click on "Log in": the extension's inline menu may open under the focused field.
    await page.getByLabel('Master password', { exact: true }).press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 30_000 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organisations' }).click();
    await page.getByRole('link', { name: 'Family' }).click();
    await page.getByRole('heading', { name: 'Family', level: 1 }).waitFor();
    const row = page.getByRole('table', { name: 'Members of Family' }).getByRole('row', { name: new RegExp(MEMBER.replace('.', '\\.')) });
    await row.getByText('Accepted (awaits confirmation)').waitFor();
    await row.getByRole('button', { name: `Confirm ${MEMBER}` }).click();
    const dialog = page.getByRole('dialog', { name: `Confirm ${MEMBER}` });
    // The phrase the web vault shows the owner is the one the member's own client computes.
    expect(((await dialog.getByTestId('fingerprint-phrase').textContent()) ?? '').trim()).toBe(memberPhrase);
    await dialog.getByLabel('The phrase matches what they see').check();
    await dialog.getByRole('button', { name: 'Confirm member' }).click();
    await row.getByText('Confirmed').waitFor();

    const vault = page.getByRole('article', { name: 'Vault Household' });
    await vault.getByLabel('Share Household with').selectOption({ label: MEMBER });
    await vault.getByLabel('Access', { exact: true }).selectOption({ label: 'Edit items' });
    await vault.getByRole('button', { name: 'Share', exact: true }).click();
    await vault.getByRole('table', { name: 'Members of Household' }).getByRole('row', { name: new RegExp(`${MEMBER.replace('.', '\\.')}.*Edit items`) }).waitFor();
    await page.close();

    // The owner adds a login for the test site to the shared vault.
    await owner.sync();
    const household = owner.sharedVaults().find((v) => v.name === 'Household');
    expect(household).toBeDefined();
    await owner.add({ type: 'login', name: SHARED_ITEM, fields: [], login: { username: SHARED_USER, password: SHARED_PASSWORD, urls: [base] } }, { vaultId: household!.id });
  });

  it("the member's extension lists the shared item labelled by its vault and fills it into the page", async () => {
    const sitePage = await newPage();
    await sitePage.goto(`${base}/own/controlled.html`);
    const popup = await openPopup();
    await popup.getByLabel('Server address').fill(serverUrl);
    await popup.getByRole('button', { name: 'Connect' }).click();
    await popup.getByLabel('E-mail').fill(MEMBER);
    await popup.getByLabel('Master password').fill(MASTER);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    const row = popup.getByRole('list', { name: 'This site' }).getByRole('listitem', { name: SHARED_ITEM });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getByText('Vault: Household').count()).toBe(1);
    // A search finds both vaults' items; only the shared one carries a vault label.
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('own mail');
    const personal = popup.getByRole('list', { name: 'All items' }).getByRole('listitem', { name: PERSONAL_ITEM });
    await personal.waitFor();
    expect(await personal.getByText(/^Vault:/).count()).toBe(0);
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('household');
    await popup.getByRole('list', { name: 'All items' }).getByRole('listitem', { name: SHARED_ITEM }).or(row).first().waitFor();
    await popup.setViewportSize({ width: 380, height: 460 });
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('');
    await row.waitFor();
    await popup.screenshot({ path: join(ARTIFACTS, 'popup-shared.png') });
    await popup.close();

    await sitePage.bringToFront();
    await sitePage.locator('#email').click();
    const menu = await menuFrame(sitePage);
    const option = menu.getByRole('option', { name: SHARED_ITEM });
    await option.waitFor();
    expect(await option.getByText('Vault: Household').count()).toBe(1);
    await option.click({ noWaitAfter: true }).catch((error: unknown) => {
      if (!menu.isDetached()) throw error;
    });
    // The menu's frame goes away as the fill happens.
    await expect.poll(() => menu.isDetached()).toBe(true);
    await expect.poll(() => sitePage.locator('#pw').inputValue()).toBe(SHARED_PASSWORD);
    await sitePage.getByRole('button', { name: 'Sign in' }).click();
    await sitePage.waitForFunction(() => document.body.dataset.submitted !== undefined);
    expect(JSON.parse((await sitePage.evaluate(() => document.body.dataset.submitted)) ?? '{}')).toEqual({ email: SHARED_USER, pw: SHARED_PASSWORD });
    await sitePage.close();
  });

  it('a lock keeps only an encrypted copy; a tampered copy is refused and replaced, never shown', async () => {
    const sitePage = await newPage();
    await sitePage.goto(`${base}/own/controlled.html`);
    const popup = await openPopup();
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByRole('heading', { name: 'Watchword is locked' }).waitFor();
    const copy = await storedCopy();
    expect(copy?.userId).toBe(member.userId);
    for (const secret of [SHARED_PASSWORD, SHARED_ITEM, SHARED_USER, 'Household', PERSONAL_ITEM, MASTER]) expect(copy!.sealed).not.toContain(secret);
    // One character changed in the middle of the ciphertext: the GCM tag no longer verifies.
    const mid = Math.floor(copy!.sealed.length / 2);
    const tampered = `${copy!.sealed.slice(0, mid)}${copy!.sealed[mid] === 'A' ? 'B' : 'A'}${copy!.sealed.slice(mid + 1)}`;
    await storedCopy({ userId: member.userId, sealed: tampered });

    await popup.getByLabel('Master password').fill(MASTER);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    const row = popup.getByRole('list', { name: 'This site' }).getByRole('listitem', { name: SHARED_ITEM });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getByText('Vault: Household').count()).toBe(1);
    // The full sync that replaced it is sealed again as a fresh copy.
    await expect.poll(async () => (await storedCopy())?.sealed !== tampered, { timeout: 15_000 }).toBe(true);
    await popup.close();
    await sitePage.close();
  });

  it('a delta sync that changes one shared item re-indexes that one item', async () => {
    const item = (await owner.list()).find((i) => i.content.name === SHARED_ITEM)!;
    await owner.update(item.id, { ...item.content, notes: 'changed' }, item.revision);
    const report = await syncNow();
    expect(report).toMatchObject({ indexed: 1, removed: 0, total: 2 });
  });

  it('a vault unshared while the extension is locked is not shown from its copy after the unlock', async () => {
    const orgs = new Organisations(owner);
    const garage = await orgs.createVault(orgId, 'Garage');
    await orgs.share(garage.id, member.userId, 'read');
    await owner.add({ type: 'login', name: GARAGE_ITEM, fields: [], login: { username: 'door', password: 'garage-pw-1', urls: [base] } }, { vaultId: garage.id });
    expect(await syncNow()).toMatchObject({ indexed: 1, total: 3 });

    const sitePage = await newPage();
    await sitePage.goto(`${base}/own/controlled.html`);
    const popup = await openPopup();
    await popup.getByRole('list', { name: 'This site' }).getByRole('listitem', { name: GARAGE_ITEM }).getByText('Vault: Garage').waitFor();
    // Locked: the copy sealed at the lock holds the Garage item.
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByRole('heading', { name: 'Watchword is locked' }).waitFor();
    await orgs.unshare(garage.id, member.userId);

    await popup.getByLabel('Master password').fill(MASTER);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    const site = popup.getByRole('list', { name: 'This site' });
    await site.getByRole('listitem', { name: SHARED_ITEM }).waitFor({ timeout: 30_000 });
    expect(await site.getByRole('listitem').count()).toBe(1);
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('garage');
    await popup.getByRole('heading', { name: 'All items' }).waitFor();
    expect(await popup.getByRole('listitem', { name: GARAGE_ITEM }).count()).toBe(0);
    await popup.close();
    await sitePage.close();
  });

  it('after the owner removes the member and the extension syncs, the shared item is no longer offered', async () => {
    await new Organisations(owner).remove(orgId, member.userId);
    const report = await syncNow();
    expect(report).toMatchObject({ removed: 1, total: 1 });

    const sitePage = await newPage();
    await sitePage.goto(`${base}/own/controlled.html`);
    const popup = await openPopup();
    await popup.getByRole('heading', { name: 'This site' }).waitFor();
    await popup.getByText('No saved login for this site.').waitFor();
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('family');
    await popup.getByRole('heading', { name: 'All items' }).waitFor();
    expect(await popup.getByRole('listitem', { name: SHARED_ITEM }).count()).toBe(0);
    // Personal items stay.
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('own mail');
    await popup.getByRole('listitem', { name: PERSONAL_ITEM }).waitFor();
    await popup.close();

    await sitePage.bringToFront();
    await sitePage.locator('#email').click();
    const menu = await menuFrame(sitePage);
    await menu.getByText('No saved login for this site.').waitFor();
    expect(await menu.getByRole('option', { name: SHARED_ITEM }).count()).toBe(0);
    expect(await sitePage.locator('#pw').inputValue()).toBe('');
    await sitePage.close();
  });

  it('a search that matches more than 100 items shows 100 rows and says how many match', async () => {
    await member.addMany(Array.from({ length: 101 }, (_, i) => ({ type: 'login' as const, name: `Bulk ${i}`, fields: [], login: { username: `bulk${i}`, password: 'bulk-pw-1', urls: [`https://bulk${i}.example`] } })));
    expect(await syncNow()).toMatchObject({ indexed: 101, removed: 0 });
    const popup = await openPopup();
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('bulk');
    await popup.getByText('101 items match; the first 100 are shown. Type more to narrow the search.').waitFor();
    expect(await popup.getByRole('list', { name: 'All items' }).getByRole('listitem').count()).toBe(100);
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('bulk 10');
    await popup.getByRole('list', { name: 'All items' }).getByRole('listitem', { name: 'Bulk 100' }).waitFor();
    expect(await popup.getByRole('list', { name: 'All items' }).getByRole('listitem').count()).toBe(2);
    expect(await popup.getByText(/items match; the first/).count()).toBe(0);
    await popup.close();
  });

  it('sign-out deletes the encrypted copy', async () => {
    expect(await storedCopy()).toBeDefined();
    const popup = await openPopup();
    await popup.getByRole('button', { name: 'Settings' }).click();
    await popup.getByRole('button', { name: 'Sign out' }).click();
    await popup.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await storedCopy()).toBeUndefined();
    await popup.close();
  });
});
