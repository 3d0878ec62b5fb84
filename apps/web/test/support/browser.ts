import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { resolveChromium } from './chromium.ts';

/** The system's Chromium, or the one an npm package ships (support/chromium.ts); never a downloaded browser. */
export const CHROMIUM = await resolveChromium();
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab, watched for CSP violations and uncaught errors. */
  newPage(): Promise<Page>;
  /** Everything the browser reported as a Content-Security-Policy violation, from any watched tab. */
  cspViolations: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  screenshot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<void>;
  close(): Promise<void>;
}

const CSP_TEXT = /Content[- ]Security[- ]Policy|Refused to (load|execute|apply|evaluate|connect|frame|create|compile)/i;

/**
 * One Chromium per test file, on a fresh user-data directory. CSP violations are collected three ways, since a page
 * under a strict CSP cannot run a listener of ours: console messages, the CDP Log domain (source `security`), and
 * the CDP Audits domain (`ContentSecurityPolicyIssue`).
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'ww-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM.executablePath,
    env: { ...process.env, ...CHROMIUM.env } as Record<string, string>,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const watch = async (page: Page) => {
    page.on('console', (message) => {
      if (CSP_TEXT.test(message.text())) cspViolations.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    const cdp = await context.newCDPSession(page);
    cdp.on('Log.entryAdded', ({ entry }) => {
      if (entry.source === 'security' || CSP_TEXT.test(entry.text)) cspViolations.push(`log: ${entry.text}`);
    });
    cdp.on('Audits.issueAdded', ({ issue }) => {
      if (issue.code === 'ContentSecurityPolicyIssue') cspViolations.push(`audit: ${JSON.stringify(issue.details.contentSecurityPolicyIssueDetails)}`);
    });
    await cdp.send('Log.enable');
    await cdp.send('Audits.enable');
  };
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    cspViolations,
    pageErrors,
    async newPage() {
      const page = await context.newPage();
      // Fail fast: nothing in the page should take long (Argon2id logins take about half a second).
      page.setDefaultTimeout(15_000);
      await watch(page);
      return page;
    },
    async screenshot(page, name, options = {}) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: options.fullPage ?? false, animations: 'disabled' });
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** What the page keeps in browser storage (all of it: the test asserts nothing secret is there). */
export async function browserStorage(page: Page): Promise<{ local: Record<string, string>; session: Record<string, string>; cookies: string; indexedDb: string[]; caches: string[] }> {
  return page.evaluate(async () => ({
    local: { ...localStorage },
    session: { ...sessionStorage },
    cookies: document.cookie,
    indexedDb: (await indexedDB.databases()).map((d) => d.name ?? ''),
    caches: await caches.keys(),
  }));
}

/** Every value in the page's IndexedDB database (CryptoKeys named, bytes as base64) and every Cache Storage body. */
export async function deviceStorage(page: Page): Promise<{ indexedDb: string; caches: string; cachedUrls: string[]; outbox: number; stores: Record<string, string[]> }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('watchword');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const request = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
    const replacer = (_key: string, value: unknown) =>
      value instanceof CryptoKey ? `[CryptoKey extractable=${value.extractable}]`
        : value instanceof ArrayBuffer ? toBase64(new Uint8Array(value))
          : ArrayBuffer.isView(value) ? toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
            : value;
    const stores: Record<string, string[]> = {};
    let text = '';
    let outbox = 0;
    for (const name of [...db.objectStoreNames]) {
      const store = db.transaction(name).objectStore(name);
      const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
      stores[name] = keys.map(String);
      if (name === 'outbox') outbox = values.length;
      text += JSON.stringify({ name, keys, values }, replacer);
    }
    db.close();
    let cached = '';
    const cachedUrls: string[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const req of await cache.keys()) {
        cachedUrls.push(new URL(req.url).pathname);
        cached += `${req.url}\n${await (await cache.match(req))?.text()}\n`;
      }
    }
    return { indexedDb: text, caches: cached, cachedUrls, outbox, stores };
  });
}
