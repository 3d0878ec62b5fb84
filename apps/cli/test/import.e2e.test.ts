import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Run, runCli } from './support/run-cli.ts';
import { type Vault, WatchwordClient, commitImport, parseImportFile, previewImport } from '@watchword/client';
import { FIXTURES, GENEROUS_LIMITS, type ServerProcess, fixture, sorted, startServerProcess } from '@watchword/testkit';

const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const EMAIL = 'importer@example.com';


/**
 * `ww import` end to end: every real export in shared/fixtures/imports goes through the CLI into a real server, and
 * the vault read back with the SDK holds exactly what the file holds (the importer's own tests compare that, field by
 * field, with the files), trash included. Then preview, duplicates, all-or-nothing and bad files.
 */
describe('ww import end to end against a real server process', () => {
  let server: ServerProcess;
  let dataDir: string;
  let home: string;
  let sessionKey = '';
  let vault: Vault;

  function ww(args: string[], options: { stdin?: string } = {}): Promise<Run> {
    return runCli(args, { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: server.url, WATCHWORD_KDF_VERSION: '0', WATCHWORD_SESSION: sessionKey, NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache') }, { stdin: options.stdin ?? '' });
  }

  async function vaultContents(trash: 'exclude' | 'only') {
    return (await vault.list({ trash })).map((i) => i.content);
  }

  async function emptyVault() {
    for (const item of await vault.list({ trash: 'include' })) await vault.purge(item.id);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-import-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-import-home-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
    const reg = await ww(['register', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(reg.code, reg.stderr).toBe(0);
    const login = await ww(['login', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    sessionKey = /^export WATCHWORD_SESSION=([A-Za-z0-9_-]{43})$/m.exec(login.stdout)?.[1] ?? '';
    expect(sessionKey).not.toBe('');
    vault = await new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, dpop: false }).login({ email: EMAIL, password: PASSWORD });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const files = readdirSync(FIXTURES).filter((f) => f !== 'SOURCES.md').sort();
  it('has the fixtures beside the repository', () => {
    expect(files.length).toBeGreaterThanOrEqual(21);
  });

  for (const name of files) {
    it(`imports ${name}: every item arrives whole, trashed ones in the trash`, async () => {
      await emptyVault();
      const expected = (await parseImportFile({ bytes: fixture(name) })).items;
      const r = await ww(['import', join(FIXTURES, name), '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { added: number; trashed: number; summary: { total: number } };
      expect(result.added).toBe(expected.length);
      expect(result.summary.total).toBe(expected.length);
      expect(sorted(await vaultContents('exclude'))).toEqual(sorted(expected.filter((i) => !i.trashed).map((i) => i.content)));
      expect(sorted(await vaultContents('only'))).toEqual(sorted(expected.filter((i) => i.trashed).map((i) => i.content)));
    });
  }

  it('previews without storing (--dry-run): counts per type and folder, what is left out', async () => {
    await emptyVault();
    const r = await ww(['import', join(FIXTURES, '1password.1pux'), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1password.1pux: 1password-1pux, 9 item(s) — 3 logins, 4 notes, 1 card, 1 identity');
    expect(r.stderr).toMatch(/ {4}Personal: 8\n {4}Shared: 1\n/);
    expect(r.stderr).toContain('  1 archived');
    expect(r.stderr).toContain('    KeePassXC Logo (entry 6): attachment "keepassxc.png"');
    expect(r.stderr).toContain('Dry run: nothing was imported.');
    expect(await vault.list({ trash: 'include' })).toEqual([]);
  });

  it('asks before storing when not told --yes, and refuses without a terminal', async () => {
    const r = await ww(['import', join(FIXTURES, 'chrome.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/add --yes to import, or --dry-run to only look/);
    expect(await vault.list({ trash: 'include' })).toEqual([]);
  });

  it('skips, merges or keeps items already in the vault (same name, user name and host)', async () => {
    await emptyVault();
    const existing = await vault.add({ type: 'login', name: 'aib', fields: [{ name: 'note', value: 'mine', hidden: false }], login: { username: 'dpbx@fner.ws', password: 'old-pass', urls: ['https://onlinebanking.aib.ie/login'] } });
    const file = join(FIXTURES, 'chrome.csv');
    const skip = await ww(['import', file, '--yes', '--duplicates', 'skip', '--json']);
    expect(JSON.parse(skip.stdout)).toMatchObject({ added: 13, skipped: 1, merged: 0 });
    expect((await vault.list()).filter((i) => i.content.name === 'aib')).toHaveLength(1);

    await emptyVault();
    await vault.add(existing.content);
    const merge = await ww(['import', file, '--yes', '--duplicates', 'merge', '--json']);
    expect(JSON.parse(merge.stdout)).toMatchObject({ added: 13, merged: 1 });
    const merged = (await vault.list()).filter((i) => i.content.name === 'aib');
    expect(merged.map((i) => i.content)).toEqual([
      {
        type: 'login',
        name: 'aib',
        fields: [{ name: 'note', value: 'mine', hidden: false }, { name: 'password (before import)', value: 'old-pass', hidden: true }],
        login: { username: 'dpbx@fner.ws', password: "ws5T@;_UB[Q|P!8'`~z%XC'JHFUbf#IX _E0}:HF,[{ei0hBg14", urls: ['https://onlinebanking.aib.ie/login', 'https://onlinebanking.aib.ie'] },
      },
    ]);

    const keep = await ww(['import', file, '--yes', '--duplicates', 'keep', '--json']);
    expect(JSON.parse(keep.stdout)).toMatchObject({ added: 14, merged: 0, skipped: 0 });
    expect((await vault.list()).filter((i) => i.content.name === 'aib')).toHaveLength(2);
  });

  it('opens a password-protected file with --file-password-stdin', async () => {
    await emptyVault();
    const kdbxweb = await import('kdbxweb');
    const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString('file pass')), 'DB');
    db.setVersion(3);
    db.header.keyEncryptionRounds = 1000;
    const entry = db.createEntry(db.getDefaultGroup());
    entry.fields.set('Title', 'From KeePass');
    entry.fields.set('Password', kdbxweb.ProtectedValue.fromString('kp-secret'));
    const path = join(home, 'db.kdbx');
    writeFileSync(path, new Uint8Array(await db.save()));
    const wrong = await ww(['import', path, '--yes', '--file-password-stdin'], { stdin: 'nope\n' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/\[IMPORT_WRONG_PASSWORD\]/);
    const r = await ww(['import', path, '--yes', '--file-password-stdin'], { stdin: 'file pass\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(await vaultContents('exclude')).toEqual([{ type: 'login', name: 'From KeePass', fields: [], login: { password: 'kp-secret' } }]);
  });

  it('all or nothing: a batch failing part-way removes what the import had stored, and says so', async () => {
    await emptyVault();
    await vault.add({ type: 'note', name: 'was here before', fields: [] });
    let batches = 0;
    // The network drops the second batch request: the first (500 items) is stored by then.
    const flaky = new WatchwordClient({
      serverUrl: server.url,
      kdfVersion: 0,
      dpop: false,
      fetch: (input, init) => {
        if (String(input).endsWith('/api/v1/items/batch') && ++batches === 2) return Promise.reject(new TypeError('fetch failed'));
        return fetch(input, init);
      },
    });
    const flakyVault = await flaky.login({ email: EMAIL, password: PASSWORD });
    const items = Array.from({ length: 700 }, (_, i) => ({ type: 'login', name: `bulk ${i}`, fields: [], login: { username: `u${i}`, password: `p${i}` } }));
    const parsed = await parseImportFile({ bytes: new TextEncoder().encode(JSON.stringify(items)) });
    const plan = await previewImport(flakyVault, parsed);
    const error = await commitImport(flakyVault, plan, { duplicates: 'skip' }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: Record<string, unknown> },
    );
    expect(batches).toBe(2);
    expect(error?.code).toBe('IMPORT_INCOMPLETE');
    expect(error?.message).toMatch(/the 500 item\(s\) it had stored were removed again/);
    expect(error?.details).toEqual({ stored: 500, notUndone: 0 });
    expect((await vault.list({ trash: 'include' })).map((i) => i.content.name)).toEqual(['was here before']);
  });

  it("waits out the server's write limit when trashing items one by one, rather than failing half-way", async () => {
    await emptyVault();
    let trashCalls = 0;
    // The first request to move an item to the trash is answered as an exhausted per-user write limit would be.
    const limited = new WatchwordClient({
      serverUrl: server.url,
      kdfVersion: 0,
      dpop: false,
      fetch: (input, init) => {
        if (init?.method === 'DELETE' && !String(input).includes('purge') && trashCalls++ === 0) {
          return Promise.resolve(new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Too many requests; try again later.', details: { retryAfter: 1 } } }), { status: 429, headers: { 'content-type': 'application/json' } }));
        }
        return fetch(input, init);
      },
    });
    const limitedVault = await limited.login({ email: EMAIL, password: PASSWORD });
    const plan = await previewImport(limitedVault, await parseImportFile({ bytes: fixture('keepass2-keepassxc.xml') }));
    expect(await commitImport(limitedVault, plan, { duplicates: 'skip' })).toEqual({ added: 4, merged: 0, skipped: 0, trashed: 1 });
    // Refused once, then sent again after the second the server asked for.
    expect(trashCalls).toBe(2);
    expect((await vault.list({ trash: 'only' })).map((i) => i.content.name)).toEqual(['delentry']);
  });

  it('a bad file changes nothing and names the line', async () => {
    await emptyVault();
    const path = join(home, 'broken.csv');
    writeFileSync(path, `name,url,username,password\nfine,https://a.example,u,p\n"broken,https://b.example,u,p\n`);
    const r = await ww(['import', path, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ww: line 3: a quoted field is not closed [IMPORT_UNREADABLE]\n');
    expect(await vault.list({ trash: 'include' })).toEqual([]);
    expect(readFileSync(path, 'utf8')).toContain('broken');
  });
});
