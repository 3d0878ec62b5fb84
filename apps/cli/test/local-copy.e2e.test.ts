/**
 * The CLI's local copy (issue 23): item blobs as synced plus a sealed index (SDK indexed-cache.ts, CachedVault), against
 * a real server process. Changes are made elsewhere (the SDK, as another device would) and ww learns of them only
 * through its delta sync: it must never serve an item deleted, purged, trashed (unless asked) or of a shared vault it no
 * longer reaches. A changed copy (index or blob) is detected by its AAD and replaced by a full sync; an older ww's copy
 * is replaced the same way; the file holds no secret.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Organisations, type Vault, WatchwordClient, sealVaultSnapshot } from '@watchword/client';
import { GENEROUS_LIMITS, type ServerProcess, findSecrets, startServerProcess, unseenMailLink } from '@watchword/testkit';
import { type Run, runCli } from './support/run-cli.ts';

const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const ALICE = 'alice@copy.example.com';
const BOB = 'bob@copy.example.com';
const EXPORT_RE = /^export WATCHWORD_SESSION=([A-Za-z0-9_-]{43})$/m;
const SECRETS = {
  keep: 'Keep-Password-Quartz-41',
  trash: 'Trash-Password-Basil-52',
  purge: 'Purge-Password-Cedar-63',
  shared: 'Shared-Password-Dune-74',
  note: 'the spare key is under the blue flowerpot',
  visible: 'visible-field-marigold',
  hidden: 'hidden-field-juniper',
};

describe('ww local copy: delta sync, integrity, older copies, secret scan', () => {
  let server: ServerProcess;
  let dataDir: string;
  const homes = new Map<string, string>();
  const sessions = new Map<string, string>();
  const seenMail = new Set<string>();
  let aliceVault: Vault;
  let bobVault: Vault;
  let sharedId = '';

  const env = (who: string) => ({
    HOME: homes.get(who) as string,
    WATCHWORD_HOME: homes.get(who) as string,
    WATCHWORD_SERVER: server.url,
    WATCHWORD_KDF_VERSION: '0',
    NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache'),
    ...(sessions.has(who) ? { WATCHWORD_SESSION: sessions.get(who) as string } : {}),
  });
  const as = (who: string, args: string[], stdin?: string): Promise<Run> => runCli(args, env(who), stdin === undefined ? {} : { stdin });
  const ok = (r: Run) => {
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    return r;
  };
  const copyFile = () => join(homes.get(BOB) as string, 'vault-copy');
  const names = async (args: string[]) => (JSON.parse(ok(await as(BOB, [...args, '--json'])).stdout) as { name: string }[]).map((i) => i.name).sort();
  const sdk = () => new WatchwordClient({ serverUrl: server.url, kdfVersion: 0 });

  async function account(who: string): Promise<Vault> {
    homes.set(who, mkdtempSync(join(tmpdir(), 'ww-copy-home-')));
    ok(await as(who, ['register', '--email', who, '--password-stdin'], `${PASSWORD}\n`));
    const login = ok(await as(who, ['login', '--email', who, '--password-stdin'], `${PASSWORD}\n`));
    sessions.set(who, EXPORT_RE.exec(login.stdout)?.[1] ?? '');
    const deadline = Date.now() + 10_000;
    let link: string | undefined;
    while ((link = unseenMailLink(join(dataDir, 'outbox'), who, 'verify-email', seenMail)) === undefined) {
      if (Date.now() > deadline) throw new Error(`no verification mail to ${who}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    ok(await as(who, ['verify-email', link]));
    // The other device: the SDK, logged in on its own session.
    return sdk().login({ email: who, password: PASSWORD });
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-copy-data-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
    aliceVault = await account(ALICE);
    bobVault = await account(BOB);
    // alice shares a vault with bob (edit), with one item in it.
    const alice = new Organisations(aliceVault);
    const bob = new Organisations(bobVault);
    const orgId = (await alice.create('Copy family')).id;
    sharedId = (await alice.createVault(orgId, 'Family shared')).id;
    await alice.invite(orgId, BOB);
    await bob.accept(orgId);
    await alice.confirm(orgId, BOB, () => true, [{ vaultId: sharedId, access: 'edit' }]);
    await aliceVault.sync();
    await aliceVault.add({ type: 'login', name: 'shared-item', fields: [], login: { username: 'family', password: SECRETS.shared } }, { vaultId: sharedId });
    await bobVault.addMany([
      { type: 'login', name: 'keep-item', fields: [], login: { username: 'keeper', password: SECRETS.keep, urls: ['https://keep.example'] }, notes: SECRETS.note },
      { type: 'login', name: 'trash-item', fields: [], login: { password: SECRETS.trash } },
      { type: 'login', name: 'purge-item', fields: [{ name: 'pin', value: SECRETS.hidden, hidden: true }, { name: 'colour', value: SECRETS.visible, hidden: false }], login: { password: SECRETS.purge } },
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, ...homes.values()]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds the copy with personal and shared items; search reads notes and visible fields, never hidden ones', async () => {
    expect(await names(['list'])).toEqual(['keep-item', 'purge-item', 'shared-item', 'trash-item']);
    expect(existsSync(copyFile())).toBe(true);
    expect(ok(await as(BOB, ['get', 'shared-item', '--field', 'password'])).stdout.trim()).toBe(SECRETS.shared);
    expect(await names(['list', '--search', 'BLUE FLOWERPOT'])).toEqual(['keep-item']);
    expect(await names(['list', '--search', 'marigold'])).toEqual(['purge-item']);
    expect(await names(['list', '--search', 'juniper'])).toEqual([]);
    expect(await names(['list', '--search', 'keep.example'])).toEqual(['keep-item']);
  });

  it('after a delta sync it never serves a trashed (unless asked), purged or revoked item', async () => {
    const bobs = await bobVault.list();
    const id = (name: string) => bobs.find((i) => i.content.name === name)?.id as string;
    await bobVault.trash(id('trash-item'));
    await bobVault.trash(id('purge-item'));
    await bobVault.purge(id('purge-item'));
    // bob is taken off the shared vault: nothing in his personal delta names its items.
    await new Organisations(aliceVault).unshare(sharedId, bobVault.userId);

    const sync = JSON.parse(ok(await as(BOB, ['sync', '--json'])).stdout) as { full: boolean; removed: number; items: number };
    expect(sync).toMatchObject({ full: false, removed: 2, items: 2 });
    expect(await names(['list'])).toEqual(['keep-item']);
    expect(await names(['list', '--trash'])).toEqual(['trash-item']);
    expect(await names(['list', '--search', 'item'])).toEqual(['keep-item']);
    for (const gone of ['purge-item', 'shared-item']) {
      const r = await as(BOB, ['get', gone, '--field', 'password']);
      expect(r.code, gone).toBe(3);
      expect(r.stdout).toBe('');
    }
    // The file itself holds the two items left, not the blobs of those gone.
    const header = JSON.parse(readFileSync(copyFile(), 'utf8').split('\n')[0] as string) as { count: number };
    expect(header.count).toBe(2);
  });

  it('holds no master password, session key, account key or item plaintext (secret scan of the file)', async () => {
    const text = readFileSync(copyFile(), 'utf8');
    const key = Buffer.from(bobVault.exportAccountKey());
    const found = findSecrets(text, {
      PASSWORD,
      sessionKey: sessions.get(BOB) as string,
      ...SECRETS,
      names: 'keep-item',
      user: 'keeper',
      url: 'keep.example',
      accountKey: key.toString('base64url'),
      accountKeyHex: key.toString('hex'),
      accountKeyB64: key.toString('base64').replace(/=+$/, ''),
    });
    expect(found).toEqual([]);
  });

  it('a changed blob is detected when it is decrypted, not shown: the copy is synced again in full', async () => {
    const [header, index, ...blobs] = readFileSync(copyFile(), 'utf8').split('\n');
    const flip = (s: string) => `${s.slice(0, 40)}${s[40] === 'A' ? 'B' : 'A'}${s.slice(41)}`;
    writeFileSync(copyFile(), [header, index, ...blobs.map((b) => (b === '' ? b : flip(b)))].join('\n'));
    const get = ok(await as(BOB, ['get', 'keep-item', '--field', 'password']));
    expect(get.stdout.trim()).toBe(SECRETS.keep);
    expect(get.stderr).toMatch(/local copy of the vault failed its integrity check .* synced again in full/);
    // The copy made by that full sync opens cleanly.
    const again = ok(await as(BOB, ['get', 'keep-item', '--field', 'username']));
    expect(again.stdout.trim()).toBe('keeper');
    expect(again.stderr).not.toMatch(/integrity/);
  });

  it('a changed index is detected when the copy is opened: removed, synced again in full, the list still right', async () => {
    const text = readFileSync(copyFile(), 'utf8');
const start = text.indexOf('\n') + 1;
    const at = Math.floor((start + text.indexOf('\n', start)) / 2);
    writeFileSync(copyFile(), `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`);
    const list = ok(await as(BOB, ['list', '--json']));
    expect(list.stderr).toMatch(/failed its integrity check/);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((i) => i.name)).toEqual(['keep-item']);
    expect(readFileSync(copyFile(), 'utf8')).not.toBe(text);
  });

  it('an older ww\'s copy (one envelope) is replaced by a full sync and removed', async () => {
    const legacy = join(homes.get(BOB) as string, 'vault-cache');
    const accountKey = bobVault.exportAccountKey();
    const stale = [{ id: crypto.randomUUID(), vaultId: bobVault.personalVaultId, revision: 1, deletedAt: null, createdAt: 1, updatedAt: 1, content: { type: 'note' as const, name: 'stale-item', fields: [] } }];
    writeFileSync(legacy, await sealVaultSnapshot(accountKey, { account: bobVault.account, revision: 1, items: stale, savedAt: 1 }), { mode: 0o600 });
    rmSync(copyFile());
    const list = ok(await as(BOB, ['list', '--json']));
    expect(list.stderr).toMatch(/older ww is replaced/);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((i) => i.name)).toEqual(['keep-item']);
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(copyFile())).toBe(true);
  });
});
