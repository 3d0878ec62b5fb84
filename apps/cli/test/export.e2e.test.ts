/**
 * `ww export` against a real server process: the master password is asked again, files are created 0600 and never
 * overwritten nor written through a symbolic link, plaintext formats carry a warning on stderr, the encrypted export
 * opens with its password, and the export appears in the account's activity.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Run, runCli } from './support/run-cli.ts';
import { type BitwardenExport, openEncryptedExport, parseWatchwordExport } from '@watchword/client/export';
import { GENEROUS_LIMITS, type ServerProcess, startServerProcess } from '@watchword/testkit';

const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const EXPORT_PASSWORD = 'quartz-Meadow-velvet-Harbor-61';


describe('ww export against a real server process', () => {
  let server: ServerProcess;
  let dataDir: string;
  let home: string;
  let out: string;
  let sessionKey = '';

  function ww(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
    return runCli(args, { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: server.url, WATCHWORD_SESSION: sessionKey, ...options.env }, { stdin: options.stdin ?? '', cwd: out });
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-export-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-export-home-'));
    out = mkdtempSync(join(tmpdir(), 'ww-export-out-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ...GENEROUS_LIMITS });
    expect((await ww(['register', '--email', 'exp@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` })).code).toBe(0);
    const login = await ww(['login', '--email', 'exp@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    sessionKey = /^export WATCHWORD_SESSION=([A-Za-z0-9_-]{43})$/m.exec(login.stdout)?.[1] ?? '';
    expect(sessionKey).not.toBe('');
    for (const args of [
      ['add', '--name', 'github', '--username', 'me', '--password', '=HYPERLINK("x")', '--url', 'https://github.com'],
      ['add', '--name', 'bank', '--username', 'me2', '--password', 'bank-s3cret'],
      ['add', '--name', 'old', '--password', 'old-s3cret'],
      ['rm', 'old'],
    ]) {
      const r = await ww(args);
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, home, out]) rmSync(dir, { recursive: true, force: true });
  });

  it('json: asks the master password again, writes a 0600 file with every item (trash included), warns it is plaintext', async () => {
    const r = await ww(['export', '--format', 'json', '--output', 'vault.json', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Warning: this json export is NOT encrypted/);
    expect(r.stderr).toMatch(/Exported 3 item\(s\) to vault\.json \(mode 0600\)/);
    const file = join(out, 'vault.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const parsed = parseWatchwordExport(readFileSync(file, 'utf8'));
    const byName = Object.fromEntries(parsed.items.map((i) => [i.content.name, i]));
    expect(Object.keys(byName).sort()).toEqual(['bank', 'github', 'old']);
    expect(byName.github?.content.login).toEqual({ username: 'me', password: '=HYPERLINK("x")', urls: ['https://github.com'] });
    expect(byName.old?.trashedAt).toBeTypeOf('number');
    expect(byName.bank?.trashedAt).toBeNull();
  });

  it('never overwrites a file nor follows a symbolic link', async () => {
    const again = await ww(['export', '--format', 'json', '--output', 'vault.json', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/vault\.json already exists/);
    symlinkSync(join(out, 'elsewhere.json'), join(out, 'link.json'));
    const link = await ww(['export', '--format', 'csv', '--output', 'link.json', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(link.code).toBe(1);
    expect(existsSync(join(out, 'elsewhere.json'))).toBe(false);
    expect(lstatSync(join(out, 'link.json')).isSymbolicLink()).toBe(true);
  });

  it('a wrong master password exports nothing, even with the vault unlocked', async () => {
    const r = await ww(['export', '--format', 'csv', '--output', 'wrong.csv', '--password-stdin'], { stdin: 'not the password\n' });
    expect(r.code).toBe(2);
    expect(existsSync(join(out, 'wrong.csv'))).toBe(false);
  });

  it('csv to standard output, formula cells neutralised', async () => {
    const r = await ww(['export', '--format', 'csv', '--output', '-', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/NOT encrypted/);
    const [header, ...rows] = Papa.parse<string[]>(r.stdout, { skipEmptyLines: true }).data;
    const github = rows.find((row) => row[header!.indexOf('name')] === 'github')!;
    expect(github[header!.indexOf('login.password')]).toBe(`'=HYPERLINK("x")`);
    expect(rows).toHaveLength(3);
  });

  it('encrypted-json with an export password: no warning, opens with that password only', async () => {
    const r = await ww(['export', '--format', 'encrypted-json', '--output', 'sealed.json', '--password-stdin'], { stdin: `${PASSWORD}\n${EXPORT_PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/NOT encrypted/);
    const text = readFileSync(join(out, 'sealed.json'), 'utf8');
    expect(text).not.toContain('bank-s3cret');
    expect(parseWatchwordExport(await openEncryptedExport(text, { password: EXPORT_PASSWORD })).items).toHaveLength(3);
    await expect(openEncryptedExport(text, { password: PASSWORD })).rejects.toThrow();
  });

  it('encrypted-json --key account: sealed under the account key (no export password asked); --key only with that format', async () => {
    const r = await ww(['export', '--format', 'encrypted-json', '--key', 'account', '--output', 'account.json', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    const sealed = JSON.parse(readFileSync(join(out, 'account.json'), 'utf8')) as { key: string; userId: string; kdf: { name: string } };
    expect(sealed).toMatchObject({ key: 'account', kdf: { name: 'hkdf-sha256' } });
    expect(sealed.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(join(out, 'account.json'), 'utf8')).not.toContain('bank-s3cret');
    const wrong = await ww(['export', '--format', 'csv', '--key', 'account', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/--key applies to --format encrypted-json only/);
  });

  it('bitwarden-json leaves the trash out and says so; the exports are in the activity', async () => {
    const r = await ww(['export', '--format', 'bitwarden-json', '--output', 'bw.json', '--password-stdin', '--json'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ exported: 2, format: 'bitwarden-json', file: 'bw.json', skippedTrashed: 1 });
    expect(r.stderr).toMatch(/1 item\(s\) in the trash left out/);
    const bw = JSON.parse(readFileSync(join(out, 'bw.json'), 'utf8')) as BitwardenExport;
    expect(bw.items.map((i) => [i.type, i.name, i.login?.password]).sort()).toEqual([[1, 'bank', 'bank-s3cret'], [1, 'github', '=HYPERLINK("x")']]);
    const activity = await ww(['activity', '--json']);
    const events = JSON.parse(activity.stdout) as { action: string; outcome: string }[];
    expect(events.filter((e) => e.action === 'account.exported' && e.outcome === 'success').length).toBeGreaterThanOrEqual(4);
  });
});
