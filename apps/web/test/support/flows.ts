import type { Locator, Page } from 'playwright-core';

/**
 * The person's paths through the page, by accessible names (labels and roles) — the way a keyboard or
 * screen-reader user finds them, so a control without a label fails the tests.
 */

export async function register(page: Page, url: string, email: string, password: string): Promise<string> {
  await page.goto(`${url}/#/register`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Master password', { exact: true }).fill(password);
  await page.getByLabel('Repeat master password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  const key = (await page.getByTestId('shown-once-value').textContent({ timeout: 30_000 }))?.trim() ?? '';
  return key;
}

export async function confirmRecoveryKeySaved(page: Page): Promise<void> {
  await page.getByLabel('I have saved my recovery key somewhere safe').check();
  await page.getByRole('button', { name: 'Continue to log in' }).click();
  await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
}

/** Fills the login form and submits; the caller waits for what comes next (vault or second factor). */
export async function submitLogin(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Master password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function login(page: Page, url: string, email: string, password: string): Promise<void> {
  if (!page.url().startsWith(url)) await page.goto(`${url}/#/login`);
  await submitLogin(page, email, password);
  await vaultShown(page);
}

/** A reload or a new tab opens the vault locked on the profile's kept session: unlock it with the master password. */
export async function unlockWithPassword(page: Page, password: string): Promise<void> {
  await page.getByRole('heading', { name: 'Your vault is locked' }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Master password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 30_000 });
}

export async function vaultShown(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 30_000 });
  await page.getByText(/\d+ items?/).first().waitFor();
}

export async function logout(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in to your vault' }).waitFor();
}

export interface LoginItem {
  name: string;
  username?: string;
  password?: string;
  url?: string;
  totp?: string;
  notes?: string;
  folder?: string;
  /** A shared vault's name (the editor's "Vault" choice); the personal vault when absent. */
  vault?: string;
  fields?: { name: string; value: string; hidden: boolean }[];
}

/** The selected item (view or editor) beside — or, on a narrow screen, instead of — the list. */
export function itemPane(page: Page): Locator {
  return page.getByRole('region', { name: 'Item' });
}

/** "New item" (type Login) → fill → Save; resolves once the saved item is shown. */
export async function addLoginItem(page: Page, item: LoginItem): Promise<void> {
  await page.getByLabel('New item type').selectOption('login');
  await page.getByRole('button', { name: 'New item' }).click();
  const pane = itemPane(page);
  await pane.getByRole('heading', { name: 'New login' }).waitFor();
  await pane.getByLabel('Name', { exact: true }).fill(item.name);
  if (item.vault) await pane.getByLabel('Vault', { exact: true }).selectOption({ label: item.vault });
  if (item.folder) await pane.getByLabel('Folder', { exact: true }).fill(item.folder);
  if (item.username) await pane.getByLabel('User name', { exact: true }).fill(item.username);
  if (item.password) await pane.getByLabel('Password', { exact: true }).fill(item.password);
  if (item.url) await pane.getByLabel('Web address', { exact: true }).fill(item.url);
  if (item.totp) await pane.getByLabel('Authenticator key (TOTP)').fill(item.totp);
  if (item.notes) await pane.getByLabel('Notes', { exact: true }).fill(item.notes);
  for (const [i, field] of (item.fields ?? []).entries()) {
    await pane.getByRole('button', { name: 'Add field' }).click();
    await pane.getByLabel(`Field ${i + 1} name`).fill(field.name);
    if (field.hidden) await pane.getByLabel(`Hide field ${i + 1} (a secret)`).check();
    await pane.getByLabel(`Field ${i + 1} value`).fill(field.value);
  }
  await pane.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: item.name, exact: true, level: 1 }).waitFor();
}

/** Opens an item from the list by its name. */
export async function openItem(page: Page, name: string): Promise<void> {
  await page.getByRole('list', { name: /Items/ }).getByRole('link', { name: new RegExp(`^${escapeRegExp(name)}`) }).click();
  await page.getByRole('heading', { name, exact: true, level: 1 }).waitFor();
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Names of form controls that have no accessible name (should be none on every screen). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => {
        const e = el as HTMLInputElement;
        if (e.type === 'hidden' || e.closest('[hidden]')) return false;
        const named = (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
        return !named && !(e.tagName === 'BUTTON' && (e.textContent ?? '').trim() !== '');
      })
      .map((e) => e.outerHTML.slice(0, 120)),
  );
}
