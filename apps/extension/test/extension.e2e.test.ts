import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Vault, WatchwordClient } from '@watchword/client';
import { parseOtpauthUri, parseTotpSecret, totp } from '@watchword/protocol';
import { type ServerProcess, freePort, startServerProcess } from '@watchword/testkit';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExtension } from '../build.ts';
import { ARTIFACTS, type ExtensionBrowser, HOST_A, HOST_B, launchWithExtension, menuFrame, promptFrame } from './support/browser.ts';
import { CORPUS, startSite } from './support/site.ts';

/**
 * The extension end to end: Debian's Chromium with the built extension loaded, a real Watchword server, and the test
 * site on two host names. Every check reads what the page itself received (its submit record or its fields' values).
 */

const OWNER = 'owner@example.com';
const MASTER = 'correct horse battery staple 42';
const USERNAME = 'alice@example.com';
// Six digits: input-constraints-login only accepts a 6-digit password.
const PASSWORD = '493817';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const ITEM = 'Site A';
const SECURE_ITEM = 'Site B (https)';

interface Scenario {
  id: string;
  page: string;
  kind: string;
  fill: Record<string, string>;
  mustNotFill: string[];
  submit: string;
  frame?: string;
  iframeHost?: 'same' | 'second';
  ambiguous?: boolean;
  notes?: string;
}

const scenarios = JSON.parse(readFileSync(join(CORPUS, 'scenarios.json'), 'utf8')) as Scenario[];
const KINDS = new Set(['login', 'create-account', 'change-password', 'otp', 'not-a-login', 'update-email', 'card', 'identity']);
/** The identity roles of scenarios.json and what the test identity fills into each (a <select> may hold a code). */
const IDENTITY_EXPECTED: Record<string, string[]> = {
  'full-name': ['Alice Q Example'],
  company: ['Example Ltd'],
  phone: ['+1 555 0100'],
  address1: ['1 Main St'],
  address2: ['Apt 4'],
  city: ['Beverly Hills'],
  state: ['California', 'CA'],
  country: ['United States', 'US'],
  'postal-code': ['90210'],
};
const ROLES = new Set(['username', 'password', 'current-password', 'new-password', 'totp', 'email', 'card-holder', 'card-number', 'card-expiry', 'card-cvv', ...Object.keys(IDENTITY_EXPECTED)]);
const CARD = 'Visa card';
const IDENTITY = 'Alice at home';

let server: ServerProcess;
let dataDir: string;
let site: { port: number; server: Server };
let browser: ExtensionBrowser;
let vault: Vault;
let base: string;
let built: { chromium: string; firefox: string };

async function codesNow(): Promise<string[]> {
  const parsed = parseTotpSecret(TOTP_SECRET);
  const now = Date.now();
  return Promise.all([now - 30_000, now, now + 30_000].map((t) => totp(parsed.secret, t, parsed.params)));
}

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  if (process.env.WW_EXT_DEBUG) page.on('console', (m) => console.error(`[page] ${m.text()}`));
  return page;
}

async function noMenu(page: Page, waitMs = 1200): Promise<boolean> {
  return menuFrame(page, waitMs).then(
    () => false,
    () => true,
  );
}

/** Focuses a field (in a frame if given) and picks an option of the inline menu by its accessible name. */
async function choose(page: Page, scope: Frame, selector: string, option: string, opts: { confirmFrame?: boolean } = {}): Promise<void> {
  await scope.locator(selector).click();
  const menu = await menuFrame(page);
  await menu.getByRole(opts.confirmFrame ? 'button' : 'option').first().waitFor();
  if (opts.confirmFrame) await menu.getByRole('button', { name: /^Fill in / }).click();
  // The menu's frame goes away as the fill happens: do not wait on it after the click.
  await menu
    .getByRole('option', { name: option })
    .click({ noWaitAfter: true, timeout: 5000 })
    .catch((error: unknown) => {
      if (!menu.isDetached()) throw error;
    });
  await expect.poll(() => menu.isDetached()).toBe(true);
}

async function submitted(scope: Frame): Promise<Record<string, unknown>> {
  await scope.waitForFunction(() => document.body.dataset.submitted !== undefined);
  return JSON.parse((await scope.evaluate(() => document.body.dataset.submitted)) ?? '{}') as Record<string, unknown>;
}

function sitePort(): number {
  return site.port;
}

async function openPopup(): Promise<Page> {
  const page = await newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  return page;
}

beforeAll(async () => {
  [built] = await Promise.all([buildExtension(), startSite().then((s) => (site = s))]);
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'ww-ext-e2e-'));
  server = await startServerProcess({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    ALLOWED_KDF_VERSIONS: '0,1',
    RATE_LIMIT_AUTH_PER_MINUTE: '10000',
    LOG_LEVEL: 'warn',
  });
  const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
  await client.register({ email: OWNER, password: MASTER });
  vault = await client.login({ email: OWNER, password: MASTER });
  base = `http://${HOST_A}:${site.port}`;
  await vault.add({ type: 'login', name: ITEM, fields: [], login: { username: USERNAME, password: PASSWORD, urls: [base], totp: TOTP_SECRET } });
  await vault.add({ type: 'login', name: SECURE_ITEM, fields: [], login: { username: 'bob', password: 'b-secret-pw-1', urls: [`https://${HOST_B}`] } });
  await vault.add({ type: 'card', name: CARD, fields: [], card: { cardholder: 'Alice Example', number: '4111 1111 1111 1111', expMonth: '9', expYear: '2030', code: '123' } });
  await vault.add({
    type: 'identity',
    name: IDENTITY,
    fields: [],
    identity: { firstName: 'Alice', middleName: 'Q', lastName: 'Example', company: 'Example Ltd', email: OWNER, phone: '+1 555 0100', address: '1 Main St\nApt 4', city: 'Beverly Hills', state: 'California', postalCode: '90210', country: 'United States' },
  });
  await vault.add({ type: 'login', name: 'Elsewhere', fields: [], login: { username: 'carol', password: 'elsewhere-pw', urls: ['https://elsewhere.example'] } });
  browser = await launchWithExtension(built.chromium);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  site?.server.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('browser extension', () => {
  it('connects, signs in from the popup and lists the current site first', async () => {
    const popup = await openPopup();
    await popup.getByLabel('Server address').fill(server.url);
    await popup.getByRole('button', { name: 'Connect' }).click();
    await popup.getByLabel('E-mail').fill(OWNER);
    await popup.getByLabel('Master password').fill(MASTER);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor({ timeout: 30_000 });
    // No web tab yet: nothing matches; a search finds items anywhere in the vault.
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('elsewhere');
    await popup.getByRole('listitem', { name: 'Elsewhere' }).waitFor();
    const site = await newPage();
    await site.goto(`${base}/login/simple-login.html`);
    await popup.reload();
    await popup.getByRole('heading', { name: 'This site' }).waitFor();
    const first = popup.getByRole('list').first().getByRole('listitem');
    await first.first().waitFor();
    expect(await first.count()).toBe(1);
    expect(await first.getAttribute('aria-label')).toBe(ITEM);
    await popup.setViewportSize({ width: 380, height: 460 });
    await popup.screenshot({ path: join(ARTIFACTS, 'popup.png') });
    // Nothing secret in the extension's persistent storage; the DPoP key is a non-extractable CryptoKey.
    const stored = await browser.worker.evaluate(async () => {
      const local = await chrome.storage.local.get(null);
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('watchword');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const pair = await new Promise<CryptoKeyPair>((resolve) => {
        const r = db.transaction('keys').objectStore('keys').get('dpop');
        r.onsuccess = () => resolve(r.result as CryptoKeyPair);
      });
      return { local: JSON.stringify(local), extractable: pair.privateKey.extractable };
    });
    expect(stored.extractable).toBe(false);
    expect(stored.local).not.toContain(PASSWORD);
    expect(stored.local).not.toContain(MASTER);
    expect(Object.keys(JSON.parse(stored.local) as object).sort()).toEqual(['email', 'serverUrl']);
    await site.close();
    await popup.close();
  });

  for (const scenario of scenarios) {
    it(`corpus: ${scenario.id}`, async () => {
      const page = await newPage();
      if (scenario.iframeHost === 'second') {
        await page.route(/^http:\/\/autofill-a\.test:\d+\/frames\//, (route) =>
          route.fulfill({ status: 302, headers: { location: route.request().url().replace(HOST_A, HOST_B) } }),
        );
      }
      await page.goto(`${base}/${scenario.page}`);
      if (scenario.id.includes('top-layer-dialog')) await page.evaluate(() => document.querySelector('dialog')!.showModal());
      if (scenario.id.includes('top-layer-popover')) await page.evaluate(() => (document.querySelector('[popover]') as HTMLElement).showPopover());
      if (scenario.id.startsWith('update/password-update')) {
        // The corpus keeps markup only; this stands in for upstream's js/new-password-match.js: the submit button is
        // enabled by a form `change` event once both new passwords match (so a fill without events stays stuck).
        await page.evaluate(() => {
          const form = document.querySelector('form')!;
          form.addEventListener('change', () => {
            const a = (document.getElementById('newPassword') as HTMLInputElement).value;
            const b = (document.getElementById('newPasswordRetype') as HTMLInputElement).value;
            (form.querySelector('button[type=submit]') as HTMLButtonElement).disabled = !(a && a === b);
          });
        });
      }
      let scope = page.mainFrame();
      if (scenario.frame) {
        const handle = await page.locator(scenario.frame).elementHandle();
        scope = (await handle!.contentFrame())!;
        await scope.waitForLoadState('load');
        if (scenario.iframeHost === 'second') expect(new URL(scope.url()).host).toBe(`${HOST_B}:${site.port}`);
      }
      const initial = Object.fromEntries(await Promise.all(scenario.mustNotFill.map(async (s) => [s, await scope.locator(s).inputValue()] as const)));
      const roles = Object.entries(scenario.fill).filter(([, role]) => ROLES.has(role));
      expect(KINDS.has(scenario.kind), `scenario kind ${scenario.kind}`).toBe(true);
      const first = roles[0]?.[0] ?? scenario.mustNotFill[0]!;

      if (scenario.kind === 'not-a-login' || roles.length === 0) {
        await scope.locator(first).click();
        expect(await noMenu(page)).toBe(true);
      } else if (scenario.ambiguous) {
        await scope.locator(first).click();
        // Nothing marks these fields as credentials: declining to fill is the expected (and defensible) answer.
        expect(await noMenu(page)).toBe(true);
        for (const [selector] of roles) expect(await scope.locator(selector).inputValue()).toBe('');
        await page.close();
        return;
      } else {
        const cross = scenario.iframeHost === 'second';
        const current = roles.find(([, r]) => r === 'username' || r === 'password' || r === 'current-password' || r === 'totp' || r === 'card-holder');
        if (current) await choose(page, scope, current[0], scenario.kind === 'card' ? CARD : ITEM, { confirmFrame: cross });
        // Identity slots (also those of a registration form) are filled from an identity chosen in the menu.
        const slot = roles.find(([, r]) => r in IDENTITY_EXPECTED);
        if (slot) await choose(page, scope, slot[0], IDENTITY, { confirmFrame: cross });
        const fresh = roles.find(([, r]) => r === 'new-password');
        if (fresh) await choose(page, scope, fresh[0], 'Generate a password', { confirmFrame: cross });
        await expect.poll(() => scope.locator(roles.at(-1)![0]).inputValue()).not.toBe('');
      }

      const codes = await codesNow();
      const generated = new Set<string>();
      for (const [selector, role] of roles) {
        const value = await scope.locator(selector).inputValue();
        if (role === 'username') expect(value, selector).toBe(USERNAME);
        else if (role === 'password' || role === 'current-password') expect(value, selector).toBe(PASSWORD);
        else if (role === 'email') expect(value, selector).toBe(OWNER);
        else if (role === 'totp') expect(codes, selector).toContain(value);
        else if (role === 'card-holder') expect(value, selector).toBe('Alice Example');
        else if (role === 'card-number') expect(value, selector).toBe('4111111111111111');
        else if (role === 'card-expiry') expect(value, selector).toBe('09/30');
        else if (role === 'card-cvv') expect(value, selector).toBe('123');
        else if (IDENTITY_EXPECTED[role]) expect(IDENTITY_EXPECTED[role], selector).toContain(value);
        else if (role === 'new-password') {
          expect(value.length, selector).toBeGreaterThanOrEqual(16);
          generated.add(value);
        }
      }
      expect(generated.size).toBeLessThanOrEqual(1);
      for (const selector of scenario.mustNotFill) expect(await scope.locator(selector).inputValue(), selector).toBe(initial[selector]);

      if (roles.length > 0) {
        // Required fields Watchword leaves alone (security answers, the new e-mail) are typed by the person.
        for (const input of await scope.locator('input[required]').all()) {
          if ((await input.inputValue()) === '' && (await input.isVisible())) await input.fill((await input.getAttribute('type')) === 'email' ? 'new@example.com' : 'Rex');
        }
        await scope.locator(scenario.submit).first().click();
        const got = Object.values(await submitted(scope)).flat().map(String);
        for (const [selector] of roles) expect(got, `submitted ${selector}`).toContain(await scope.locator(selector).inputValue());
        // The same credentials again: no save prompt. A registration offers one (tested below).
        if (scenario.kind === 'login') {
          await page.waitForTimeout(300);
          expect(promptFrame(page)).toBeUndefined();
        }
      }
      await page.close();
    });
  }

  it('fills an e-mail-first login across its two steps', async () => {
    const page = await newPage();
    await page.goto(`${base}/own/multi-step.html`);
    await choose(page, page.mainFrame(), '#identifier', ITEM);
    await expect.poll(() => page.locator('#identifier').inputValue()).toBe(USERNAME);
    await page.getByRole('button', { name: 'Next' }).click();
    await choose(page, page.mainFrame(), '#password', ITEM);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await submitted(page.mainFrame())).toEqual({ identifier: USERNAME, password: PASSWORD });
    await page.close();
  });

  it('fills a form in an open shadow root', async () => {
    const page = await newPage();
    await page.goto(`${base}/own/shadow.html`);
    await choose(page, page.mainFrame(), 'login-box >> #u', ITEM);
    await page.locator('login-box >> button').click();
    expect(await submitted(page.mainFrame())).toMatchObject({ username: USERNAME, password: PASSWORD });
    await page.close();
  });

  it('types into framework-controlled inputs: the page state sees the values', async () => {
    const page = await newPage();
    await page.goto(`${base}/own/controlled.html`);
    await choose(page, page.mainFrame(), '#email', ITEM);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await submitted(page.mainFrame())).toEqual({ email: USERNAME, pw: PASSWORD });
    await page.close();
  });

  it('fills the current TOTP into six one-digit inputs', async () => {
    const page = await newPage();
    await page.goto(`${base}/own/split-otp.html`);
    await choose(page, page.mainFrame(), 'input[name=d1]', ITEM);
    await page.getByRole('button', { name: 'Verify' }).click();
    const got = await submitted(page.mainFrame());
    const code = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((k) => got[k]).join('');
    expect(await codesNow()).toContain(code);
    await page.close();
  });

  it('a page script cannot obtain a password or make the extension fill', async () => {
    const page = await newPage();
    await page.goto(`${base}/own/spy.html`);
    await page.locator('#username').click();
    const menu = await menuFrame(page);
    await menu.getByRole('option', { name: ITEM }).waitFor();
    await page.evaluate(() => (window as unknown as { probe(): void }).probe());
    await page.waitForTimeout(500);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen.join('\n'));
    expect(seen).not.toContain(PASSWORD);
    expect(seen).not.toContain(USERNAME);
    expect(seen).not.toContain(ITEM);
    expect(seen).toContain('host <watchword-frame');
    expect(await page.evaluate(() => document.querySelector('watchword-frame')?.shadowRoot)).toBeNull();
    expect(await page.locator('#password').inputValue()).toBe('');
    expect(await page.locator('#username').inputValue()).toBe('');
    await menu.getByRole('option', { name: ITEM }).click();
    await expect.poll(() => page.locator('#password').inputValue()).toBe(PASSWORD);
    await page.close();
  });

  it('a cross-origin iframe is not filled before the person allows its origin', async () => {
    const page = await newPage();
    await page.route(/^http:\/\/autofill-a\.test:\d+\/frames\//, (route) =>
      route.fulfill({ status: 302, headers: { location: route.request().url().replace(HOST_A, HOST_B) } }),
    );
    await page.goto(`${base}/login/iframe-login.html`);
    const frame = (await (await page.locator('#test-iframe').elementHandle())!.contentFrame())!;
    await frame.waitForLoadState('load');
    await frame.locator('#password').click();
    const menu = await menuFrame(page);
    await menu.getByRole('button', { name: `Fill in http://${HOST_B}:${site.port}` }).waitFor();
    expect(await menu.getByRole('option').count()).toBe(0);
    expect(await frame.locator('#password').inputValue()).toBe('');
    await page.close();
  });

  it('warns on an http page before filling a password saved for https', async () => {
    const page = await newPage();
    await page.goto(`http://${HOST_B}:${site.port}/own/http-login.html`);
    await page.locator('#username').click();
    const menu = await menuFrame(page);
    await menu.getByRole('option', { name: SECURE_ITEM }).click();
    expect(await menu.getByRole('alert').textContent()).toContain('not secure');
    expect(await page.locator('#password').inputValue()).toBe('');
    await menu.getByRole('button', { name: 'Fill anyway' }).click();
    await expect.poll(() => page.locator('#password').inputValue()).toBe('b-secret-pw-1');
    await page.close();
  });

  it('the keyboard shortcut (its command handler) fills the best match', async () => {
    const page = await newPage();
    await page.goto(`${base}/login/simple-login.html`);
    await page.bringToFront();
    // chrome.commands' handler for Ctrl+Shift+L (keys sent over CDP do not reach the browser's shortcut table).
    await browser.worker.evaluate(() => (globalThis as unknown as { watchwordCommand(c: string): Promise<void> }).watchwordCommand('fill-login'));
    await expect.poll(() => page.locator('#password').inputValue(), { timeout: 5000 }).toBe(PASSWORD);
    expect(await page.locator('#username').inputValue()).toBe(USERNAME);
    await page.locator('button[type="submit"]').click();
    expect(await submitted(page.mainFrame())).toEqual({ username: USERNAME, password: PASSWORD });
    await page.close();
  });

  it('fills nothing when a page loads (the default)', async () => {
    const page = await newPage();
    await page.goto(`${base}/login/simple-login.html`);
    await page.waitForTimeout(1500);
    expect(await page.locator('#username').inputValue()).toBe('');
    expect(await page.locator('#password').inputValue()).toBe('');
    await page.close();
  });

  it('opt-in fill on page load: the top frame with its one match, never a cross-origin frame or an http page', async () => {
    const setFillOnLoad = async (on: boolean) => {
      const popup = await openPopup();
      await popup.getByRole('button', { name: 'Settings' }).click();
      const box = popup.getByLabel('Fill the login when a page loads');
      expect(await box.isChecked()).toBe(!on);
      await box.setChecked(on);
      await popup.getByRole('button', { name: 'Save' }).click();
      await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor();
      await popup.close();
    };
    await setFillOnLoad(true);
    try {
      const page = await newPage();
      await page.goto(`${base}/login/simple-login.html`);
      await expect.poll(() => page.locator('#password').inputValue(), { timeout: 5000 }).toBe(PASSWORD);
      await page.locator('button[type="submit"]').click();
      expect(await submitted(page.mainFrame())).toEqual({ username: USERNAME, password: PASSWORD });

      await page.route(/^http:\/\/autofill-a\.test:\d+\/frames\//, (route) =>
        route.fulfill({ status: 302, headers: { location: route.request().url().replace(HOST_A, HOST_B) } }),
      );
      await page.goto(`${base}/login/iframe-login.html`);
      const frame = (await (await page.locator('#test-iframe').elementHandle())!.contentFrame())!;
      await frame.waitForLoadState('load');
      await page.waitForTimeout(1500);
      expect(await frame.locator('#password').inputValue()).toBe('');

      // A login saved for https, on the same host over http: not filled without the warning the menu gives.
      await page.goto(`http://${HOST_B}:${site.port}/own/http-login.html`);
      await page.waitForTimeout(1500);
      expect(await page.locator('#password').inputValue()).toBe('');
      await page.close();
    } finally {
      await setFillOnLoad(false);
    }
  });

  it('the inline menu lists logins as options named after the items', async () => {
    const page = await newPage();
    await page.goto(`${base}/login/simple-login.html`);
    await page.locator('#username').click();
    const menu = await menuFrame(page);
    const options = menu.getByRole('option');
    await options.first().waitFor();
    expect(await options.count()).toBe(1);
    await menu.getByRole('option', { name: ITEM, exact: true }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'inline-menu.png') });
    await page.close();
  });

  it('offers to save a registration with the generated password, and saves it on a click', async () => {
    const page = await newPage();
    await page.goto(`${base}/create/account.html`);
    await choose(page, page.mainFrame(), '#password', 'Generate a password');
    const generated = await page.locator('#password').inputValue();
    await page.locator('button[type="submit"]').click();
    await submitted(page.mainFrame());
    await expect.poll(() => promptFrame(page) !== undefined).toBe(true);
    const prompt = promptFrame(page)!;
    expect(await prompt.getByRole('heading').textContent()).toBe(`Save this login for ${HOST_A}:${site.port}?`);
    await page.screenshot({ path: join(ARTIFACTS, 'save-prompt.png') });
    await prompt.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => {
        await vault.sync();
        return (await vault.list()).find((i) => i.content.login?.password === generated)?.content.login?.username;
      })
      .toBe(OWNER);
    await page.close();
  });

  it('"never for this site" is remembered', async () => {
    const page = await newPage();
    await page.goto(`http://${HOST_B}:${site.port}/create/account.html`);
    await choose(page, page.mainFrame(), '#password', 'Generate a password');
    await page.locator('button[type="submit"]').click();
    await expect.poll(() => promptFrame(page) !== undefined).toBe(true);
    await promptFrame(page)!.getByRole('button', { name: 'Never for this site' }).click();
    await page.reload();
    await choose(page, page.mainFrame(), '#password', 'Generate a password');
    await page.locator('button[type="submit"]').click();
    await submitted(page.mainFrame());
    await page.waitForTimeout(800);
    expect(promptFrame(page)).toBeUndefined();
    await page.close();
  });

  it('offers to update the item after a password change', async () => {
    const page = await newPage();
    await page.goto(`${base}/update/password-update.html`);
    await page.evaluate(() => {
      const form = document.querySelector('form')!;
      form.addEventListener('change', () => {
        (form.querySelector('button[type=submit]') as HTMLButtonElement).disabled = false;
      });
    });
    await choose(page, page.mainFrame(), '#currentPassword', ITEM);
    await choose(page, page.mainFrame(), '#newPassword', 'Generate a password');
    const next = await page.locator('#newPassword').inputValue();
    await page.locator('button[type="submit"]').click();
    await expect.poll(() => promptFrame(page) !== undefined).toBe(true);
    const prompt = promptFrame(page)!;
    expect(await prompt.getByRole('heading').textContent()).toBe(`Update the password of ${ITEM}?`);
    await prompt.getByRole('button', { name: 'Update' }).click();
    await expect
      .poll(async () => {
        await vault.sync();
        return (await vault.list()).find((i) => i.content.name === ITEM)?.content.login?.password;
      })
      .toBe(next);
    await page.close();
  });

  it('locks after the chosen idle time (a chrome.alarms deadline moved by each use)', async () => {
    // The settings form offers whole minutes; the test stores 2 seconds (the worker honours down to 1 s).
    await browser.worker.evaluate(() => chrome.storage.local.set({ idleMinutes: 2 / 60 }));
    const popup = await openPopup();
    await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor();
    const sealed = () => browser.worker.evaluate(async () => (await chrome.storage.session.get('sealed')).sealed !== undefined);
    expect(await sealed()).toBe(true);
    await expect.poll(sealed, { timeout: 20_000, interval: 250 }).toBe(false);
    await popup.reload();
    await popup.getByRole('heading', { name: 'Watchword is locked' }).waitFor();
    await browser.worker.evaluate(() => chrome.storage.local.set({ idleMinutes: 15 }));
    await popup.getByLabel('Master password').fill(MASTER);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor({ timeout: 30_000 });
    const alarm = await browser.worker.evaluate(async () => (await chrome.alarms.get('idle-lock'))?.scheduledTime ?? 0);
    expect(alarm - Date.now()).toBeGreaterThan(14 * 60_000);
    await popup.close();
  });

  it('locks from the popup; the menu then shows nothing; unlock with the master password', async () => {
    const popup = await openPopup();
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByRole('heading', { name: 'Watchword is locked' }).waitFor();
    const page = await newPage();
    await page.goto(`${base}/login/simple-login.html`);
    await page.locator('#username').click();
    const menu = await menuFrame(page);
    await menu.getByText('Watchword is locked').waitFor();
    expect(await menu.getByRole('option').count()).toBe(0);
    await popup.getByLabel('Master password').fill(MASTER);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor({ timeout: 30_000 });
    await page.close();
    await popup.close();
  });

  it('adds a login prefilled with the current site, edits it, copies and generates from the popup', async () => {
    const tab = await newPage();
    await tab.goto(`http://${HOST_B}:${sitePort()}/own/http-login.html`);
    const popup = await openPopup();
    await popup.getByRole('button', { name: 'Add login' }).click();
    expect(await popup.getByLabel('Name', { exact: true }).inputValue()).toBe(HOST_B);
    expect(await popup.getByLabel('Web address').inputValue()).toBe(`http://${HOST_B}:${sitePort()}`);
    await popup.getByLabel('User name', { exact: true }).fill('dora');
    await popup.getByRole('button', { name: 'Generate password' }).click();
    // The worker answers asynchronously: wait for the field to receive the password.
    await expect.poll(() => popup.getByLabel('Password', { exact: true }).inputValue()).toHaveLength(20);
    const generated = await popup.getByLabel('Password', { exact: true }).inputValue();
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByRole('listitem', { name: HOST_B }).waitFor();
    await popup.getByRole('button', { name: `Copy password of ${HOST_B}` }).click();
    // Written to the clipboard (the note appears only after navigator.clipboard.writeText resolved).
    await popup.getByText(`Copied the password of ${HOST_B}.`).waitFor();
    await popup.getByRole('button', { name: `Edit ${HOST_B}` }).click();
    await popup.getByLabel('User name', { exact: true }).fill('dora2');
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByRole('listitem', { name: HOST_B }).waitFor();
    await expect
      .poll(async () => {
        await vault.sync();
        const item = (await vault.list()).find((i) => i.content.name === HOST_B);
        return item && [item.content.login?.username, item.content.login?.password, item.content.login?.urls];
      })
      .toEqual(['dora2', generated, [`http://${HOST_B}:${sitePort()}`]]);
    await popup.getByRole('button', { name: 'Generator' }).click();
    const output = popup.getByLabel('Generated password');
    await expect.poll(async () => (await output.textContent())?.length ?? 0).toBe(20);
    await popup.close();
    await tab.close();
  });

  it('signs out, and signs in to an account with a second factor (backup code)', async () => {
    const second = 'second@example.com';
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    await client.register({ email: second, password: MASTER });
    const theirs = await client.login({ email: second, password: MASTER });
    const enrolment = await client.security(theirs.session).enrolTotp(MASTER);
    const secret = parseOtpauthUri(enrolment.otpauthUri).secret;
    const backupCodes = (await client.security(theirs.session).confirmTotp(await totp(secret, Date.now())))!;
    await theirs.add({ type: 'login', name: 'Second site', fields: [], login: { username: 'sam', password: 'second-pw', urls: [base] } });

    const popup = await openPopup();
    await popup.getByRole('button', { name: 'Settings' }).click();
    await popup.getByRole('button', { name: 'Sign out' }).click();
    await popup.getByLabel('E-mail').fill(second);
    await popup.getByLabel('Master password').fill(MASTER);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByText('This account has a second factor.').waitFor({ timeout: 30_000 });
    await popup.getByLabel('Second factor').selectOption('backup_code');
    await popup.getByLabel('Code').fill('not-a-code');
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByRole('alert').filter({ hasText: /not accepted/ }).waitFor({ timeout: 30_000 });
    await popup.getByLabel('Code').fill(backupCodes[0]!);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor({ timeout: 30_000 });
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('second');
    await popup.getByRole('listitem', { name: 'Second site' }).waitFor();
    // The first account's items are gone with its session.
    await popup.getByRole('searchbox', { name: 'Search the vault' }).fill(ITEM);
    await popup.getByRole('heading', { name: 'All items' }).waitFor();
    expect(await popup.getByRole('listitem', { name: ITEM }).count()).toBe(0);
    await popup.close();
  });

  it('signs in with a security key from the popup (a CDP virtual authenticator; the server lists the extension origin)', async () => {
    // WebAuthn needs a host name (not an IP address) as relying party: a second server on localhost that accepts the
    // extension's origin for its relying party (WEBAUTHN_EXTENSION_ORIGINS).
    const port = await freePort();
    const keyDir = mkdtempSync(join(tmpdir(), 'ww-ext-key-'));
    const keyServer = await startServerProcess({
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      DATA_DIR: keyDir,
      ALLOWED_KDF_VERSIONS: '0,1',
      RATE_LIMIT_AUTH_PER_MINUTE: '10000',
      LOG_LEVEL: 'warn',
      WEBAUTHN_EXTENSION_ORIGINS: `chrome-extension://${browser.extensionId}`,
    });
    try {
      const email = 'keyholder@example.com';
      const client = new WatchwordClient({ serverUrl: `http://localhost:${port}`, kdfVersion: 0, passwordPolicy: false });
      await client.register({ email, password: MASTER });
      const theirs = await client.login({ email, password: MASTER });
      await theirs.add({ type: 'login', name: 'Key site', fields: [], login: { username: 'kim', password: 'key-pw', urls: [base] } });

      const popup = await openPopup();
      const cdp = await browser.context.newCDPSession(popup);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: true, isUserVerified: true } });
      // The key is registered from an extension page too (the account's settings would do it in the web vault).
      const options = await client.security(theirs.session).webauthnRegistrationOptions(MASTER);
      const registration = await popup.evaluate(async (o) => {
        const b = (t: string) => Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(t.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
        const s = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        const credential = (await navigator.credentials.create({
          publicKey: { challenge: b(o.challenge), rp: o.rp, user: { id: b(o.user.id), name: o.user.name, displayName: o.user.displayName }, pubKeyCredParams: o.pubKeyCredParams },
        })) as PublicKeyCredential;
        const response = credential.response as AuthenticatorAttestationResponse;
        return { id: credential.id, rawId: s(credential.rawId), type: 'public-key' as const, response: { clientDataJSON: s(response.clientDataJSON), attestationObject: s(response.attestationObject) }, clientExtensionResults: {} };
      }, options);
      await client.security(theirs.session).addWebauthn('Virtual key', registration);

      await popup.getByRole('button', { name: 'Settings' }).click();
      await popup.getByRole('button', { name: 'Sign out' }).click();
      await popup.getByRole('button', { name: 'Change server' }).click();
      await popup.getByLabel('Server address').fill(`http://localhost:${port}`);
      await popup.getByRole('button', { name: 'Connect' }).click();
      await popup.getByLabel('E-mail').fill(email);
      await popup.getByLabel('Master password').fill(MASTER);
      await popup.getByRole('button', { name: 'Sign in' }).click();
      await popup.getByText('This account has a second factor.').waitFor({ timeout: 30_000 });
      await popup.getByLabel('Second factor').selectOption('webauthn');
      await popup.getByRole('button', { name: 'Sign in' }).click();
      await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor({ timeout: 30_000 });
      await popup.getByRole('searchbox', { name: 'Search the vault' }).fill('key site');
      await popup.getByRole('listitem', { name: 'Key site' }).waitFor();
      await popup.close();
    } finally {
      await keyServer.stop();
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it('closing the browser locks: after a restart nothing is unlocked and no session is left', async () => {
    const profile = browser.userDataDir;
    await browser.close({ keepProfile: true });
    browser = await launchWithExtension(built.chromium, profile);
    const popup = await openPopup();
    // storage.session (tokens, the sealed account key) ended with the browser: sign in again.
    await popup.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 20_000 });
    const state = await browser.worker.evaluate(async () => ({
      session: Object.keys(await chrome.storage.session.get(null)),
      local: Object.keys(await chrome.storage.local.get(null)),
    }));
    expect(state.session).toEqual([]);
    expect(state.local).toContain('serverUrl');
    await popup.close();
  });
});
