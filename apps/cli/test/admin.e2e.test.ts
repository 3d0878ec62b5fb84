/**
 * Administration end to end (issue 6): the first owner is made on the server host with `ww-server admin grant` on a
 * real data directory — there are no default credentials — and then administers through `ww admin …` against the
 * running server process: accounts, disable/enable, roles, settings, the audit log and its export.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminUser, AuditEvent } from '@watchword/protocol';
import { GENEROUS_LIMITS, type ServerProcess, startServerProcess } from '@watchword/testkit';

const CLI = join(import.meta.dirname, '..', 'src', 'main.ts');
const SERVER = join(import.meta.dirname, '..', '..', '..', 'packages', 'server', 'src', 'main.ts');
const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const OWNER = 'owner@example.com';
const USER = 'user@example.com';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, command, { env: { PATH: process.env.PATH ?? '', NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache'), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('administration end to end: ww-server admin on the host, ww admin against the server', () => {
  let server: ServerProcess;
  let dataDir: string;
  let home: string;
  let userHome: string;

  const ww = (args: string[], options: { stdin?: string; home?: string } = {}) =>
    run([CLI, ...args], { HOME: options.home ?? home, WATCHWORD_HOME: options.home ?? home, WATCHWORD_SERVER: server.url, WATCHWORD_KDF_VERSION: '0' }, options.stdin);
  const wwServer = (args: string[]) => run([SERVER, ...args], { HOME: home, DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-admin-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-admin-home-'));
    userHome = mkdtempSync(join(tmpdir(), 'ww-admin-user-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, home, userHome]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts without any administrator and says how to make the first owner', async () => {
    expect(server.output()).toMatch(/no account holds the owner role yet: register one, then run `ww-server admin grant --email ADDRESS --role owner`/);
    for (const email of [OWNER, USER]) {
      const r = await ww(['register', '--email', email, '--password-stdin'], { stdin: `${PASSWORD}\n` });
      expect(r.code, r.stderr).toBe(0);
    }
    const login = await ww(['login', '--email', OWNER, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0);
    // A registered account is nobody's administrator.
    const refused = await ww(['admin', 'users']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^ww: You are not allowed to do this\. \[FORBIDDEN\]\n$/);
  });

  it('ww-server admin grant makes the first owner on the host; mistakes are one line with an exit code', async () => {
    const granted = await wwServer(['admin', 'grant', '--email', 'Owner@Example.com', '--role', 'owner']);
    expect(granted, granted.stderr).toMatchObject({ code: 0, stdout: `granted the role owner to ${OWNER}\n`, stderr: '' });
    expect((await wwServer(['admin', 'grant', '--email', OWNER, '--role', 'owner'])).stdout).toBe(`${OWNER} already holds the role owner\n`);

    const nobody = await wwServer(['admin', 'grant', '--email', 'nobody@example.com', '--role', 'owner']);
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toMatch(/^ww-server: admin grant: no account with the address nobody@example\.com/);
    const noRole = await wwServer(['admin', 'grant', '--email', USER, '--role', 'emperor']);
    expect(noRole.code).toBe(3);
    expect(noRole.stderr).toMatch(/no role "emperor" \(roles: admin, auditor, owner, user\)/);
    const usage = await wwServer(['admin', 'grant', '--email', USER]);
    expect([usage.code, usage.stderr]).toEqual([1, 'ww-server: admin grant: --email ADDRESS and --role ROLE are required\n']);
    const last = await wwServer(['admin', 'revoke', '--email', OWNER, '--role', 'owner']);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/last active owner/);

    const list = await wwServer(['admin', 'users']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^EMAIL +STATUS +ROLES/);
    expect(list.stdout).toMatch(/owner@example\.com +active +owner,user /);
    const json = JSON.parse((await wwServer(['admin', 'users', '--json', '--search', 'user@'])).stdout) as AdminUser[];
    expect(json.map((u) => u.email)).toEqual([USER]);
  });

  it('ww admin users / user list metadata only', async () => {
    const table = await ww(['admin', 'users']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^EMAIL +STATUS +ROLES +2FA +VERIFIED +CREATED +LAST LOGIN\n/);
    expect(table.stdout).toMatch(/owner@example\.com +active +owner,user +- +no /);
    expect(table.stdout).toMatch(/user@example\.com +active +user +- +no /);
    const json = JSON.parse((await ww(['admin', 'users', '--search', 'USER@', '--json'])).stdout) as AdminUser[];
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ email: USER, status: 'active', roles: ['user'], factors: { totp: false, webauthnKeys: 0 } });
    expect(JSON.stringify(json)).not.toMatch(/wrapped|opaque|kekSalt/i);
    const one = await ww(['admin', 'user', USER]);
    expect(one.stdout).toMatch(/^Account: +user@example\.com\nId: +[0-9a-f-]{36}\nStatus: +active\n/);
    const missing = await ww(['admin', 'user', 'ghost@example.com']);
    expect([missing.code, missing.stderr]).toEqual([3, 'ww: The account does not exist. [USER_NOT_FOUND]\n']);
  });

  it('ww admin disable ends the user\'s sessions and stops logins until ww admin enable', async () => {
    const login = await ww(['login', '--email', USER, '--password-stdin'], { stdin: `${PASSWORD}\n`, home: userHome });
    expect(login.code, login.stderr).toBe(0);
    expect((await ww(['sessions'], { home: userHome })).code).toBe(0);

    const disabled = await ww(['admin', 'disable', USER]);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stderr).toMatch(/^Disabled user@example\.com: every session ended/);
    const ended = await ww(['sessions'], { home: userHome });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(/\[INVALID_REFRESH_TOKEN\]/);
    const refused = await ww(['login', '--email', USER, '--password-stdin'], { stdin: `${PASSWORD}\n`, home: userHome });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\[ACCOUNT_DISABLED\]\n$/);
    expect(JSON.parse((await ww(['admin', 'user', USER, '--json'])).stdout)).toMatchObject({ status: 'disabled' });
    expect((await ww(['admin', 'disable', OWNER])).stderr).toMatch(/\[FORBIDDEN\]/);

    expect((await ww(['admin', 'enable', USER])).code).toBe(0);
    const back = await ww(['login', '--email', USER, '--password-stdin'], { stdin: `${PASSWORD}\n`, home: userHome });
    expect(back.code, back.stderr).toBe(0);
    const revoked = await ww(['admin', 'revoke-sessions', USER]);
    expect(revoked.stderr).toBe('Ended 1 session(s) of user@example.com.\n');
    expect((await ww(['admin', 'clear-throttle', USER])).stderr).toBe('Login throttling cleared for user@example.com.\n');
  });

  it('roles, custom roles and settings', async () => {
    expect((await ww(['admin', 'grant', USER, 'auditor'])).stderr).toBe('user@example.com now holds: auditor, user.\n');
    expect((await ww(['admin', 'revoke', USER, 'auditor'])).stderr).toBe('user@example.com now holds: user.\n');
    const self = await ww(['admin', 'revoke', OWNER, 'owner']);
    expect(self.code).toBe(2);
    const created = await ww(['admin', 'role', 'create', 'helpdesk', '--parent', 'user', '--permission', 'users:read', '--permission', 'throttle:clear', '--description', 'Unlocks accounts']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toBe('Role helpdesk created (inherits user): account:self throttle:clear users:read\n');
    expect((await ww(['admin', 'role', 'create', 'x-role', '--parent', 'user', '--permission', 'users:everything'])).code).toBe(1);
    expect((await ww(['admin', 'role', 'create', 'helpdesk', '--parent', 'user'])).stderr).toMatch(/\[ROLE_EXISTS\]/);
    const roles = await ww(['admin', 'roles']);
    expect(roles.stdout).toMatch(/^owner \(inherits admin\) — .*\n {4}account:self audit:export .*settings:write/m);
    expect(roles.stdout).toMatch(/^helpdesk \(inherits user\) \[custom\] — Unlocks accounts\n {4}account:self throttle:clear users:read$/m);
    const settings = await ww(['admin', 'settings']);
    expect(settings.code, settings.stderr).toBe(0);
    expect(settings.stdout).toMatch(/^publicUrl +http:\/\/127\.0\.0\.1:\d+$/m);
    const json = JSON.parse((await ww(['admin', 'settings', '--json'])).stdout) as Record<string, unknown>;
    expect(json.dataDir).toBe(dataDir);
    // The server's secrets live in files in DATA_DIR: no setting shows any of their content.
    const secretFiles = ['server-secret', 'opaque-server-setup'].flatMap((name) => {
      try {
        return [readFileSync(join(dataDir, 'secrets', name), 'utf8').trim()];
      } catch {
        return [];
      }
    });
    expect(secretFiles).toHaveLength(2);
    for (const secret of secretFiles) expect(JSON.stringify(json)).not.toContain(secret);
  });

  it('ww admin audit shows and filters the log, host changes included; export writes JSON Lines and CSV', async () => {
    const disabled = JSON.parse((await ww(['admin', 'audit', '--since', '1h', '--action', 'admin.user_disabled', '--outcome', 'success', '--json'])).stdout) as AuditEvent[];
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatchObject({ action: 'admin.user_disabled', outcome: 'success', context: { sessionsRevoked: 1 } });
    const owner = JSON.parse((await ww(['admin', 'user', OWNER, '--json'])).stdout) as AdminUser;
    const user = JSON.parse((await ww(['admin', 'user', USER, '--json'])).stdout) as AdminUser;
    expect(disabled[0]).toMatchObject({ actorId: owner.id, targetId: user.id });

    const host = JSON.parse((await ww(['admin', 'audit', '--action', 'admin.role_granted', '--target', OWNER, '--json'])).stdout) as AuditEvent[];
    expect(host).toHaveLength(1);
    expect(host[0]).toMatchObject({ actorId: null, targetId: owner.id, context: { via: 'host', role: 'owner' } });
    const deniedHost = JSON.parse((await ww(['admin', 'audit', '--action', 'admin.role_revoked', '--outcome', 'denied', '--json'])).stdout) as AuditEvent[];
    expect(deniedHost.map((e) => e.context)).toContainEqual({ via: 'host', role: 'owner', reason: 'last_owner' });

    const table = await ww(['admin', 'audit', '--target', USER, '--limit', '5']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^TIME +ACTION +OUTCOME +ACTOR +TARGET +IP\n/);
    expect(table.stdout.trim().split('\n')).toHaveLength(6);
    expect(table.stdout).toMatch(/admin\.role_revoked +success +owner@example\.com +user@example\.com +127\.0\.0\.1/);
    const disabledRow = await ww(['admin', 'audit', '--target', USER, '--action', 'admin.user_disabled']);
    expect(disabledRow.stdout).toMatch(/admin\.user_disabled +success +owner@example\.com +user@example\.com +127\.0\.0\.1/);
    const hostRow = await ww(['admin', 'audit', '--action', 'admin.role_granted', '--target', OWNER]);
    expect(hostRow.stdout).toMatch(/admin\.role_granted +success +\(host\) +owner@example\.com +-/);
    expect((await ww(['admin', 'audit', '--since', 'yesterday'])).code).toBe(1);
    expect((await ww(['admin', 'audit', '--outcome', 'maybe'])).code).toBe(1);

    const csvFile = join(home, 'audit.csv');
    // Over an existing file that others can read: the export still ends up readable by its owner only.
    writeFileSync(csvFile, 'old', { mode: 0o644 });
    chmodSync(csvFile, 0o644);
    const csv = await ww(['admin', 'audit', 'export', '--format', 'csv', '--output', csvFile, '--since', '1d']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(statSync(csvFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(csvFile, 'utf8');
    expect(text.startsWith('id,at,time,actor_id,action,target_id,ip,user_agent,outcome,request_id,context\r\n')).toBe(true);
    expect(text).toMatch(/admin\.user_disabled,/);

    const jsonl = await ww(['admin', 'audit', 'export', '--format', 'jsonl', '--action', 'auth.login']);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const events = jsonl.stdout.trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.every((e) => e.action === 'auth.login')).toBe(true);
    expect((await ww(['admin', 'audit', 'export', '--format', 'xml'])).code).toBe(1);
  });

  it('ww admin delete asks for the address; the account is gone', async () => {
    const wrong = await ww(['admin', 'delete', USER], { stdin: 'someone@example.com\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/the address does not match: nothing was deleted/);
    const deleted = await ww(['admin', 'delete', USER], { stdin: `${USER}\n` });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toMatch(/Account user@example\.com deleted\.\n$/);
    expect((await ww(['admin', 'user', USER])).code).toBe(3);
    expect((await wwServer(['admin', 'users'])).stdout).not.toMatch(/user@example\.com/);
  });
  it('ww admin oauth clients and ww apikey: secrets printed once, keys work over HTTP and revoke at once', async () => {
    const created = await ww(['admin', 'oauth', 'clients', 'create', '--name', 'Team wiki', '--redirect-uri', 'https://wiki.example/callback', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout) as { client: { clientId: string; public: boolean }; clientSecret: string };
    expect(client.client.public).toBe(false);
    expect(client.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await ww(['admin', 'oauth', 'clients', 'list']);
    expect(listed.stdout).toContain(client.client.clientId);
    expect(listed.stdout).not.toContain(client.clientSecret);
    const rotated = await ww(['admin', 'oauth', 'clients', 'rotate-secret', client.client.clientId]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).not.toContain(client.clientSecret);
    expect((await ww(['admin', 'oauth', 'clients', 'disable', client.client.clientId])).code).toBe(0);
    expect((await ww(['admin', 'oauth', 'clients', 'delete', client.client.clientId])).code).toBe(0);
    const bad = await ww(['admin', 'oauth', 'clients', 'create', '--name', 'x', '--redirect-uri', 'javascript:alert(1)']);
    expect(bad.code).toBe(1);

    const key = await ww(['apikey', 'create', '--name', 'backups', '--read-only', '--json']);
    expect(key.code, key.stderr).toBe(0);
    const { key: view, clientSecret } = JSON.parse(key.stdout) as { key: { clientId: string }; clientSecret: string };
    expect((await ww(['apikey', 'list'])).stdout).toMatch(new RegExp(`${view.clientId}.*read-only`));
    // A script's token: OAuth client credentials over the real socket, no master password.
    const tokenRes = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${view.clientId}:${clientSecret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(tokenRes.status).toBe(200);
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    expect((await fetch(`${server.url}/api/v1/items`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await ww(['apikey', 'revoke', view.clientId])).code).toBe(0);
    expect((await fetch(`${server.url}/api/v1/items`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(readFileSync(join(dataDir, 'watchword.db')).includes(clientSecret)).toBe(false);
  });
});
