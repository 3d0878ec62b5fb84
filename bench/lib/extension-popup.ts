// The popup paths the extension benchmark times (bench/extension.ts), driven by accessible names as a person would.
import type { Page, Worker } from 'playwright-core';

export interface Stats {
  p50: number;
  p90: number;
  min: number;
  max: number;
  runs: number;
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(at(0.5)), p90: round(at(0.9)), min: round(sorted[0] ?? Number.NaN), max: round(sorted.at(-1) ?? Number.NaN), runs: sorted.length };
}

/** The bench's site login, the one row that matches the site page in every vault the benchmark fills. */
export const SITE_ITEM = 'Bench site';

export async function signIn(popup: Page, email: string, password: string): Promise<number> {
  await popup.getByLabel('E-mail').fill(email);
  await popup.getByLabel('Master password').fill(password);
  const t0 = performance.now();
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await popup.getByRole('listitem', { name: SITE_ITEM }).waitFor();
  return performance.now() - t0;
}

export async function signOut(popup: Page): Promise<void> {
  await popup.getByRole('button', { name: 'Settings' }).click();
  await popup.getByRole('button', { name: 'Sign out' }).click();
  await popup.getByRole('button', { name: 'Sign in' }).waitFor();
}

/** Popup opened (a reload) → the site's login listed: from the harness, and from the page's navigation start. */
export async function popupToList(popup: Page): Promise<{ harness: number; navigation: number }> {
  const t0 = performance.now();
  await popup.reload();
  await popup.getByRole('listitem', { name: SITE_ITEM }).waitFor();
  const navigation = await popup.evaluate(() => performance.getEntriesByName('watchword:list-shown')[0]?.startTime ?? Number.NaN);
  return { harness: performance.now() - t0, navigation };
}

/** Lock, then the master password → the first screen (the site's login listed). */
export async function unlockToList(popup: Page, password: string): Promise<number> {
  await popup.getByRole('button', { name: 'Lock' }).click();
  await popup.getByLabel('Master password').fill(password);
  const t0 = performance.now();
  await popup.getByRole('button', { name: 'Unlock' }).click();
  await popup.getByRole('listitem', { name: SITE_ITEM }).waitFor();
  return performance.now() - t0;
}

/**
 * One keystroke in the search box → the results replaced and the next frame painted, timed inside the popup (the
 * input event is dispatched there, as typing does), so no harness round trip is counted.
 */
export async function keystroke(popup: Page, query: string): Promise<number> {
  return popup.evaluate(async (q) => {
    const box = document.querySelector<HTMLInputElement>('input[type=search]')!;
    const results = document.getElementById('results')!;
    const changed = new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        observer.disconnect();
        resolve();
      });
      observer.observe(results, { childList: true });
    });
    const t0 = performance.now();
    box.value = q;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    await changed;
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    return performance.now() - t0;
  }, query);
}

/**
 * A delta sync that changes one item: `change` edits it on the server (another client), the worker's sync alarm is set
 * to fire now, and the popup asks the worker until a search finds the new name. Returns the time from the alarm to
 * the change being searchable, and what the worker reported for that sync (its `watchword:sync` User Timing measure).
 */
export async function deltaToSearchable(popup: Page, worker: Worker, change: () => Promise<string>): Promise<{ ms: number; worker: { duration: number; detail: unknown } | null }> {
  const name = await change();
  await worker.evaluate(() => performance.clearMeasures('watchword:sync'));
  const t0 = performance.now();
  await worker.evaluate(() => chrome.alarms.create('sync', { when: Date.now() }));
  await popup.evaluate(async (q) => {
    for (;;) {
      const reply = (await chrome.runtime.sendMessage({ type: 'items', query: q, pageUrl: null })) as { ok: boolean; value?: { items: { name: string }[] } };
      if (reply.ok && reply.value?.items.some((i) => i.name.toLowerCase() === q)) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }, name.toLowerCase());
  const ms = performance.now() - t0;
  // The periodic alarm again (the bench replaced it with a one-off).
  const measured = await worker.evaluate(async () => {
    await chrome.alarms.create('sync', { periodInMinutes: 5 });
    const entry = performance.getEntriesByName('watchword:sync').at(-1) as PerformanceMeasure | undefined;
    return entry ? { duration: entry.duration, detail: entry.detail as unknown } : null;
  });
  return { ms, worker: measured };
}
