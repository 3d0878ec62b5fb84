// `npm run bench:web`: the web vault's list with large vaults, in Debian's Chromium against a real server process
// (docs/performance.md, "Web vault: large vaults"). For each vault size (BENCH_WEB_ITEMS, default 10,000 and 50,000;
// an empty vault is the same-run baseline) it measures, in the page's own clock:
// - unlock → first screen: the Unlock click → the frame after the first row (or the empty-vault text) is in the DOM,
//   and → every item decrypted (the count no longer says "decrypting");
// - search keystroke → results: each keydown of a query typed into the search box → the frame after its render;
// - one-item delta: an item changed through the SDK, the page's focus sync → the frame after its row shows the
//   change, with the DOM mutation records and the rows they touched;
// - decrypt per item in the web vault's worker, alone (bench/lib/worker-decrypt.ts), against bare WebCrypto in the page.
// BENCH_WEB_DIST serves another build of the web vault (e.g. an older commit's `vite build`) for a before/after.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type ItemContent, WatchwordClient } from '@watchword/client';
import { WEB_DIST, ensureWebBuild } from '../scripts/ensure-web-build.ts';
import { decryptWorkerAsset, measureWorkerDecrypt } from './lib/worker-decrypt.ts';
import { personalVaultBlobs } from './lib/vault-blobs.ts';
import { type TestBrowser, launchBrowser } from '../apps/web/test/support/browser.ts';
import { submitLogin } from '../apps/web/test/support/flows.ts';
import { startVaultServer } from '../apps/web/test/support/server.ts';

const SIZES = (process.env.BENCH_WEB_ITEMS ?? '10000,50000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 5);
const DIST = process.env.BENCH_WEB_DIST;
const QUERY = 'user-4321';
const PASSWORD = 'bench master password 1';
const log = (msg: string) => process.stderr.write(`bench:web: ${msg}\n`);

function stats(values: number[]): { p50: number; p90: number; min: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(at(0.5)), p90: r(at(0.9)), min: r(sorted[0] ?? Number.NaN), max: r(sorted.at(-1) ?? Number.NaN), n: sorted.length };
}

function content(i: number): ItemContent {
  const n = String(i).padStart(5, '0');
  return { type: 'login', name: `Item ${n}`, fields: [], notes: i % 10 === 0 ? `note for item ${n}\nsecond line` : undefined, login: { username: `user-${n}`, password: `pw-${i}-xxxxxxxxxxxx`, urls: [`https://site${i}.example.com/login`] } };
}

if (!DIST) await ensureWebBuild();
const server = await startVaultServer(DIST ? { WEB_VAULT_DIR: DIST } : {});
// A browser (a fresh profile) per vault size: the web vault remembers the last account and resumes its session.
let browser: TestBrowser | undefined;
const results: Record<string, unknown>[] = [];
try {
  for (const size of [0, ...SIZES]) {
    const email = `bench-${size}@example.com`;
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    await client.register({ email, password: PASSWORD });
    const vault = await client.login({ email, password: PASSWORD });
    const seedStart = performance.now();
    const contents = Array.from({ length: size }, (_, i) => content(i)).map((c) => (c.notes === undefined ? (({ notes: _, ...rest }) => rest)(c) : c));
    const added = size > 0 ? await vault.addMany(contents) : [];
    log(`${size} items added in ${Math.round(performance.now() - seedStart)} ms`);

    await browser?.close();
    browser = await launchBrowser();
    const page = await browser.newPage();
    page.setDefaultTimeout(300_000);
    await page.goto(`${server.url}/#/login`);
    await submitLogin(page, email, PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.waitForFunction(() => /^\d[\d,]* items?$/.test(document.getElementById('vault-count')?.textContent ?? ''), undefined, { polling: 100 });

    const firstScreen: number[] = [];
    const allDecrypted: number[] = [];
    let domNodes = 0;
    for (let run = 0; run < RUNS + 1; run++) {
      await page.getByRole('banner').getByRole('button', { name: 'Lock' }).click();
      await page.getByLabel('Master password', { exact: true }).fill(PASSWORD);
      await page.evaluate(() => {
        const t: Record<string, number> = {};
        (window as unknown as { benchT: Record<string, number> }).benchT = t;
        const afterPaint = (key: string) => requestAnimationFrame(() => setTimeout(() => (t[key] ??= performance.now()), 0));
        document.addEventListener('click', () => (t.click ??= performance.now()), { capture: true, once: true });
        const observer = new MutationObserver(() => {
          if (t.click === undefined) return;
          if (t.firstSeen === undefined && document.querySelector('.item-list li .item-name, .vault-list p.empty')) {
            t.firstSeen = performance.now();
            afterPaint('first');
          }
          if (t.allSeen === undefined && /^\d[\d,]* items?$/.test(document.getElementById('vault-count')?.textContent ?? '')) {
            t.allSeen = performance.now();
            afterPaint('all');
            observer.disconnect();
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await page.getByRole('button', { name: 'Unlock' }).click();
      const t = (await (await page.waitForFunction(() => {
        const t = (window as unknown as { benchT: Record<string, number> }).benchT;
        return t.first !== undefined && t.all !== undefined ? t : undefined;
      }, undefined, { polling: 50 })).jsonValue()) as Record<string, number>;
      if (run > 0) {
        firstScreen.push(t.first! - t.click!);
        allDecrypted.push(t.all! - t.click!);
      }
      domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    }

    const keystrokes: number[] = [];
    if (size > 0) {
      const search = page.getByRole('searchbox', { name: 'Search' });
      for (let run = 0; run < RUNS; run++) {
        await search.fill('');
        await page.waitForTimeout(200);
        await search.focus();
        for (const ch of QUERY) {
          await page.evaluate(() => {
            const w = window as unknown as { benchKey?: { down?: number; done?: number } };
            const k: { down?: number; done?: number } = {};
            w.benchKey = k;
            document.addEventListener('keydown', () => (k.down = performance.now()), { capture: true, once: true });
            document.addEventListener('input', () => requestAnimationFrame(() => setTimeout(() => (k.done = performance.now()), 0)), { capture: true, once: true });
          });
          await page.keyboard.press(ch);
          const k = (await (await page.waitForFunction(() => {
            const k = (window as unknown as { benchKey: { down?: number; done?: number } }).benchKey;
            return k.done !== undefined ? k : undefined;
          }, undefined, { polling: 20 })).jsonValue()) as { down: number; done: number };
          keystrokes.push(k.done - k.down);
        }
      }
      await search.fill('');
      await page.waitForFunction(() => /^\d[\d,]* items?$/.test(document.getElementById('vault-count')?.textContent ?? ''), undefined, { polling: 100 });
    }

    const delta: number[] = [];
    const mutations: number[] = [];
    const rowsTouched: number[] = [];
    if (size > 0) {
      for (let run = 0; run < RUNS; run++) {
        // An item on the first screen (the list is sorted by name).
        const target = added[2 + run]!;
        const marker = `changed-${run}-${target.content.name.slice(5)}`;
        const current = await vault.get(target.id);
        await vault.update(target.id, { ...current.content, login: { ...current.content.login, username: marker } }, current.revision);
        await page.evaluate((marker) => {
          const d: { start?: number; done?: number; records: number; rows: Set<string> } = { records: 0, rows: new Set() };
          (window as unknown as { benchDelta: typeof d }).benchDelta = d;
          const list = document.querySelector('.vault-list')!;
          const observer = new MutationObserver((records) => {
            for (const r of records) {
              d.records++;
              const el = r.target instanceof Element ? r.target : r.target.parentElement;
              d.rows.add(el?.closest('li')?.getAttribute('aria-posinset') ?? el?.closest('li')?.textContent?.slice(0, 20) ?? 'outside a row');
            }
            if (d.done === undefined && list.textContent?.includes(marker)) requestAnimationFrame(() => setTimeout(() => (d.done = performance.now()), 0));
          });
          observer.observe(list, { subtree: true, childList: true, characterData: true, attributes: true });
          d.start = performance.now();
          dispatchEvent(new Event('focus'));
        }, marker);
        const d = (await (await page.waitForFunction(() => {
          const d = (window as unknown as { benchDelta: { start: number; done?: number; records: number; rows: Set<string> } }).benchDelta;
          return d.done !== undefined ? { ms: d.done - d.start, records: d.records, rows: d.rows.size } : undefined;
        }, undefined, { polling: 20 })).jsonValue()) as { ms: number; records: number; rows: number };
        delta.push(d.ms);
        mutations.push(d.records);
        rowsTouched.push(d.rows);
        await page.waitForTimeout(300);
      }
    }
    // The decrypt worker alone, over this vault's blobs (bench/lib/worker-decrypt.ts), against bare WebCrypto.
    let workerDecrypt: Record<string, unknown> = {};
    if (size > 0) {
      const { items, vaultKey } = await personalVaultBlobs(vault);
      const runs = await measureWorkerDecrypt(page, { asset: decryptWorkerAsset(DIST ?? WEB_DIST), userId: vault.userId, vaultKey, items, runs: RUNS });
      const worker = stats(runs.worker);
      const baseline = stats(runs.baseline);
      workerDecrypt = { workerDecryptUsPerItem: worker, bareWebCryptoUsPerItem: baseline, workerDecryptRatio: Math.round((worker.p50 / baseline.p50) * 100) / 100 };
    }
    const row = { items: size, unlockToFirstScreenMs: stats(firstScreen), unlockToAllDecryptedMs: stats(allDecrypted), domElementsAfterUnlock: domNodes, ...(size > 0 ? { searchKeystrokeMs: stats(keystrokes), oneItemDeltaMs: stats(delta), oneItemDeltaMutationRecords: stats(mutations), oneItemDeltaRowsTouched: stats(rowsTouched), ...workerDecrypt } : {}) };
    log(JSON.stringify(row));
    results.push(row);
    await page.close();
  }
  const result = { date: new Date().toISOString(), build: DIST ?? 'apps/web/dist', runs: RUNS, query: QUERY, rows: results };
  console.log(JSON.stringify(result, null, 2));
  const outDir = join(import.meta.dirname, 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `web-list-${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser?.close();
  await server.stop();
}
