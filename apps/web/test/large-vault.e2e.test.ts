/**
 * The vault list with a large vault (docs/web-vault.md, "Large vaults") in real Chromium against a real server: only
 * a screenful of rows is in the DOM, scrolling shows the right items, search filters, the keyboard moves through
 * the list, a sync that changes one item re-renders that row only (counted with a MutationObserver in the page), and
 * a deleted item disappears. The items are added through the SDK, outside the page.
 */
import type { Page } from 'playwright-core';
import { type Vault, type VaultItem, WatchwordClient } from '@watchword/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, launchBrowser } from './support/browser.ts';
import { login } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const EMAIL = 'many@example.com';
const PASSWORD = 'lantern fjord pebble 7781 quiet';
const COUNT = 2000;
const ROW_HEIGHT = 56;
const name = (i: number) => `Item ${String(i).padStart(4, '0')}`;

describe('a large vault in the web vault', () => {
  let server: VaultServer;
  let browser: TestBrowser;
  let page: Page;
  let vault: Vault;
  let added: VaultItem[];

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startVaultServer(), launchBrowser()]);
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    await client.register({ email: EMAIL, password: PASSWORD });
    vault = await client.login({ email: EMAIL, password: PASSWORD });
    // Added in reverse order: the list's order comes from the names, not from the server's.
    const contents = Array.from({ length: COUNT }, (_, n) => {
      const i = COUNT - 1 - n;
      return { type: 'login' as const, name: name(i), fields: [], login: { username: `user-${String(i).padStart(4, '0')}`, password: `pw-${i}-secret`, urls: [`https://site${i}.example.com/`] } };
    });
    added = await vault.addMany(contents);
    page = await browser.newPage();
    await login(page, server.url, EMAIL, PASSWORD);
    await page.getByText(`${COUNT.toLocaleString('en')} items`, { exact: true }).waitFor({ timeout: 30_000 });
  }, 120_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await browser.screenshot(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });
  afterAll(async () => {
    expect(browser?.cspViolations ?? []).toEqual([]);
    expect(browser?.pageErrors ?? []).toEqual([]);
    await browser?.close();
    await server?.stop();
  });

  const list = () => page.getByRole('list', { name: 'Items', exact: true });
  const itemOf = (n: string) => added.find((i) => i.content.name === n)!;
  /** The rows the page shows inside the scroller's visible area: [position, name]. */
  const visibleRows = () =>
    page.evaluate(() => {
      const scroller = document.querySelector('.item-list') as HTMLElement;
      const box = scroller.getBoundingClientRect();
      return [...scroller.querySelectorAll('li')]
        .filter((li) => {
          const r = li.getBoundingClientRect();
          return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
        })
        .map((li) => [Number(li.getAttribute('aria-posinset')), li.querySelector('.item-name')?.textContent ?? ''] as const)
        .sort((a, b) => a[0] - b[0]);
    });

  it('puts a screenful of rows in the DOM and tells screen readers the size', async () => {
    const rows = await list().getByRole('listitem').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    await expect(list().getByRole('listitem').first().getAttribute('aria-setsize')).resolves.toBe(String(COUNT));
    const shown = await visibleRows();
    expect(shown[0]).toEqual([1, name(0)]);
    expect(shown.map(([pos, n]) => n === name(pos - 1))).not.toContain(false);
  });

  it('shows the right items while scrolling', async () => {
    for (const at of [1000, 1500, COUNT - 1]) {
      await page.locator('.item-list').evaluate((el, top) => (el.scrollTop = top), at * ROW_HEIGHT);
      await list().getByRole('link', { name: new RegExp(`^${name(at)}`) }).waitFor();
      const shown = await visibleRows();
      expect(shown.length).toBeGreaterThan(3);
      // What the person sees: consecutive items, in order, at their positions.
      for (const [pos, n] of shown) expect(n).toBe(name(pos - 1));
      expect(shown.map(([pos]) => pos)).toContain(Math.min(at + 1, COUNT));
    }
    await page.locator('.item-list').evaluate((el) => (el.scrollTop = 0));
  });

  it('search filters on name, user name and web address without decrypting again', async () => {
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('user-19');
    await page.getByText('100 items', { exact: true }).waitFor();
    expect((await visibleRows())[0]).toEqual([1, name(1900)]);
    await search.fill('site1234.example');
    await page.getByText('1 item', { exact: true }).waitFor();
    expect(await visibleRows()).toEqual([[1, name(1234)]]);
    await search.fill('');
    await page.getByText(`${COUNT.toLocaleString('en')} items`, { exact: true }).waitFor();
  });

  it('moves through the list with the keyboard, and the list is one Tab stop', async () => {
    const focused = () => page.evaluate(() => document.activeElement?.querySelector('.item-name')?.textContent ?? document.activeElement?.id ?? '');
    await page.getByRole('searchbox', { name: 'Search' }).focus();
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(name(0));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(name(2));
    await page.keyboard.press('End');
    expect(await focused()).toBe(name(COUNT - 1));
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe(name(COUNT - 2));
    await page.keyboard.press('Home');
    expect(await focused()).toBe(name(0));
    // Only the active row's link is tabbable.
    await expect(list().locator('a[tabindex="0"]').count()).resolves.toBe(1);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: name(0), exact: true, level: 1 }).waitFor();
    await page.goto(`${server.url}/#/vault`);
    await list().waitFor();
  });

  it('a sync that changes one item re-renders that row only', async () => {
    const target = itemOf(name(3));
    await list().getByRole('link', { name: new RegExp(`^${name(3)}`) }).waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { mutated: string[] };
      w.mutated = [];
      new MutationObserver((records) => {
        for (const r of records) {
          const node = r.target instanceof Element ? r.target : r.target.parentElement;
          w.mutated.push(node?.closest('li')?.getAttribute('aria-posinset') ?? `outside:${node?.tagName ?? '?'}.${node?.className ?? ''}`);
        }
      }).observe(document.querySelector('.vault-list')!, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await vault.update(target.id, { ...target.content, login: { ...target.content.login, username: 'changed-0003' } }, target.revision);
    // The page syncs when it regains focus.
    await page.evaluate(() => dispatchEvent(new Event('focus')));
    await list().getByText('changed-0003').waitFor();
    await page.waitForTimeout(300);
    const mutated = await page.evaluate(() => (window as unknown as { mutated: string[] }).mutated);
    expect(mutated.length).toBeGreaterThan(0);
    expect(new Set(mutated)).toEqual(new Set(['4']));
  });

  it('an item deleted elsewhere disappears from the list', async () => {
    const trashed = itemOf(name(5));
    const purged = itemOf(name(6));
    await vault.trash(trashed.id);
    await vault.purge(purged.id);
    await page.evaluate(() => dispatchEvent(new Event('focus')));
    await page.getByText(`${(COUNT - 2).toLocaleString('en')} items`, { exact: true }).waitFor();
    const names = (await visibleRows()).map(([, n]) => n);
    expect(names).not.toContain(name(5));
    expect(names).not.toContain(name(6));
    expect(names.slice(0, 6)).toEqual([name(0), name(1), name(2), name(3), name(4), name(7)]);
    await page.getByLabel('Show trash').check();
    await page.getByText('1 item in the trash', { exact: true }).waitFor();
    await page.getByRole('list', { name: 'Items in the trash' }).getByRole('link', { name: new RegExp(`^${name(5)}`) }).waitFor();
    await page.getByLabel('Show trash').uncheck();
  });
});
