// `npm run bench:extension`: the browser extension in Debian's Chromium, unlocked, at several vault sizes in one run
// (default: 1 item — the same-run baseline — then 10,000 and 50,000; BENCH_EXTENSION_SIZES="1,10000"). Per size
// (docs/performance.md, "Browser extension"):
// - popup opened → the current site's logins listed (from the reload command, and from the popup's navigation start);
// - unlock → first screen (master password submitted → the site's login listed; the worker syncs and decrypts all);
// - search keystroke → results painted (timed in the popup);
// - a delta sync that changes one item → the change searchable, and the worker's own figure for that sync;
// - the fill shortcut's command → the form filled (the page's own `input` event).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Vault, WatchwordClient } from '@watchword/client';
import { freePort, startServerProcess } from '@watchword/testkit';
import type { Page } from 'playwright-core';
import { buildExtension } from '../apps/extension/build.ts';
import { type ExtensionBrowser, HOST_A, launchWithExtension } from '../apps/extension/test/support/browser.ts';
import { startSite } from '../apps/extension/test/support/site.ts';
import { SITE_ITEM, type Stats, deltaToSearchable, keystroke, popupToList, signIn, signOut, stats, unlockToList } from './lib/extension-popup.ts';

const SIZES = (process.env.BENCH_EXTENSION_SIZES ?? '1,10000,50000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_EXTENSION_RUNS ?? 15);
const UNLOCK_RUNS = Number(process.env.BENCH_EXTENSION_UNLOCK_RUNS ?? 5);
const DELTA_RUNS = Number(process.env.BENCH_EXTENSION_DELTA_RUNS ?? 5);
const PASSWORD = 'bench master password 1';
/** What a person types, one keystroke at a time: narrowing down to one item, then a miss. */
const KEYSTROKES = ['i', 'it', 'ite', 'item', 'item ', 'item 4', 'item 49', 'item 499', 'z', 'zq', 'zqx'];
const log = (msg: string) => process.stderr.write(`bench:extension: ${msg}\n`);

interface SizeResult {
  items: number;
  signInToList: number;
  popupToList: Stats;
  popupNavigationToList: Stats;
  unlockToList: Stats;
  searchKeystroke: Stats;
  deltaToSearchable: Stats;
  deltaWorkerMs: Stats;
  deltaWorkerDetail: unknown;
  shortcutToFilled: Stats;
  loadAverage: number[];
}

async function fill(client: WatchwordClient, email: string, items: number, base: string): Promise<Vault> {
  await client.register({ email, password: PASSWORD });
  const vault = await client.login({ email, password: PASSWORD });
  const contents = Array.from({ length: items }, (_, i) =>
    i === 0
      ? { type: 'login' as const, name: SITE_ITEM, fields: [], login: { username: 'bench-user', password: 'bench-pw-123', urls: [base] } }
      : { type: 'login' as const, name: `Item ${i}`, fields: [], login: { username: `user${i}`, password: `pw-${i}-xxxxxxxx`, urls: [`https://site${i}.example.com/login`] } },
  );
  await vault.addMany(contents);
  return vault;
}

async function measureSize(browser: ExtensionBrowser, popup: Page, page: Page, client: WatchwordClient, items: number, base: string): Promise<SizeResult> {
  const email = `bench-${items}-${Date.now()}@example.com`;
  log(`${items} items: adding`);
  const owner = await fill(client, email, items, base);
  log(`${items} items: signing in`);
  const signInMs = await signIn(popup, email, PASSWORD);

  const popupMs: number[] = [];
  const navigationMs: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const { harness, navigation } = await popupToList(popup);
    if (i >= 2) {
      popupMs.push(harness);
      navigationMs.push(navigation);
    }
  }
  log(`${items} items: unlock`);
  const unlockMs: number[] = [];
  for (let i = 0; i < UNLOCK_RUNS + 1; i++) {
    const ms = await unlockToList(popup, PASSWORD);
    if (i >= 1) unlockMs.push(ms);
  }
  log(`${items} items: search`);
  const searchMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (const q of KEYSTROKES) searchMs.push(await keystroke(popup, q));
    await keystroke(popup, '');
  }
  log(`${items} items: delta`);
  const deltaMs: number[] = [];
  const workerMs: number[] = [];
  let detail: unknown = null;
  const target = (await owner.list()).find((i) => i.content.name !== SITE_ITEM) ?? (await owner.list())[0]!;
  let current = target;
  for (let i = 0; i < DELTA_RUNS + 1; i++) {
    const measured = await deltaToSearchable(popup, browser.worker, async () => {
      const name = `Renamed ${i} ${Date.now()}`;
      current = await owner.update(current.id, { ...current.content, name }, current.revision);
      return name;
    });
    if (i >= 1) {
      deltaMs.push(measured.ms);
      if (measured.worker) {
        workerMs.push(measured.worker.duration);
        detail = measured.worker.detail;
      }
    }
  }
  log(`${items} items: shortcut`);
  const shortcutMs: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    await page.reload();
    await page.bringToFront();
    await page.evaluate(() => {
      const input = document.getElementById('password')!;
      input.addEventListener('input', () => (document.body.dataset.filledAt = String(Date.now())), { once: true });
    });
    const t0 = Date.now();
    await browser.worker.evaluate(() => (globalThis as unknown as { watchwordCommand(c: string): Promise<void> }).watchwordCommand('fill-login'));
    await page.waitForFunction(() => document.body.dataset.filledAt !== undefined);
    const filledAt = Number(await page.evaluate(() => document.body.dataset.filledAt));
    if (i >= 2) shortcutMs.push(filledAt - t0);
  }
  owner.lock();
  await popup.bringToFront();
  await signOut(popup);
  return {
    items,
    signInToList: Math.round(signInMs),
    popupToList: stats(popupMs),
    popupNavigationToList: stats(navigationMs),
    unlockToList: stats(unlockMs),
    searchKeystroke: stats(searchMs),
    deltaToSearchable: stats(deltaMs),
    deltaWorkerMs: stats(workerMs),
    deltaWorkerDetail: detail,
    shortcutToFilled: stats(shortcutMs),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const distDir = mkdtempSync(join(tmpdir(), 'ww-bench-ext-dist-'));
const built = await buildExtension(distDir);
const site = await startSite();
const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'ww-bench-ext-'));
const server = await startServerProcess({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', RATE_LIMIT_AUTH_PER_MINUTE: '10000', LOG_LEVEL: 'warn' });
const browser = await launchWithExtension(built.chromium);
try {
  const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
  const base = `http://${HOST_A}:${site.port}`;
  // The site first: the popup lists the logins of the last web tab the person looked at.
  const page = await browser.context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${base}/login/simple-login.html`);
  const popup = await browser.context.newPage();
  popup.setDefaultTimeout(Number(process.env.BENCH_EXTENSION_TIMEOUT_MS ?? 300_000));
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  await popup.getByLabel('Server address').fill(server.url);
  await popup.getByRole('button', { name: 'Connect' }).click();
  await popup.getByRole('button', { name: 'Sign in' }).waitFor();

  const sizes: SizeResult[] = [];
  for (const items of SIZES) sizes.push(await measureSize(browser, popup, page, client, items, base));
  const baseline = sizes[0]!;
  const ratio = (pick: (s: SizeResult) => number, s: SizeResult) => Math.round((pick(s) / pick(baseline)) * 100) / 100;
  const result = {
    date: new Date().toISOString(),
    runs: RUNS,
    sizes,
    // Each size's p50 as a multiple of the same run's baseline (the smallest vault).
    ratiosToBaseline: sizes.map((s) => ({
      items: s.items,
      popupNavigationToList: ratio((x) => x.popupNavigationToList.p50, s),
      unlockToList: ratio((x) => x.unlockToList.p50, s),
      searchKeystroke: ratio((x) => x.searchKeystroke.p50, s),
      deltaToSearchable: ratio((x) => x.deltaToSearchable.p50, s),
    })),
  };
  console.log(JSON.stringify(result, null, 2));
  const outDir = join(import.meta.dirname, 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `extension-${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  await server.stop();
  site.server.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(distDir, { recursive: true, force: true });
}
