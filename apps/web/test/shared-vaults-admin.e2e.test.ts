/**
 * Running an organisation in the web vault (issue 25), in real Chromium against a real server process, with two
 * browsers (owner, member). The organisation, a shared vault, the member's confirmation and an item are set up through
 * the SDK (shared-vaults.e2e.test.ts drives those steps in the page); this file drives the rest in the page: renaming
 * the organisation, changing a member's access to a vault in place (and one's own, which asks first and is refused for
 * the last manager), changing a role, and the organisation's audit events — refused to a plain member, listed and
 * filtered for the owner and, once promoted, for the member. No CSP violation, no uncaught error.
 */
import type { Page } from 'playwright-core';
import { Organisations, type Vault, WatchwordClient } from '@watchword/client';
import { api } from '@watchword/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../scripts/ensure-web-build.ts';
import { type TestBrowser, launchBrowser } from './support/browser.ts';
import { escapeRegExp, itemPane, login, openItem, unlabelledControls } from './support/flows.ts';
import { type VaultServer, startVaultServer } from './support/server.ts';

const OWNER = 'owner@example.com';
const MEMBER = 'member@example.com';
const PASSWORD = 'velvet orbit canyon marmalade 42';
const READ_ONLY = 'Your access to this vault does not allow this.';

describe('organisation management in Chromium', () => {
  let server: VaultServer;
  let ownerBrowser: TestBrowser;
  let memberBrowser: TestBrowser;
  let owner: Page;
  let member: Page;
  let ownerSdk: Vault;
  let memberSdk: Vault;
  let orgId = '';
  let vaultId = '';

  /** An account made outside the page (KDF profile 0, fast) with its address confirmed from the mailed link. */
  const account = async (email: string): Promise<Vault> => {
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, passwordPolicy: false });
    await client.register({ email, password: PASSWORD });
    const link = await server.mailLink(email, 'verify-email');
    const token = new URLSearchParams(link.slice(link.indexOf('?') + 1)).get('token') ?? '';
    await client.verifyEmail(token);
    return client.login({ email, password: PASSWORD });
  };

  beforeAll(async () => {
    await ensureWebBuild();
    [server, ownerBrowser, memberBrowser] = await Promise.all([startVaultServer({ RATE_LIMIT_WRITE_PER_MINUTE: '1000' }), launchBrowser(), launchBrowser()]);
    ownerSdk = await account(OWNER);
    memberSdk = await account(MEMBER);
    const asOwner = new Organisations(ownerSdk);
    const org = await asOwner.create('Family');
    orgId = org.id;
    vaultId = (await asOwner.createVault(orgId, 'Household')).id;
    await asOwner.invite(orgId, MEMBER, 'member');
    await new Organisations(memberSdk).accept(orgId);
    await asOwner.confirm(orgId, MEMBER, () => true);
    await asOwner.share(vaultId, memberSdk.userId, 'edit');
    await ownerSdk.add({ type: 'login', name: 'Wifi', fields: [], login: { username: 'home', password: 'Wifi-pass-1', urls: [] } }, { vaultId });
    owner = await ownerBrowser.newPage();
    member = await memberBrowser.newPage();
    await login(owner, server.url, OWNER, PASSWORD);
    await login(member, server.url, MEMBER, PASSWORD);
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 30).replace(/\W+/g, '-');
    await ownerBrowser.screenshot(owner, `failed-org-admin-owner-${name}`, { fullPage: true }).catch(() => undefined);
    await memberBrowser.screenshot(member, `failed-org-admin-member-${name}`, { fullPage: true }).catch(() => undefined);
  });

  afterAll(async () => {
    ownerSdk?.lock();
    memberSdk?.lock();
    await ownerBrowser?.close();
    await memberBrowser?.close();
    await server?.stop();
  });

  const openOrg = async (page: Page, name: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organisations' }).click();
    await page.getByRole('heading', { name: 'Organisations', level: 1 }).waitFor();
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
  };
  const household = (page: Page) => page.getByRole('article', { name: 'Vault Household' });
  const accessSelect = (page: Page, email: string) => household(page).getByRole('combobox', { name: `Access of ${email} to Household` });
  /** Opens a route by its fragment, as a typed address or a bookmark would. */
  const goTo = async (page: Page, fragment: string) => {
    await page.evaluate((hash) => {
      location.hash = hash;
    }, fragment);
  };

  it('the owner renames the organisation; the member sees the new name and no way to rename it', async () => {
    await openOrg(owner, 'Family');
    await owner.getByText('Owners and admins may rename it (you are owner)', { exact: false }).waitFor();
    await owner.getByLabel('New name for the organisation').fill('Family Home');
    await owner.getByRole('button', { name: 'Rename organisation' }).click();
    await owner.getByRole('heading', { name: 'Family Home', level: 1 }).waitFor();
    expect((await new Organisations(ownerSdk).list()).map((o) => o.name)).toEqual(['Family Home']);
    expect(await unlabelledControls(owner)).toEqual([]);

    await openOrg(member, 'Family Home');
    await member.getByText('Only an owner or an admin renames the organisation and reads its audit events; your role is member.').waitFor();
    expect(await member.getByLabel('New name for the organisation').count()).toBe(0);
    expect(await member.getByRole('button', { name: 'Rename organisation' }).count()).toBe(0);
    expect(await member.getByRole('link', { name: 'Audit events' }).count()).toBe(0);
    // Not only hidden: the server refuses a member's rename.
    await expect(memberSdk.session.call(api.orgs.rename, { params: { orgId }, body: { name: 'Taken over' } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await new Organisations(ownerSdk).list()).map((o) => o.name)).toEqual(['Family Home']);
  });

  it('a plain member who opens the audit page directly is shown the refusal, and no event', async () => {
    await goTo(member, `#/orgs/${orgId}/audit`);
    await member.getByRole('heading', { name: 'Audit events of Family Home', level: 1 }).waitFor();
    await member.getByRole('alert').getByText('Only the owners and admins of Family Home can read its audit events. Your role: Member.').waitFor();
    expect(await member.getByRole('table').count()).toBe(0);
    // The refusal came from the server: the SDK gets the same answer.
    await expect(new Organisations(memberSdk).audit(orgId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("the owner changes the member's access from edit to read in place; the member's edit is then refused", async () => {
    await openOrg(owner, 'Family Home');
    const select = accessSelect(owner, MEMBER);
    expect(await select.inputValue()).toBe('edit');
    await select.selectOption({ label: 'Read items' });
    await expect.poll(async () => (await new Organisations(ownerSdk).vaultMembers(vaultId)).find((m) => m.email === MEMBER)?.access).toBe('read');
    await expect.poll(() => accessSelect(owner, MEMBER).inputValue()).toBe('read');
    // No dialog for someone else's access, and the owner's own stays as it was.
    expect(await owner.getByRole('dialog').count()).toBe(0);
    expect(await accessSelect(owner, OWNER).inputValue()).toBe('manage');
    await ownerBrowser.screenshot(owner, 'org-page', { fullPage: true });

    await member.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vault' }).click();
    await member.getByRole('list', { name: /Items/ }).getByRole('link', { name: /^Wifi.*Vault: Household/ }).waitFor({ timeout: 30_000 });
    await openItem(member, 'Wifi');
    await itemPane(member).getByRole('link', { name: 'Edit' }).click();
    const pane = itemPane(member);
    await pane.getByLabel('User name', { exact: true }).fill('guest');
    await pane.getByRole('button', { name: 'Save', exact: true }).click();
    await pane.getByRole('alert').getByText(READ_ONLY).waitFor();
    await memberSdk.sync();
    expect((await memberSdk.list()).find((i) => i.content.name === 'Wifi')?.content.login?.username).toBe('home');
  });

  it('lowering one’s own access asks first; as the last manager, the server refuses and the page says why', async () => {
    const own = accessSelect(owner, OWNER);
    await own.selectOption({ label: 'Edit items' });
    const dialog = owner.getByRole('dialog', { name: 'Lower your own access to Household?' });
    await dialog.getByText('You will no longer manage its members or settings', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => accessSelect(owner, OWNER).inputValue()).toBe('manage');

    await accessSelect(owner, OWNER).selectOption({ label: 'Edit items' });
    await owner.getByRole('dialog', { name: 'Lower your own access to Household?' }).getByRole('button', { name: 'Lower my access' }).click();
    await household(owner).getByRole('alert').getByText('A shared vault keeps at least one member who manages it.').waitFor();
    // The select shows what the server kept, and so does the server.
    await expect.poll(() => accessSelect(owner, OWNER).inputValue()).toBe('manage');
    expect((await new Organisations(ownerSdk).vaultMembers(vaultId)).find((m) => m.email === OWNER)?.access).toBe('manage');
  });

  it('with a second manager, the owner lowers their own access after confirming, and loses the vault’s controls', async () => {
    await accessSelect(owner, MEMBER).selectOption({ label: 'Manage (members and settings)' });
    await expect.poll(async () => (await new Organisations(ownerSdk).vaultMembers(vaultId)).find((m) => m.email === MEMBER)?.access).toBe('manage');
    await accessSelect(owner, OWNER).selectOption({ label: 'Edit items' });
    await owner.getByRole('dialog', { name: 'Lower your own access to Household?' }).getByRole('button', { name: 'Lower my access' }).click();
    await household(owner).getByText('Your access: Edit items', { exact: false }).waitFor();
    expect(await household(owner).getByRole('table', { name: 'Members of Household' }).count()).toBe(0);
    expect(await household(owner).getByRole('button', { name: 'Rename', exact: true }).count()).toBe(0);
    expect((await new Organisations(memberSdk).vaultMembers(vaultId)).find((m) => m.email === OWNER)?.access).toBe('edit');
    // The other manager gives it back (through the SDK); the owner's page shows it once reopened.
    await new Organisations(memberSdk).setAccess(vaultId, ownerSdk.userId, 'manage');
    await openOrg(owner, 'Family Home');
    await expect.poll(() => accessSelect(owner, OWNER).inputValue()).toBe('manage');
  });

  it('the member list shows each state and role; the owner makes the member an admin', async () => {
    await new Organisations(ownerSdk).invite(orgId, 'invitee@example.com', 'member');
    await openOrg(owner, 'Family Home');
    const members = owner.getByRole('table', { name: 'Members of Family Home' });
    const row = (email: string) => members.getByRole('row', { name: new RegExp(escapeRegExp(email)) });
    await row('invitee@example.com').getByRole('cell', { name: 'Invited', exact: true }).waitFor();
    await row(MEMBER).getByRole('cell', { name: 'Confirmed', exact: true }).waitFor();
    // The owner's own row has no role control; an invitation's role (the one the member joins with) can be changed.
    expect(await owner.getByRole('combobox', { name: `Role of ${OWNER}` }).count()).toBe(0);
    await owner.getByRole('combobox', { name: 'Role of invitee@example.com' }).selectOption({ label: 'Admin' });
    await expect.poll(async () => (await new Organisations(ownerSdk).members(orgId)).find((m) => m.email === 'invitee@example.com')?.role).toBe('admin');
    await row('invitee@example.com').getByRole('cell', { name: 'Invited', exact: true }).waitFor();
    await owner.getByRole('combobox', { name: `Role of ${MEMBER}` }).selectOption({ label: 'Admin' });
    await expect.poll(async () => (await new Organisations(ownerSdk).members(orgId)).find((m) => m.email === MEMBER)?.role).toBe('admin');

    // Now an admin: the member's page offers the audit events and the rename.
    await openOrg(member, 'Family Home');
    await member.getByText('Your role: Admin', { exact: false }).waitFor();
    await member.getByLabel('New name for the organisation').waitFor();
    await member.getByRole('link', { name: 'Audit events' }).waitFor();
  });

  it('the audit page lists those changes with who, what and on what, and filters them', async () => {
    await openOrg(owner, 'Family Home');
    await owner.getByRole('link', { name: 'Audit events' }).click();
    await owner.getByRole('heading', { name: 'Audit events of Family Home', level: 1 }).waitFor();
    const table = owner.getByRole('table', { name: 'Audit events of Family Home' });
    const event = (pattern: string) => table.getByRole('row', { name: new RegExp(pattern) });
    const e = escapeRegExp;
    await event(`Organisation renamed.*${e(OWNER)}.*The organisation`).waitFor();
    await event(`Vault access changed.*${e(OWNER)}.*Vault “Household”.*member: ${e(MEMBER)} · access: Read items`).waitFor();
    await event(`Role changed.*${e(OWNER)}.*${e(MEMBER)}.*role: Admin`).waitFor();
    // An invitation's event names no one (the address is not kept): not the inviting owner either.
    await event(`Member invited.*${e(OWNER)}.*—.*role: Member`).first().waitFor();
    await event(`Member confirmed.*${e(OWNER)}.*${e(MEMBER)}`).waitFor();
    await event(`Vault shared.*${e(OWNER)}.*Vault “Household”.*member: ${e(MEMBER)} · access: Edit items`).waitFor();
    // Metadata only: nothing of the vault's content and no address or browser of whoever acted.
    const text = (await table.textContent()) ?? '';
    for (const secret of ['Wifi', 'Wifi-pass-1', '127.0.0.1', 'Chrome']) expect(text).not.toContain(secret);
    await ownerBrowser.screenshot(owner, 'org-audit', { fullPage: true });

    await owner.getByLabel('Kind of event').selectOption({ label: 'Vaults' });
    await expect.poll(() => event('Organisation renamed').count()).toBe(0);
    await event('Vault access changed').first().waitFor();
    await owner.getByLabel('Kind of event').selectOption({ label: 'Roles' });
    await expect.poll(() => table.getByRole('row').count()).toBe(3); // the header and the two role changes (the invitation's, the member's)
    expect(await unlabelledControls(owner)).toEqual([]);

    // The member, now an admin, reads the same events.
    await member.getByRole('link', { name: 'Audit events' }).click();
    await member.getByRole('table', { name: 'Audit events of Family Home' }).getByRole('row', { name: /Role changed/ }).first().waitFor();
  });

  it('the audit page shows 50 events at a time and the older ones on request, each once', async () => {
    const asOwner = new Organisations(ownerSdk);
    for (let i = 0; i < 26; i++) {
      await asOwner.setRole(orgId, MEMBER, 'member');
      await asOwner.setRole(orgId, MEMBER, 'admin');
    }
    const all = await asOwner.audit(orgId, { limit: 100 });
    expect(all.length).toBeGreaterThan(60);
    await owner.getByRole('link', { name: 'Back to Family Home' }).click();
    await owner.getByRole('link', { name: 'Audit events' }).click();
    const table = owner.getByRole('table', { name: 'Audit events of Family Home' });
    await expect.poll(() => table.getByRole('row').count()).toBe(51); // the header and the newest 50
    expect(await table.getByRole('row', { name: /Organisation created/ }).count()).toBe(0);
    await owner.getByRole('button', { name: 'Show older events' }).click();
    await table.getByRole('row', { name: /Organisation created/ }).waitFor();
    await expect.poll(() => table.getByRole('row').count()).toBe(all.length + 1);
    expect(await owner.getByRole('button', { name: 'Show older events' }).count()).toBe(0);
  });

  it('no CSP violation and no uncaught error in either browser', () => {
    expect([...ownerBrowser.cspViolations, ...memberBrowser.cspViolations]).toEqual([]);
    expect([...ownerBrowser.pageErrors, ...memberBrowser.pageErrors]).toEqual([]);
  });
});
