// `npm run bench:extension`: the browser extension with a 10,000-item vault, unlocked, in Debian's Chromium.
// Two figures (target ≤ 100 ms each, docs/performance.md): opening the popup → the current site's logins shown
// (popupToList: from the reload command, as the harness sees it; popupNavigationToList: from the popup's navigation
// start to its first list, a User Timing mark), and the fill shortcut's command → the form filled (the page's own
// `input` event).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchwordClient } from '@watchword/client';
import { freePort, startServerProcess } from '@watchword/testkit';
import { buildExtension } from '../apps/extension/build.ts';
import { HOST_A, launchWithExtension } from '../apps/extension/test/support/browser.ts';
import { startSite } from '../apps/extension/test/support/site.ts';

const ITEMS = Number(process.env.BENCH_EXTENSION_ITEMS ?? 10_000);
const RUNS = Number(process.env.BENCH_EXTENSION_RUNS ?? 15);
const log = (msg: string) => process.stderr.write(`bench:extension: ${msg}\n`);

function stats(values: number[]): { p50: number; p90: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: Math.round(at(0.5)), p90: Math.round(at(0.9)), min: Math.round(sorted[0]!), max: Math.round(sorted.at(-1)!) };
}

const built = await buildExtension();
const site = await startSite();
const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'ww-bench-ext-'));
const server = await startServerProcess({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', RATE_LIMIT_AUTH_PER_MINUTE: '10000', LOG_LEVEL: 'warn' });
const browser = await launchWithExtension(built.chromium);
try {
  const email = 'bench@example.com';
  const password = 'bench master password 1';
  const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
  await client.register({ email, password });
  const vault = await client.login({ email, password });
  const base = `http://${HOST_A}:${site.port}`;
  log(`adding ${ITEMS} items`);
  const contents = Array.from({ length: ITEMS }, (_, i) =>
    i === 0
      ? { type: 'login' as const, name: 'Bench site', fields: [], login: { username: 'bench-user', password: 'bench-pw-123', urls: [base] } }
      : { type: 'login' as const, name: `Item ${i}`, fields: [], login: { username: `user${i}`, password: `pw-${i}-xxxxxxxx`, urls: [`https://site${i}.example.com/login`] } },
  );
  await vault.addMany(contents);

  const popup = await browser.context.newPage();
  popup.setDefaultTimeout(120_000);
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  await popup.getByLabel('Server address').fill(server.url);
  await popup.getByRole('button', { name: 'Connect' }).click();
  await popup.getByLabel('E-mail').fill(email);
  await popup.getByLabel('Master password').fill(password);
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await popup.getByRole('searchbox', { name: 'Search the vault' }).waitFor();
  log('signed in; measuring');

  const page = await browser.context.newPage();
  await page.goto(`${base}/login/simple-login.html`);
  const popupMs: number[] = [];
  const popupInPageMs: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    await popup.reload();
    await popup.getByRole('listitem', { name: 'Bench site' }).waitFor();
    const mark = await popup.evaluate(() => performance.getEntriesByName('watchword:list-shown')[0]?.startTime ?? Number.NaN);
    if (i >= 2) {
      popupMs.push(performance.now() - t0);
      popupInPageMs.push(mark);
    }
  }
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
  const result = { date: new Date().toISOString(), items: ITEMS, runs: RUNS, popupToList: stats(popupMs), popupNavigationToList: stats(popupInPageMs), shortcutToFilled: stats(shortcutMs) };
  console.log(JSON.stringify(result, null, 2));
  const outDir = join(import.meta.dirname, 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `extension-${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  await server.stop();
  site.server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
