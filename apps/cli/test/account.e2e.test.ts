import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { decodeBase32, totp } from '@watchword/protocol';
import { type CreationOptionsInput, findSecrets, GENEROUS_LIMITS, outboxMail, type ServerProcess, SoftAuthenticator, startServerProcess, unseenMailLink } from '@watchword/testkit';

const CLI = join(import.meta.dirname, '..', 'src', 'main.ts');
const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const NEW_PASSWORD = 'copper-Meadow-violet-Harbor-57';
const RECOVERED_PASSWORD = 'amber-Tundra-gentle-Falcon-28';
const RESET_PASSWORD = 'saffron-Glacier-mellow-Quarry-64';
const ITEM_SECRET = 'Tr4il!mountain-pass';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const RECOVERY_KEY_RE = /^ {4}((?:[0-9A-Z]{4}-){13}[0-9A-Z]{4})$/m;
const BACKUP_CODE_RE = /^ {4}([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$/gm;
const EXPORT_RE = /^export WATCHWORD_SESSION=([A-Za-z0-9_-]{43})$/m;


describe('ww account security end to end against a real server process', () => {
  let server: ServerProcess;
  let dataDir: string;
  let home: string;
  const extraHomes: string[] = [];
  const seenMail = new Set<string>();
  const lastStep = new Map<string, number>();

  // Cheap key stretching (KDF profile 0; the server allows it here) for every registration and password change, and
  // Node's compile cache: the suite starts the CLI some sixty times.
  const baseEnv = () => ({
    PATH: process.env.PATH ?? '',
    HOME: home,
    WATCHWORD_HOME: home,
    WATCHWORD_SERVER: server.url,
    WATCHWORD_KDF_VERSION: '0',
    NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache'),
  });

  function start(args: string[], env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; done: Promise<Run>; stdout: () => string } {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...baseEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    return { child, done, stdout: () => stdout };
  }

  function ww(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
    const { child, done } = start(args, options.env);
    child.stdin.end(options.stdin ?? '');
    return done;
  }

  async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The link of the newest unread mail of this kind to this address (mails are sent in the background: polled). */
  function mailLink(to: string, kind: 'verify-email' | 'recover'): Promise<string> {
    return waitFor(`a ${kind} mail to ${to}`, () => unseenMailLink(join(dataDir, 'outbox'), to, kind, seenMail));
  }

  function mailsTo(to: string): number {
    const outbox = join(dataDir, 'outbox');
    if (!existsSync(outbox)) return 0;
    return readdirSync(outbox).filter((n) => n.endsWith('.eml') && outboxMail(readFileSync(join(outbox, n), 'utf8')).to === to).length;
  }

  /**
   * A TOTP code the server will take: each step works once per account, and the server accepts ±1 step. Picks the
   * current step or the one after the last used; waits for the clock when that is more than one step ahead.
   */
  async function nextTotp(account: string, secret: string): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / 30_000);
      const step = Math.max(current, (lastStep.get(account) ?? -1) + 1);
      if (step <= current + 1) {
        lastStep.set(account, step);
        return totp(decodeBase32(secret), step * 30_000);
      }
      await new Promise((r) => setTimeout(r, (current + 1) * 30_000 - now + 20));
    }
  }

  /** A six-digit code that is none of the currently acceptable ones. */
  async function wrongTotp(secret: string): Promise<string> {
    const step = Math.floor(Date.now() / 30_000);
    const valid = await Promise.all([-2, -1, 0, 1, 2].map((d) => totp(decodeBase32(secret), (step + d) * 30_000)));
    return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !valid.includes(c)) ?? '999999';
  }

  const otherHome = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-account-home-'));
    extraHomes.push(dir);
    return dir;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-account-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-account-home-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, home, ...extraHomes]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // ------------------------------------------------------------------------------------ alice: the full journey

  let recoveryKey = '';
  let sessionKey = '';
  let totpSecret = '';
  let backupCodes: string[] = [];

  it('refuses a weak master password at registration with a clear message, and creates nothing', async () => {
    const r = await ww(['register', '--email', 'weak@example.com', '--password-stdin'], { stdin: 'password123\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ww: Password is too short: use at least 12 characters\. Password is too weak: .*\[PASSWORD_POLICY\]\n$/);
    expect(r.stderr).not.toContain('password123');
    const login = await ww(['login', '--email', 'weak@example.com', '--password-stdin'], { stdin: 'password123\n' });
    expect(login.code).toBe(2);
    expect(login.stderr).toMatch(/\[INVALID_CREDENTIALS\]/);
    expect(mailsTo('weak@example.com')).toBe(0);
  });

  it('registers, shows the recovery key once, and confirms the address with the mailed link', async () => {
    const r = await ww(['register', '--email', ALICE, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    recoveryKey = RECOVERY_KEY_RE.exec(r.stdout)?.[1] ?? '';
    expect(recoveryKey).not.toBe('');
    expect(r.stdout).toMatch(/ww verify-email <link>/);

    const link = await mailLink(ALICE, 'verify-email');
    const verified = await ww(['verify-email', link]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toMatch(/E-mail address confirmed/);
    const again = await ww(['verify-email', link]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/\[INVALID_EMAIL_TOKEN\]\n$/);
    expect((await ww(['verify-email', 'not a link'])).code).toBe(1);
  });

  it('logs in, knows the address is confirmed, and adds an item', async () => {
    const login = await ww(['login', '--email', ALICE, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0);
    sessionKey = EXPORT_RE.exec(login.stdout)?.[1] ?? '';
    const resend = await ww(['verify-email', '--resend']);
    expect(resend.code, resend.stderr).toBe(0);
    expect(resend.stderr).toMatch(/already confirmed/);
    const add = await ww(['add', '--name', 'mountain', '--username', 'alice', '--password', ITEM_SECRET], { env: { WATCHWORD_SESSION: sessionKey } });
    expect(add.code, add.stderr).toBe(0);
  });

  it('turns on an authenticator app: secret shown, confirmed with a code, backup codes shown once', async () => {
    const run = start(['mfa', 'totp', 'enable', '--password-stdin']);
    run.child.stdin.write(`${PASSWORD}\n`);
    // The code can only be computed once the secret is on screen: answer like a person at the prompt.
    totpSecret = await waitFor('the TOTP secret', () => /^Secret \(to type in by hand\): ([A-Z2-7]+)$/m.exec(run.stdout())?.[1]);
    run.child.stdin.end(`${await nextTotp(ALICE, totpSecret)}\n`);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^otpauth URI: otpauth:\/\/totp\/.*secret=/m); // not a terminal: no QR, the URI instead
    backupCodes = [...r.stdout.matchAll(BACKUP_CODE_RE)].map((m) => m[1] ?? '');
    expect(backupCodes).toHaveLength(10);
    expect(r.stderr).toMatch(/shown only this once/);
    expect(r.stderr).toMatch(/Authenticator app enabled/);
    const status = await ww(['mfa', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ totp: { enabled: true, pending: false }, webauthn: [], backupCodes: { remaining: 10 } });
    expect((await ww(['mfa', 'status'])).stdout).toMatch(/Authenticator app \(TOTP\): on\n.*\nBackup codes left: +10/);
  });

  it('asks for the second factor at login: refused without one or with a wrong code, accepted with --code', async () => {
    expect((await ww(['logout'])).code).toBe(0);
    const without = await ww(['login', '--email', ALICE, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/^ww: this account needs a second factor: pass --code <code>/);
    const wrong = await ww(['login', '--email', ALICE, '--password-stdin', '--code', await wrongTotp(totpSecret)], { stdin: `${PASSWORD}\n` });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/\[INVALID_SECOND_FACTOR\]\n$/);
    const ok = await ww(['login', '--email', ALICE, '--password-stdin', '--code', await nextTotp(ALICE, totpSecret)], { stdin: `${PASSWORD}\n` });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(EXPORT_RE);
  });

  it('logs in with a backup code on the line after the password; each backup code works once', async () => {
    const r = await ww(['login', '--email', ALICE, '--password-stdin'], { stdin: `${PASSWORD}\n${backupCodes[0]}\n` });
    expect(r.code, r.stderr).toBe(0);
    sessionKey = EXPORT_RE.exec(r.stdout)?.[1] ?? '';
    expect((await ww(['get', 'mountain', '--field', 'password'], { env: { WATCHWORD_SESSION: sessionKey } })).stdout).toBe(`${ITEM_SECRET}\n`);
    expect(JSON.parse((await ww(['mfa', 'status', '--json'])).stdout)).toMatchObject({ backupCodes: { remaining: 9 } });
    const reused = await ww(['login', '--email', ALICE, '--password-stdin', '--code', backupCodes[0] ?? ''], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_HOME: otherHome() } });
    expect(reused.code).toBe(2);
  });

  it('changes the master password: the old one stops working, other sessions end, this one and the vault stay', async () => {
    const second = otherHome();
    const other = await ww(['login', '--email', ALICE, '--password-stdin', '--code', backupCodes[1] ?? ''], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_HOME: second } });
    expect(other.code, other.stderr).toBe(0);

    const r = await ww(['password', 'change', '--password-stdin'], { stdin: `${PASSWORD}\n${NEW_PASSWORD}\n`, env: { WATCHWORD_SESSION: sessionKey } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Master password changed\. 1 other session\(s\) ended/);
    // The session file's sealed account key is still right: the same WATCHWORD_SESSION opens the vault.
    expect((await ww(['get', 'mountain', '--field', 'password'], { env: { WATCHWORD_SESSION: sessionKey } })).stdout).toBe(`${ITEM_SECRET}\n`);
    const ended = await ww(['sessions'], { env: { WATCHWORD_HOME: second } });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(/\[INVALID_REFRESH_TOKEN\]/);

    const old = await ww(['login', '--email', ALICE, '--password-stdin', '--code', backupCodes[2] ?? ''], { stdin: `${PASSWORD}\n`, env: { WATCHWORD_HOME: otherHome() } });
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/\[INVALID_CREDENTIALS\]/);
    const fresh = await ww(['login', '--email', ALICE, '--password-stdin', '--code', backupCodes[2] ?? ''], { stdin: `${NEW_PASSWORD}\n`, env: { WATCHWORD_HOME: second } });
    expect(fresh.code, fresh.stderr).toBe(0);
    const freshKey = EXPORT_RE.exec(fresh.stdout)?.[1] ?? '';
    expect((await ww(['get', 'mountain', '--field', 'password'], { env: { WATCHWORD_HOME: second, WATCHWORD_SESSION: freshKey } })).stdout).toBe(`${ITEM_SECRET}\n`);

    // The policy, checked by the client: a recent password is refused, and so is a weak one.
    const back = await ww(['password', 'change', '--password-stdin'], { stdin: `${NEW_PASSWORD}\n${PASSWORD}\n`, env: { WATCHWORD_SESSION: sessionKey } });
    expect(back.code).toBe(1);
    expect(back.stderr).toMatch(/^ww: Password was used recently: .*\[PASSWORD_POLICY\]\n$/);
    const weak = await ww(['password', 'change', '--password-stdin'], { stdin: `${NEW_PASSWORD}\nqwerty123456\n`, env: { WATCHWORD_SESSION: sessionKey } });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/Password is too weak/);
  });

  it('asks for a recovery mail with the same answer whether or not the address has an account', async () => {
    const known = await ww(['recover', '--email', ALICE]);
    const unknown = await ww(['recover', '--email', 'nobody@example.com']);
    expect(known.code, known.stderr).toBe(0);
    expect(unknown.code).toBe(0);
    expect(known.stderr).toMatch(/recovery mail is on its way/);
    expect(known.stderr.replace(ALICE, 'X')).toBe(unknown.stderr.replace('nobody@example.com', 'X'));
  });

  it('recovers with the mailed token and the recovery key: items kept, factors removed, a new recovery key', async () => {
    const link = await mailLink(ALICE, 'recover');
    // A typo in the recovery key is caught before anything is sent: the mailed token still works afterwards.
    // One symbol changed (never to itself: a key ending in X would otherwise stay valid, 1 run in 32).
    const typoKey = recoveryKey.slice(0, -1) + (recoveryKey.endsWith('X') ? 'Y' : 'X');
    const typo = await ww(['recover', '--email', ALICE, '--token', link, '--password-stdin'], { stdin: `${typoKey}\n${RECOVERED_PASSWORD}\n` });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/not a valid recovery key.*the mail still works/);

    const r = await ww(['recover', '--email', ALICE, '--token', link, '--password-stdin'], { stdin: `${recoveryKey}\n${RECOVERED_PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    const newKey = RECOVERY_KEY_RE.exec(r.stdout)?.[1] ?? '';
    expect(newKey).not.toBe('');
    expect(newKey).not.toBe(recoveryKey);
    expect(r.stdout).toMatch(/NEW recovery key/);
    expect(r.stderr).toMatch(/Every session ended and second factors were removed/);
    expect(existsSync(join(home, 'session.json'))).toBe(false); // it belonged to alice and ended

    const login = await ww(['login', '--email', ALICE, '--password-stdin'], { stdin: `${RECOVERED_PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0); // no second factor any more
    sessionKey = EXPORT_RE.exec(login.stdout)?.[1] ?? '';
    expect((await ww(['get', 'mountain', '--field', 'password'], { env: { WATCHWORD_SESSION: sessionKey } })).stdout).toBe(`${ITEM_SECRET}\n`);
    expect(JSON.parse((await ww(['mfa', 'status', '--json'])).stdout)).toEqual({ totp: { enabled: false, pending: false }, webauthn: [], backupCodes: { remaining: 0 } });

    // The old recovery key stopped working (the rotated one replaced it).
    expect((await ww(['recover', '--email', ALICE])).code).toBe(0);
    const again = await ww(['recover', '--email', ALICE, '--token', await mailLink(ALICE, 'recover'), '--password-stdin'], {
      stdin: `${recoveryKey}\n${RESET_PASSWORD}\n`,
      env: { WATCHWORD_HOME: otherHome() },
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/recovery key does not belong to this account/);
    recoveryKey = newKey;
  });

  it('shows the security activity', async () => {
    const r = await ww(['activity', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const actions = (JSON.parse(r.stdout) as { action: string; outcome: string }[]).map((e) => e.action);
    for (const action of ['account.register', 'account.email_verified', 'mfa.totp_enabled', 'mfa.backup_code_used', 'account.password_changed', 'recovery.completed']) {
      expect(actions).toContain(action);
    }
    const table = await ww(['activity']);
    expect(table.stdout).toMatch(/^TIME\s+EVENT\s+OUTCOME\s+IP\s+CLIENT\n/);
    expect(table.stdout).toMatch(/account\.password_changed\s+success/);
  });

  // ------------------------------------------------------------------------- bob: vault reset, then deletion

  let bobHome = '';
  let carolHome = '';

  it('resets the vault of an account without its recovery key: every item gone, the new password works', async () => {
    bobHome = otherHome();
    const env = { WATCHWORD_HOME: bobHome };
    expect((await ww(['register', '--email', BOB, '--password-stdin'], { stdin: `${PASSWORD}\n`, env })).code).toBe(0);
    const login = await ww(['login', '--email', BOB, '--password-stdin'], { stdin: `${PASSWORD}\n`, env });
    const key = EXPORT_RE.exec(login.stdout)?.[1] ?? '';
    expect((await ww(['add', '--name', 'doomed', '--generate'], { env: { ...env, WATCHWORD_SESSION: key } })).code).toBe(0);

    expect((await ww(['recover', '--email', BOB], { env })).code).toBe(0);
    const link = await mailLink(BOB, 'recover');
    const args = ['recover', '--email', BOB, '--token', link, '--reset-vault', '--password-stdin'];
    const wrongPhrase = await ww(args, { stdin: `erase my vault please\nyes\n${RESET_PASSWORD}\n`, env });
    expect(wrongPhrase.code).toBe(1);
    expect(wrongPhrase.stderr).toMatch(/every item in your vault is deleted for good/);
    expect(wrongPhrase.stderr).toMatch(/nothing was changed/);
    const no = await ww(args, { stdin: `erase my vault\nno\n${RESET_PASSWORD}\n`, env });
    expect(no.code).toBe(1);
    expect(no.stderr).toMatch(/cancelled: nothing was changed/);

    const r = await ww(args, { stdin: `erase my vault\nyes\n${RESET_PASSWORD}\n`, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(RECOVERY_KEY_RE);
    expect(r.stderr).toMatch(/The vault was reset/);

    expect((await ww(['login', '--email', BOB, '--password-stdin'], { stdin: `${PASSWORD}\n`, env })).code).toBe(2);
    const relogin = await ww(['login', '--email', BOB, '--password-stdin'], { stdin: `${RESET_PASSWORD}\n`, env });
    expect(relogin.code, relogin.stderr).toBe(0);
    const list = await ww(['list', '--json'], { env: { ...env, WATCHWORD_SESSION: EXPORT_RE.exec(relogin.stdout)?.[1] ?? '' } });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('deletes an account after the password and the typed address; the session file goes, login then fails', async () => {
    const env = { WATCHWORD_HOME: bobHome };
    const mismatch = await ww(['account', 'delete', '--password-stdin'], { stdin: `${RESET_PASSWORD}\nalice@example.com\n`, env });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/does not match: nothing was deleted/);
    const r = await ww(['account', 'delete', '--password-stdin'], { stdin: `${RESET_PASSWORD}\n${BOB}\n`, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Account bob@example\.com deleted/);
    expect(existsSync(join(env.WATCHWORD_HOME, 'session.json'))).toBe(false);
    const login = await ww(['login', '--email', BOB, '--password-stdin'], { stdin: `${RESET_PASSWORD}\n`, env });
    expect(login.code).toBe(2);
    expect(login.stderr).toMatch(/\[INVALID_CREDENTIALS\]/);
  });

  // ----------------------------------------------------------- carol: scripted TOTP set-up, security keys

  it('sets up TOTP in two steps for scripts (--json, then confirm) and turns it off with a code', async () => {
    carolHome = otherHome();
    const env = { WATCHWORD_HOME: carolHome };
    expect((await ww(['register', '--email', CAROL, '--password-stdin'], { stdin: `${PASSWORD}\n`, env })).code).toBe(0);
    expect((await ww(['login', '--email', CAROL, '--password-stdin'], { stdin: `${PASSWORD}\n`, env })).code).toBe(0);
    const enrol = await ww(['mfa', 'totp', 'enable', '--json', '--password-stdin'], { stdin: `${PASSWORD}\n`, env });
    expect(enrol.code, enrol.stderr).toBe(0);
    const { secret, otpauthUri, enabled } = JSON.parse(enrol.stdout) as { secret: string; otpauthUri: string; enabled: boolean };
    expect(enabled).toBe(false);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(JSON.parse((await ww(['mfa', 'status', '--json'], { env })).stdout)).toMatchObject({ totp: { enabled: false, pending: true } });
    const confirm = await ww(['mfa', 'totp', 'confirm', await nextTotp(CAROL, secret), '--json'], { env });
    expect(confirm.code, confirm.stderr).toBe(0);
    expect((JSON.parse(confirm.stdout) as { backupCodes: string[] }).backupCodes).toHaveLength(10);

    const regenerated = await ww(['mfa', 'backup-codes', '--password-stdin'], { stdin: `${PASSWORD}\n`, env });
    expect(regenerated.code, regenerated.stderr).toBe(0);
    expect([...regenerated.stdout.matchAll(BACKUP_CODE_RE)]).toHaveLength(10);

    const disable = await ww(['mfa', 'totp', 'disable', '--code', await nextTotp(CAROL, secret)], { env });
    expect(disable.code, disable.stderr).toBe(0);
    expect(disable.stderr).toMatch(/Authenticator app turned off/);
    expect(JSON.parse((await ww(['mfa', 'status', '--json'], { env })).stdout)).toEqual({ totp: { enabled: false, pending: false }, webauthn: [], backupCodes: { remaining: 0 } });
  });

  it('lists and removes security keys; a login where only a key or backup code fits says so', async () => {
    const env = { WATCHWORD_HOME: carolHome };
    // A security key can only be added from a browser: here the SDK and a software authenticator play that part.
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0, dpop: false });
    const vault = await client.login({ email: CAROL, password: PASSWORD });
    const security = client.security(vault.session);
    const options = await security.webauthnRegistrationOptions(PASSWORD);
    const response = new SoftAuthenticator().create(options as unknown as CreationOptionsInput, { origin: server.url });
    const added = await security.addWebauthn('Desk key', response as unknown as Parameters<typeof security.addWebauthn>[1]);
    const codes = added.backupCodes ?? [];
    expect(codes).toHaveLength(10);

    const keys = await ww(['mfa', 'keys'], { env });
    expect(keys.code, keys.stderr).toBe(0);
    expect(keys.stdout).toMatch(/^NAME\s+ID\s+ADDED\s+LAST USED\nDesk key\s+\S{12}\s+\d{4}-/);

    const totpCode = await ww(['login', '--email', CAROL, '--password-stdin', '--code', '123456'], { stdin: `${PASSWORD}\n`, env });
    expect(totpCode.code).toBe(1);
    expect(totpCode.stderr).toMatch(/no authenticator app .*use a backup code/);
    const backup = await ww(['login', '--email', CAROL, '--password-stdin', '--code', codes[0]?.toLowerCase() ?? ''], { stdin: `${PASSWORD}\n`, env });
    expect(backup.code, backup.stderr).toBe(0);

    const id = (JSON.parse((await ww(['mfa', 'keys', '--json'], { env })).stdout) as { id: string }[])[0]?.id ?? '';
    const removed = await ww(['mfa', 'keys', 'remove', id.slice(0, 8), '--password-stdin'], { stdin: `${PASSWORD}\n`, env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toMatch(/Removed security key "Desk key"/);
    expect(JSON.parse((await ww(['mfa', 'status', '--json'], { env })).stdout)).toMatchObject({ webauthn: [] });
    expect((await ww(['mfa', 'keys', 'remove', 'nope', '--password-stdin'], { stdin: `${PASSWORD}\n`, env })).code).toBe(3);
  });

  it('left no password, recovery key or item secret in the server log or the data directory', () => {
    const secrets = { PASSWORD, NEW_PASSWORD, RECOVERED_PASSWORD, RESET_PASSWORD, ITEM_SECRET, recoveryKey };
    expect(findSecrets(server.output(), secrets)).toEqual([]);
    for (const name of readdirSync(dataDir, { recursive: true }) as string[]) {
      const path = join(dataDir, name);
      if (statSync(path).isFile()) expect(findSecrets(readFileSync(path), secrets), name).toEqual([]);
    }
  });
});
