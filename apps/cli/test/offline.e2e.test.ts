import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Run, runCli } from './support/run-cli.ts';
import { WatchwordClient } from '@watchword/client';
import { GENEROUS_LIMITS, type ServerProcess, findSecrets, startServerProcess } from '@watchword/testkit';

const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const EMAIL = 'offline@example.com';
const KEPT_SECRET = 'Kept-Secret-Alpha-77';
const GONE_SECRET = 'Gone-Secret-Beta-88';
const NOTE_TEXT = 'the spare key is under the third flowerpot';


describe('ww offline: an encrypted copy of the vault beside the session file', () => {
  let server: ServerProcess | undefined;
  let dataDir: string;
  let home: string;
  let sessionKey = '';
  let accountKey: Uint8Array = new Uint8Array();
  let serverUrl = '';
  const cacheFile = () => join(home, 'vault-copy');

  function ww(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
    return runCli(args, { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: serverUrl, WATCHWORD_KDF_VERSION: '0', NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache'), WATCHWORD_SESSION: sessionKey, ...options.env }, { stdin: options.stdin ?? '' });
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-offline-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-offline-home-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
    serverUrl = server.url;
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, home]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a list or get leaves a sealed copy (0600) with no item, password or key in it', async () => {
    expect((await ww(['register', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` })).code).toBe(0);
    const login = await ww(['login', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    sessionKey = /^export WATCHWORD_SESSION=(\S+)$/m.exec(login.stdout)?.[1] ?? '';
    expect(sessionKey).toHaveLength(43);
    const added = await Promise.all([
      ww(['add', '--name', 'alpha-kept', '--username', 'alice', '--password', KEPT_SECRET, '--notes', NOTE_TEXT]),
      ww(['add', '--name', 'beta-gone', '--password', GONE_SECRET]),
    ]);
    for (const r of added) expect(r.code, r.stderr).toBe(0);
    expect(existsSync(cacheFile())).toBe(false); // adds alone never synced: nothing to copy yet
    const list = await ww(['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);

    const client = new WatchwordClient({ serverUrl, kdfVersion: 0 });
    const vault = await client.login({ email: EMAIL, password: PASSWORD });
    accountKey = vault.exportAccountKey();
    await vault.session.logout();
    for (const file of [cacheFile(), join(home, 'session.json')]) {
      const content = readFileSync(file, 'utf8');
      expect(findSecrets(content, { PASSWORD, KEPT_SECRET, GONE_SECRET, NOTE_TEXT, sessionKey, name: 'alpha-kept', user: 'alice' }), file).toEqual([]);
      const key = Buffer.from(accountKey);
      for (const encoding of ['base64', 'base64url', 'hex'] as const) expect(content).not.toContain(key.toString(encoding).replace(/=+$/, ''));
    }
  });

  it('a delta sync removes an item deleted elsewhere from the copy', async () => {
    // Another device trashes and purges beta; this CLI learns of it only through its next (delta) sync.
    const client = new WatchwordClient({ serverUrl, kdfVersion: 0 });
    const vault = await client.login({ email: EMAIL, password: PASSWORD });
    const beta = (await vault.list()).find((i) => i.content.name === 'beta-gone');
    expect(beta).toBeDefined();
    await vault.trash(beta?.id ?? '');
    await vault.purge(beta?.id ?? '');
    await vault.session.logout();
    const before = readFileSync(cacheFile(), 'utf8');
    const sync = await ww(['sync', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    // Started from the copy: only the change since it came (the purge), not the whole vault.
    expect(JSON.parse(sync.stdout)).toMatchObject({ full: false, changed: 0, removed: 1, items: 1 });
    expect(readFileSync(cacheFile(), 'utf8')).not.toBe(before);
  });

  it('a command after which nothing is new leaves the copy as it was; the next change rewrites it', async () => {
    const before = readFileSync(cacheFile(), 'utf8');
    const list = await ww(['list', '--search', 'alpha']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('alpha-kept');
    expect(readFileSync(cacheFile(), 'utf8')).toBe(before);
    // A change made elsewhere: the next command's delta sync brings it, and the copy is sealed again with it.
    const client = new WatchwordClient({ serverUrl, kdfVersion: 0 });
    const vault = await client.login({ email: EMAIL, password: PASSWORD });
    const gamma = await vault.add({ type: 'note', name: 'gamma-new', fields: [] });
    await vault.session.logout();
    const get = await ww(['get', 'alpha-kept', '--field', 'password']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim()).toBe(KEPT_SECRET);
    expect(readFileSync(cacheFile(), 'utf8')).not.toBe(before);
    const again = await ww(['list', '--json']);
    expect((JSON.parse(again.stdout) as { id: string }[]).some((i) => i.id === gamma.id)).toBe(true);
    // Removed again elsewhere so the later cases see the vault they expect.
    const cleanup = await new WatchwordClient({ serverUrl, kdfVersion: 0 }).login({ email: EMAIL, password: PASSWORD });
    await cleanup.trash(gamma.id);
    await cleanup.purge(gamma.id);
    await cleanup.session.logout();
    expect((await ww(['sync'])).code).toBe(0);
  });

  it('with the server stopped, list and get work from the copy and say offline since when', async () => {
    await server?.stop();
    server = undefined;
    const list = await ww(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((i) => i.name)).toEqual(['alpha-kept']);
    const since = /^Offline: \S+ cannot be reached; showing the copy of the vault saved (\S+)\.$/m.exec(list.stderr)?.[1] ?? '';
    expect(Date.now() - Date.parse(since)).toBeLessThan(5 * 60_000);

    const [get, search, gone, add, status, sync] = await Promise.all([
      ww(['get', 'alpha-kept', '--field', 'password']),
      ww(['list', '--search', 'flowerpot', '--json']),
      ww(['get', 'beta-gone']),
      ww(['add', '--name', 'new', '--password', 'x-y-z-1-2-3']),
      ww(['status', '--json']),
      ww(['sync']),
    ]);
    expect(sync.code).toBe(4);
    expect(sync.stderr).toMatch(/^ww: cannot sync: \S+ cannot be reached \(the offline copy from \S+ stays as it is\)$/m);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim()).toBe(KEPT_SECRET);
    expect((JSON.parse(search.stdout) as { name: string }[]).map((i) => i.name)).toEqual(['alpha-kept']);
    expect(gone.code).toBe(3);
    expect(gone.stdout).toBe('');
    expect(add.code).toBe(4);
    expect(add.stderr).toMatch(/offline: the server cannot be reached, and changes need it/);
    expect(JSON.parse(status.stdout)).toMatchObject({ serverReachable: false, status: 'unlocked' });
  });

  it('offline, the master password unlocks with the key kept on this machine; a wrong one is refused', async () => {
    const [unlock, byPassword, wrong] = await Promise.all([
      ww(['unlock', '--password-stdin'], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_SESSION: '' } }),
      ww(['get', 'alpha-kept', '--field', 'password'], { env: { WATCHWORD_SESSION: '', WATCHWORD_PASSWORD: PASSWORD } }),
      ww(['list'], { env: { WATCHWORD_SESSION: '', WATCHWORD_PASSWORD: 'not-the-Password-1' } }),
    ]);
    expect(unlock.code, unlock.stderr).toBe(0);
    const fresh = /^export WATCHWORD_SESSION=(\S+)$/m.exec(unlock.stdout)?.[1] ?? '';
    expect(fresh).toHaveLength(43);
    expect(byPassword.code, byPassword.stderr).toBe(0);
    expect(byPassword.stdout.trim()).toBe(KEPT_SECRET);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/offline: .* cannot be reached, and this is not the master password this device knows/);
    sessionKey = fresh;
    expect((await ww(['get', 'alpha-kept', '--field', 'username'])).stdout.trim()).toBe('alice');
  });

  it('offline, a tampered copy is detected and removed, never shown', async () => {
    const sealed = readFileSync(cacheFile(), 'utf8');
    // A character of the sealed index (the second line) changed.
    const start = sealed.indexOf('\n') + 1;
    const at = Math.floor((start + sealed.indexOf('\n', start)) / 2);
    writeFileSync(cacheFile(), `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`);
    const r = await ww(['list']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/failed its integrity check/);
    expect(existsSync(cacheFile())).toBe(false);
  });
});
