import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchwordClient } from '@watchword/client';
import { decodeBase32, totp } from '@watchword/protocol';
import { GENEROUS_LIMITS, type ServerProcess, startServerProcess } from '@watchword/testkit';

const CLI_DIR = join(import.meta.dirname, '..');
const CLI = join(CLI_DIR, 'src', 'main.ts');
const BIN = join(CLI_DIR, 'bin', 'ww.mjs');
const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const EMAIL = 'daily@example.com';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const VERSION = (JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string[], env: Record<string, string>, options: { stdin?: string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, command, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdin.end(options.stdin ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The TOTP codes valid around now (a command may run across a 30-second boundary). */
async function codesAroundNow(secret: string): Promise<string[]> {
  const now = Date.now();
  return Promise.all([-30_000, 0, 30_000].map((d) => totp(decodeBase32(secret), now + d)));
}

describe('ww for everyday use, against a real server process', () => {
  let server: ServerProcess;
  let dataDir: string;
  let home: string;
  let sessionKey = '';
  const env = () => ({ HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: server.url, WATCHWORD_KDF_VERSION: '0', NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache') });
  const ww = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) => run([CLI, ...args], { ...env(), ...options.env }, options);
  const unlocked = (args: string[]) => ww(args, { env: { WATCHWORD_SESSION: sessionKey } });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-daily-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-daily-home-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, home]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints its version, also as a linked command run from another directory', async () => {
    const direct = await ww(['--version']);
    expect(direct.stdout.trim()).toBe(VERSION);
    // What `npm link` / a global install puts on PATH: a symlink to bin/ww.mjs, run from anywhere.
    const elsewhere = mkdtempSync(join(tmpdir(), 'ww-daily-path-'));
    try {
      mkdirSync(join(elsewhere, 'bin'));
      symlinkSync(BIN, join(elsewhere, 'bin', 'ww'));
      const linked = spawnSync(join(elsewhere, 'bin', 'ww'), ['--version'], { cwd: elsewhere, encoding: 'utf8', env: { PATH: `${join(elsewhere, 'bin')}:${process.env.PATH ?? ''}`, HOME: elsewhere } });
      expect(linked.stderr).toBe('');
      expect(linked.stdout.trim()).toBe(VERSION);
      const help = spawnSync('ww', ['status'], { cwd: elsewhere, encoding: 'utf8', env: { PATH: `${join(elsewhere, 'bin')}:${process.env.PATH ?? ''}`, HOME: elsewhere, WATCHWORD_SERVER: server.url } });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/account\s+not logged in/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('the bash completion script loads in bash and completes commands, sub-commands, options and choices', async () => {
    const script = (await ww(['completion', 'bash'])).stdout;
    const complete = (words: string[]) => {
      const file = join(home, 'completion.bash');
      writeFileSync(file, script);
      const array = words.map((w) => `'${w}'`).join(' ');
      const r = spawnSync('bash', ['-c', `source '${file}' && complete -p ww >/dev/null && COMP_WORDS=(${array}) && COMP_CWORD=${words.length - 1} && _ww && printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout.trim().split('\n');
    };
    expect(complete(['ww', 'sta'])).toEqual(['status']);
    expect(complete(['ww', 'sessions', ''])).toContain('revoke');
    expect(complete(['ww', 'list', '--fa'])).toEqual(['--favorite']);
    expect(complete(['ww', 'list', '--type', ''])).toEqual(['login', 'note', 'card', 'identity']);
    expect(complete(['ww', 'completion', '--js'])).toEqual(['--json']);
    for (const shell of ['zsh', 'fish']) {
      const r = await ww(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('status');
    }
    expect((await ww(['completion', 'tcsh'])).code).toBe(1);
  });

  it('login without --email asks for the address (first line of standard input in a script)', async () => {
    const reg = await ww(['register', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(reg.code, reg.stderr).toBe(0);
    const r = await ww(['login', '--password-stdin'], { stdin: `${EMAIL}\n${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    sessionKey = /^export WATCHWORD_SESSION=(\S+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(sessionKey).toHaveLength(43);
    expect(JSON.parse(readFileSync(join(home, 'session.json'), 'utf8'))).toMatchObject({ email: EMAIL });
  });

  it('at a terminal, a mistyped repeat of a new password asks again instead of failing', async () => {
    // `script` gives the CLI a real terminal (a pty); each answer is typed once its prompt shows.
    const child = spawn('script', ['-qec', `${process.execPath} ${CLI} register --email typo@example.com`, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', ...env(), TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const answer = async (prompt: string, text: string, nth: number) => {
      await expect.poll(() => output.split(prompt).length - 1, { timeout: 30_000 }).toBeGreaterThanOrEqual(nth);
      child.stdin.write(`${text}\r`);
    };
    await answer('Master password: ', PASSWORD, 1);
    await answer('Repeat master password: ', `${PASSWORD}x`, 1);
    await answer('Master password: ', PASSWORD, 2);
    await answer('Repeat master password: ', PASSWORD, 2);
    expect(await closed).toBe(0);
    expect(output).toContain('The passwords do not match; try again.');
    expect(output).toContain('Registered typo@example.com.');
  });

  it('adds cards and identities from options; get shows every field of every type; --field totp prints the code', async () => {
    const adds = await Promise.all([
      unlocked(['add', '--name', 'mail', '--username', 'me', '--password', 'Pw-of-mail-1', '--url', 'https://mail.example', '--totp', TOTP_SECRET, '--folder', 'Work', '--favorite', '--notes', 'the blue mailbox']),
      unlocked(['add', '--type', 'card', '--name', 'visa', '--cardholder', 'Dee Daily', '--brand', 'Visa', '--number', '4111 1111 1111 1111', '--expiry', '4/29', '--card-code', '737', '--folder', 'Money']),
      unlocked(['add', '--type', 'identity', '--name', 'me at home', '--title', 'Dr', '--first-name', 'Dee', '--last-name', 'Daily', '--email', 'dee@example.org', '--phone', '+44 20 7946 0000', '--address', '1 Main St', '--company', 'Acme', '--identity-username', 'deed']),
      unlocked(['add', '--type', 'note', '--name', 'wifi', '--notes', 'router under the stairs', '--hidden-field', 'psk=Wifi-Secret-9']),
      unlocked(['add', '--name', 'x', '--card-code', '123']),
    ]);
    for (const r of adds.slice(0, 4)) expect(r.code, r.stderr).toBe(0);
    const wrongType = adds[4] as Run;
    expect(wrongType.code).toBe(1);
    expect(wrongType.stderr).toMatch(/belong to card items \(--type card\)/);

    const [card, number, cvc, identityRun, login, totpRun, totpSecret, psk, note] = await Promise.all([
      unlocked(['get', 'visa']),
      unlocked(['get', 'visa', '--field', 'number']),
      unlocked(['get', 'visa', '--field', 'code']),
      unlocked(['get', 'me at home']),
      unlocked(['get', 'mail']),
      unlocked(['get', 'mail', '--field', 'totp']),
      unlocked(['get', 'mail', '--field', 'totp-secret']),
      unlocked(['get', 'wifi', '--field', 'psk']),
      unlocked(['get', 'wifi']),
    ]);
    expect(card.code, card.stderr).toBe(0);
    for (const line of [/^cardholder\s+Dee Daily$/m, /^brand\s+Visa$/m, /^number\s+\*+ \(--field number\)$/m, /^expiry\s+04\/2029$/m, /^code\s+\*+ \(--field code\)$/m, /^folder\s+Money$/m]) {
      expect(card.stdout).toMatch(line);
    }
    expect(card.stdout).not.toContain('4111');
    expect(number.stdout.trim()).toBe('4111111111111111');
    expect(cvc.stdout.trim()).toBe('737');

    const identity = identityRun.stdout;
    for (const line of [/^title\s+Dr$/m, /^first-name\s+Dee$/m, /^last-name\s+Daily$/m, /^email\s+dee@example\.org$/m, /^phone\s+\+44 20 7946 0000$/m, /^address\s+1 Main St$/m, /^company\s+Acme$/m, /^identity-username\s+deed$/m]) {
      expect(identity).toMatch(line);
    }

    expect(login.stdout).toMatch(/^totp\s+[0-9]{6} \([0-9]+ s left; --field totp\)$/m);
    expect(login.stdout).toMatch(/^favorite\s+yes$/m);
    expect(login.stdout).not.toContain(TOTP_SECRET);
    expect(await codesAroundNow(TOTP_SECRET)).toContain(totpRun.stdout.trim());
    expect(totpSecret.stdout.trim()).toBe(TOTP_SECRET);
    expect(psk.stdout.trim()).toBe('Wifi-Secret-9');
    expect(note.stdout).not.toContain('Wifi-Secret-9');
  });

  it('lists by folder, type and favourite, and searches notes', async () => {
    const names = async (args: string[]) => {
      const r = await unlocked(['list', '--json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { name: string }[]).map((i) => i.name);
    };
    const cases: [string[], string[]][] = [
      [['--type', 'card'], ['visa']],
      [['--folder', 'work'], ['mail']],
      [['--favorite'], ['mail']],
      [['--no-favorite'], ['me at home', 'visa', 'wifi']],
      [['--search', 'STAIRS'], ['wifi']],
      [['--search', 'acme'], ['me at home']],
      [['--type', 'login', '--search', 'stairs'], []],
    ];
    const results = await Promise.all(cases.map(([args]) => names(args)));
    results.forEach((result, i) => expect(result, cases[i]?.[0].join(' ')).toEqual(cases[i]?.[1]));
  });

  it('edit --no-favorite unmarks; an edit that changes nothing sends nothing', async () => {
    const before = JSON.parse((await unlocked(['get', 'mail', '--json'])).stdout) as { revision: number };
    const same = await unlocked(['edit', 'mail', '--folder', 'Work', '--username', 'me']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/^No change: "mail"/);
    expect((JSON.parse((await unlocked(['get', 'mail', '--json'])).stdout) as { revision: number }).revision).toBe(before.revision);
    const unfav = await unlocked(['edit', 'mail', '--no-favorite']);
    expect(unfav.code, unfav.stderr).toBe(0);
    const after = JSON.parse((await unlocked(['get', 'mail', '--json'])).stdout) as { revision: number; favorite?: boolean };
    expect(after.revision).toBe(before.revision + 1);
    expect(after.favorite).toBeUndefined();
  });

  it('a bad --length names the allowed range', async () => {
    for (const r of await Promise.all(['4', '129', 'abc', '12.5'].map((length) => ww(['generate', '--length', length])))) {
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('ww: --length must be a whole number from 8 to 128');
    }
    expect((await ww(['generate', '--length', '8'])).stdout.trim()).toHaveLength(8);
  });

  it('sync brings the copy up to date; status shows server, account, locked or unlocked, and the last sync', async () => {
    const locked = await ww(['status', '--json']);
    expect(JSON.parse(locked.stdout)).toMatchObject({ server: server.url, serverReachable: true, status: 'locked', email: EMAIL });
    const sync = await unlocked(['sync']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stderr).toMatch(/^Synced: 4 item\(s\), revision [0-9]+\.$/m);
    const status = await unlocked(['status']);
    expect(status.stdout).toMatch(/^vault\s+unlocked$/m);
    expect(status.stdout).toMatch(new RegExp(`^account\\s+${EMAIL.replace('.', '\\.')} `, 'm'));
    const lastSync = /^last sync\s+(\S+)$/m.exec(status.stdout)?.[1] ?? '';
    expect(Date.now() - Date.parse(lastSync)).toBeLessThan(60_000);
    // A wrong session key is "locked", checked here without the network.
    const wrong = await ww(['status', '--json'], { env: { WATCHWORD_SESSION: 'A'.repeat(43) } });
    expect(JSON.parse(wrong.stdout)).toMatchObject({ status: 'locked' });
  });

  it('unlock on a live session asks for no second factor and makes no new session', async () => {
    // An authenticator app turned on (through the SDK, from another device) after this CLI logged in.
    const client = new WatchwordClient({ serverUrl: server.url, kdfVersion: 0 });
    const vault = await client.login({ email: EMAIL, password: PASSWORD, deviceName: 'setup' });
    const security = client.security(vault.session);
    const { secret } = await security.enrolTotp(PASSWORD);
    await security.confirmTotp(await totp(decodeBase32(secret), Date.now()));
    await vault.session.logout();

    // Only the password on standard input: a new login would stop and ask for the code.
    const r = await ww(['unlock', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    const fresh = /^export WATCHWORD_SESSION=(\S+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(fresh).toHaveLength(43);
    expect(fresh).not.toBe(sessionKey);
    expect((await ww(['list', '--json'], { env: { WATCHWORD_SESSION: fresh } })).code).toBe(0);
    // A command unlocked by the password alone (a script) neither asks for the code nor opens a session.
    const scripted = await ww(['get', 'visa', '--field', 'code'], { env: { WATCHWORD_PASSWORD: PASSWORD } });
    expect(scripted.code, scripted.stderr).toBe(0);
    expect(scripted.stdout.trim()).toBe('737');
    const wrong = await ww(['unlock', '--password-stdin'], { stdin: 'not-the-password\n' });
    expect(wrong.code).toBe(2);
    const sessions = JSON.parse((await ww(['sessions', '--json'])).stdout) as { current: boolean }[];
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.current).toBe(true);
  });
});

describe('ww: one login, then 50 commands within the login rate limit', () => {
  let server: ServerProcess;
  let dataDir: string;
  let home: string;
  const ww = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
    run([CLI, ...args], { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: server.url, WATCHWORD_KDF_VERSION: '0', NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache'), ...options.env }, options);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-daily-limit-data-'));
    home = mkdtempSync(join(tmpdir(), 'ww-daily-limit-home-'));
    // Four login-class requests a minute from this address: exactly a registration and one login (start + finish each).
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS, RATE_LIMIT_AUTH_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, home]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('commands reuse the stored session: 50 of them after one login send no login-class request', async () => {
    expect((await ww(['register', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` })).code).toBe(0);
    const login = await ww(['login', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0);
    const sessionKey = /^export WATCHWORD_SESSION=(\S+)$/m.exec(login.stdout)?.[1] ?? '';
    const env = { WATCHWORD_SESSION: sessionKey };
    expect((await ww(['add', '--name', 'one', '--password', 'Pw-one-1'], { env })).code).toBe(0);
    const commands = Array.from({ length: 49 }, (_, i) => (i % 3 === 0 ? ['list', '--json'] : i % 3 === 1 ? ['get', 'one', '--field', 'password'] : ['sync']));
    // Every other command is unlocked by the master password alone (a script with WATCHWORD_PASSWORD): the key kept
    // on this machine opens it, so it sends no login-class request either.
    const envFor = (i: number) => (i % 2 === 0 ? env : { WATCHWORD_PASSWORD: PASSWORD });
    const results: Run[] = [];
    for (let i = 0; i < commands.length; i += 7) {
      results.push(...(await Promise.all(commands.slice(i, i + 7).map((args, j) => ww(args, { env: envFor(i + j) })))));
    }
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results.filter((r) => r.stdout.trim() === 'Pw-one-1')).toHaveLength(16);
    // The limit is real: more logins from here are refused.
    const more: Run[] = [];
    for (let i = 0; i < 3 && !more.some((r) => r.stderr.includes('RATE_LIMITED')); i++) {
      more.push(await ww(['login', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` }));
    }
    expect(more.some((r) => r.stderr.includes('RATE_LIMITED'))).toBe(true);
    // Fifty processes on a loaded 2-core machine may take longer than a minute; the limit above does not depend on it.
  }, 240_000);
});
