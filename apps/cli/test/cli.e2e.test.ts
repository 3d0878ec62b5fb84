import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Run, runCli } from './support/run-cli.ts';
import { findSecrets, GENEROUS_LIMITS, type ServerProcess, startServerProcess } from '@watchword/testkit';

const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const ITEM_SECRET = 'S3cret!github-pass';
const EDITED_SECRET = 'N3w!github-pass';


describe('ww CLI end to end against a real server process', () => {
  let server: ServerProcess;
  let dataDir: string;
  let home: string;
  let sessionKey = '';

  function ww(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
    return runCli(args, { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: server.url, ...options.env }, { stdin: options.stdin ?? '' });
  }
  const unlocked = (args: string[]) => ww(args, { env: { WATCHWORD_SESSION: sessionKey } });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-cli-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-cli-home-'));
    // This suite logs in many times within a minute from one address: volume limits out of the way (the throttle
    // and limits have their own suites).
    server = await startServerProcess({ DATA_DIR: dataDir, ...GENEROUS_LIMITS });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('registers and shows the recovery key once', async () => {
    const r = await ww(['register', '--email', 'Me@Example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Registered me@example\.com/);
    expect(r.stdout).toMatch(/([0-9A-Z]{4}-){13}[0-9A-Z]{4}/);
  });

  it('logs in and prints the export line; the session file is 0600 and holds no key in the clear', async () => {
    const r = await ww(['login', '--email', 'me@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    const match = /^export WATCHWORD_SESSION=([A-Za-z0-9_-]{43})$/m.exec(r.stdout);
    expect(match).not.toBeNull();
    sessionKey = match?.[1] ?? '';
    const file = join(home, 'session.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const content = readFileSync(file, 'utf8');
    expect(content).not.toContain(sessionKey);
    expect(findSecrets(content, { PASSWORD })).toEqual([]);
  });

  it('adds, generates, lists and gets items', async () => {
    let r = await unlocked(['add', '--name', 'github', '--username', 'me', '--password', ITEM_SECRET, '--url', 'https://github.com']);
    expect(r.code, r.stderr).toBe(0);
    r = await unlocked(['add', '--name', 'bank', '--generate', '--length', '32']);
    expect(r.code, r.stderr).toBe(0);
    r = await unlocked(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+TYPE\s+USERNAME\s+URL\s+VAULT\s+ID/);
    expect(r.stdout).toMatch(/github\s+login\s+me\s+https:\/\/github\.com/);
    r = await unlocked(['list', '--json']);
    const list = JSON.parse(r.stdout) as { name: string }[];
    expect(list.map((i) => i.name).sort()).toEqual(['bank', 'github']);
    r = await unlocked(['get', 'github', '--field', 'password']);
    expect(r.stdout).toBe(`${ITEM_SECRET}\n`);
    r = await unlocked(['get', 'bank', '--field', 'password']);
    expect(r.stdout.trim()).toHaveLength(32);
    r = await unlocked(['get', 'github']);
    expect(r.stdout).toMatch(/username\s+me/);
    expect(r.stdout).not.toContain(ITEM_SECRET);
  });

  it('an item named by its whole id or a prefix is found in the local copy: one delta sync, no per-item or whole-vault read', async () => {
    const listed = JSON.parse((await unlocked(['list', '--json'])).stdout) as { id: string; name: string }[];
    const id = listed.find((i) => i.name === 'github')?.id ?? '';
    const before = server.output().length;
    const r = await unlocked(['get', id.toUpperCase(), '--field', 'username']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('me\n');
    const log = server.output().slice(before);
    // The delta sync (the query is redacted in the log) and nothing else of the items.
    expect(log.match(/"url":"\/api\/v1\/items[^"]*"/g)).toEqual(['"url":"/api/v1/items?[redacted]"']);
    expect(JSON.parse((await unlocked(['sync', '--json'])).stdout)).toMatchObject({ full: false, changed: 0 });
    expect((await unlocked(['get', id.slice(0, 8), '--field', 'username'])).stdout).toBe('me\n');
  });

  it('imports a CSV export with a progress line', async () => {
    const csv = join(home, 'export.csv');
    writeFileSync(csv, 'name,username,password,url\nimported-1,a,pw-1,https://one.example\nimported-2,b,pw-2,https://two.example\n');
    const r = await unlocked(['import', csv, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[#+\] 2\/2\nImported 2 item\(s\)\./);
    expect((await unlocked(['get', 'imported-2', '--field', 'password'])).stdout).toBe('pw-2\n');
    for (const name of ['imported-1', 'imported-2']) {
      expect((await unlocked(['rm', name])).code).toBe(0);
      expect((await unlocked(['purge', name])).code).toBe(0);
    }
  });

  it('edits an item', async () => {
    const r = await unlocked(['edit', 'github', '--password', EDITED_SECRET]);
    expect(r.code, r.stderr).toBe(0);
    expect((await unlocked(['get', 'github', '--field', 'password'])).stdout).toBe(`${EDITED_SECRET}\n`);
    expect((await unlocked(['get', 'github', '--field', 'username'])).stdout).toBe('me\n');
  });

  it('moves to the trash, restores and purges', async () => {
    expect((await unlocked(['rm', 'github'])).code).toBe(0);
    expect((await unlocked(['list'])).stdout).not.toMatch(/github/);
    expect((await unlocked(['trash'])).stdout).toMatch(/github/);
    expect((await unlocked(['restore', 'github'])).code).toBe(0);
    expect((await unlocked(['list'])).stdout).toMatch(/github/);
    expect((await unlocked(['rm', 'bank'])).code).toBe(0);
    expect((await unlocked(['purge', 'bank'])).code).toBe(0);
    expect((await unlocked(['trash'])).stderr).toMatch(/No items/);
  });

  it('prints an access token: DPoP-bound by default (useless as a bearer token), plain with --no-dpop', async () => {
    const bound = await ww(['token']);
    expect(bound.code).toBe(0);
    expect(bound.stderr).toMatch(/DPoP-bound/);
    const token = bound.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect((await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const other = mkdtempSync(join(tmpdir(), 'ww-cli-bearer-'));
    try {
      const login = await ww(['login', '--no-dpop', '--email', 'me@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_HOME: other } });
      expect(login.code, login.stderr).toBe(0);
      const plain = await ww(['token'], { env: { WATCHWORD_HOME: other } });
      expect(plain.stderr).toBe('');
      const res = await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${plain.stdout.trim()}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { email: string }).email).toBe('me@example.com');
      expect((await ww(['logout'], { env: { WATCHWORD_HOME: other } })).code).toBe(0);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('uses the documented exit codes with one-line errors', async () => {
    const notFound = await unlocked(['get', 'nope']);
    expect(notFound.code).toBe(3);
    expect(notFound.stderr.trim().split('\n')).toHaveLength(1);
    const usage = await ww(['add', '--bogus']);
    expect(usage.code).toBe(1);
    const wrong = await ww(['login', '--email', 'me@example.com', '--password-stdin'], { stdin: 'wrong password\n' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^ww: .*\[INVALID_CREDENTIALS\]\n$/);
    const locked = await ww(['list']);
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/locked/);
    const badKey = await ww(['list'], { env: { WATCHWORD_SESSION: 'A'.repeat(43) } });
    expect(badKey.code).toBe(2);
    for (const r of [notFound, usage, wrong, locked, badKey]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("sends the session's tokens only to its own server, and plain http only to this machine", async () => {
    // Another server named by the environment or --server: refused before anything is sent.
    const elsewhere = await unlocked(['list', '--server', 'http://127.0.0.2:9']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/^ww: the stored session belongs to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.2:9/);
    const viaEnv = await ww(['sessions'], { env: { WATCHWORD_SERVER: `${server.url}/other` } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toMatch(/belongs to/);
    // The same server spelled with a trailing slash is the same server.
    expect((await unlocked(['list', '--server', `${server.url}/`])).code).toBe(0);
    // Plain http to another host is refused unless the network is declared trusted.
    const plain = await ww(['register', '--email', 'far@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_SERVER: 'http://vault.example.com' } });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/refusing plain http to vault\.example\.com/);
    const trusted = await ww(['register', '--email', 'far@example.com', '--password-stdin'], {
      stdin: `${PASSWORD}\n`,
      env: { WATCHWORD_SERVER: 'http://vault.invalid', WATCHWORD_INSECURE_HTTP: '1' },
    });
    expect(trusted.stderr).not.toMatch(/refusing plain http/);
    expect(trusted.code).not.toBe(0);
  });

  it('an unattended unlock (WATCHWORD_PASSWORD) never prints the session key', async () => {
    const r = await ww(['get', 'github', '--field', 'password'], { env: { WATCHWORD_PASSWORD: PASSWORD } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${EDITED_SECRET}\n`);
    expect(r.stderr).not.toMatch(/WATCHWORD_SESSION=/);
    expect(r.stderr).not.toMatch(/[A-Za-z0-9_-]{43}/);
  });

  it('unlock re-authenticates and prints a fresh session key', async () => {
    const r = await ww(['unlock', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    const fresh = /^export WATCHWORD_SESSION=(\S+)$/m.exec(r.stdout)?.[1];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(sessionKey);
    expect((await ww(['list'], { env: { WATCHWORD_SESSION: sessionKey } })).code).toBe(2);
    sessionKey = fresh ?? '';
    expect((await unlocked(['get', 'github', '--field', 'password'])).stdout).toBe(`${EDITED_SECRET}\n`);
  });

  it('lists sessions and revokes another device; logout --all ends every session', async () => {
    const other = mkdtempSync(join(tmpdir(), 'ww-cli-home2-'));
    try {
      const login2 = await ww(['login', '--no-dpop', '--email', 'me@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_HOME: other } });
      expect(login2.code, login2.stderr).toBe(0);
      const r = await ww(['sessions', '--json']);
      const list = JSON.parse(r.stdout) as { id: string; current: boolean; secondFactor: string | null }[];
      expect(list.filter((s) => s.current)).toHaveLength(1);
      // Password-only logins: the 2FA column says so.
      expect(list.map((s) => s.secondFactor)).toEqual(list.map(() => null));
      const foreign = list.find((s) => !s.current);
      expect(foreign).toBeDefined();
      const table = (await ww(['sessions'])).stdout;
      expect(table).toMatch(/\(this one\)/);
      expect(table.split('\n')[0]).toMatch(/\b2FA\b/);
      const otherToken = (await ww(['token'], { env: { WATCHWORD_HOME: other } })).stdout.trim();
      expect((await ww(['sessions', 'revoke', foreign?.id ?? ''])).code).toBe(0);
      const res = await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${otherToken}` } });
      expect(res.status).toBe(401);
      expect((await ww(['sessions', 'revoke', crypto.randomUUID()])).code).toBe(3);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('logout ends the session on the server; logout --all ends the other devices too', async () => {
    const other = mkdtempSync(join(tmpdir(), 'ww-cli-home3-'));
    try {
      expect((await ww(['login', '--no-dpop', '--email', 'me@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_HOME: other } })).code).toBe(0);
      const otherToken = (await ww(['token'], { env: { WATCHWORD_HOME: other } })).stdout.trim();
      // This home too, with plain bearer tokens, so that curl-style checks below mean something.
      expect((await ww(['login', '--no-dpop', '--password-stdin'], { stdin: `${PASSWORD}\n` })).code).toBe(0);
      const token = (await ww(['token'])).stdout.trim();
      expect((await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const r = await ww(['logout']);
      expect(r.code).toBe(0);
      const res = await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect((await ww(['token'])).code).toBe(2);
      expect((await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(200);
      // Log in once more here, then end everything at once.
      expect((await ww(['login', '--email', 'me@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` })).code).toBe(0);
      const all = await ww(['logout', '--all']);
      expect(all.code, all.stderr).toBe(0);
      expect(all.stderr).toMatch(/Ended [2-9] session\(s\)/);
      expect((await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(401);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('left no secret in the server log or the data directory', () => {
    const secrets = { PASSWORD, ITEM_SECRET, EDITED_SECRET };
    expect(findSecrets(server.output(), secrets)).toEqual([]);
    for (const name of readdirSync(dataDir, { recursive: true }) as string[]) {
      const path = join(dataDir, name);
      if (statSync(path).isFile()) expect(findSecrets(readFileSync(path), secrets), name).toEqual([]);
    }
  });
});
