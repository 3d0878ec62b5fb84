/**
 * `ww` with an API key, end to end against a real server process: a script's environment holds the key
 * (WATCHWORD_CLIENT_ID / WATCHWORD_CLIENT_SECRET) and `ww login --apikey` gets an access token without the master
 * password (OAuth client credentials); the vault stays locked until the master password unlocks it (a command given
 * WATCHWORD_PASSWORD, or `ww unlock` and a sealed session), as with Bitwarden's CLI. A read-only key is refused any
 * change with a clear message; an expired token is renewed from the key in the environment; revoking the key stops
 * the script at once. The key's secret is never on the command line, in the session file, the database or the log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENEROUS_LIMITS, type ServerProcess, findSecrets, startServerProcess } from '@watchword/testkit';
import { type Run, runCli } from './support/run-cli.ts';

const PASSWORD = 'plum-Orbit-quiet-Lantern-93';
const EMAIL = 'robot-owner@example.com';
const ITEM_SECRET = 'Deploy-Secret-Gamma-41';

interface Key {
  clientId: string;
  secret: string;
}

describe('ww with an API key', () => {
  let server: ServerProcess;
  let dataDir: string;
  /** The owner's own machine (password login) and two scripts' machines (API keys). */
  let owner: string;
  let reader: string;
  let writer: string;
  let readOnlyKey: Key;
  let fullKey: Key;

  const ww = (home: string, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> =>
    runCli(args, { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: server.url, WATCHWORD_KDF_VERSION: '0', NODE_COMPILE_CACHE: join(tmpdir(), 'ww-cli-test-compile-cache'), ...options.env }, { stdin: options.stdin ?? '' });
  const keyEnv = (key: Key) => ({ WATCHWORD_CLIENT_ID: key.clientId, WATCHWORD_CLIENT_SECRET: key.secret });
  const sessionFile = (home: string) => readFileSync(join(home, 'session.json'), 'utf8');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ww-apikey-data-'));
    [owner, reader, writer] = ['owner', 'reader', 'writer'].map((n) => mkdtempSync(join(tmpdir(), `ww-apikey-${n}-`))) as [string, string, string];
    server = await startServerProcess({ DATA_DIR: dataDir, ALLOWED_KDF_VERSIONS: '0,1', ...GENEROUS_LIMITS });
    expect((await ww(owner, ['register', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` })).code).toBe(0);
    const login = await ww(owner, ['login', '--email', EMAIL, '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0);
    const added = await ww(owner, ['add', '--name', 'deploy', '--username', 'ci', '--password', ITEM_SECRET], { env: { WATCHWORD_PASSWORD: PASSWORD } });
    expect(added.code, added.stderr).toBe(0);
    const make = async (args: string[]): Promise<Key> => {
      const r = await ww(owner, ['apikey', 'create', ...args, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const body = JSON.parse(r.stdout) as { key: { clientId: string }; clientSecret: string };
      return { clientId: body.key.clientId, secret: body.clientSecret };
    };
    readOnlyKey = await make(['--name', 'backups', '--read-only']);
    fullKey = await make(['--name', 'deploys']);
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [dataDir, owner, reader, writer]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the key from the environment; reading needs the master password; a read-only key changes nothing', async () => {
    const login = await ww(reader, ['login', '--apikey'], { env: keyEnv(readOnlyKey) });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`Logged in as ${EMAIL} with API key ${readOnlyKey.clientId} (read-only). The vault is locked`);
    expect(login.stdout).toBe(''); // no WATCHWORD_SESSION: nothing was unlocked
    const stored = JSON.parse(sessionFile(reader)) as { apiKey: unknown; sealedAccountKey: unknown; tokens: { refreshToken: string } };
    expect(stored).toMatchObject({ apiKey: { clientId: readOnlyKey.clientId, readOnly: true }, sealedAccountKey: null, tokens: { refreshToken: '' } });
    expect(sessionFile(reader)).not.toContain(readOnlyKey.secret);

    // The key alone does not decrypt anything.
    const locked = await ww(reader, ['list']);
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/the vault is locked/);
    const wrong = await ww(reader, ['list'], { env: { WATCHWORD_PASSWORD: `${PASSWORD}x` } });
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).not.toContain('deploy');

    // With the master password: read and decrypt, as a Bitwarden-style unlock.
    const listed = await ww(reader, ['list'], { env: { WATCHWORD_PASSWORD: PASSWORD } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('deploy');
    const unlocked = await ww(reader, ['unlock', '--raw', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(unlocked.code, unlocked.stderr).toBe(0);
    const sessionKey = unlocked.stdout.trim();
    const got = await ww(reader, ['get', 'deploy', '--field', 'password'], { env: { WATCHWORD_SESSION: sessionKey } });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.trim()).toBe(ITEM_SECRET);

    // Any change is refused, with a message that says why.
    const add = await ww(reader, ['add', '--name', 'sneaky', '--password', 'x-Y-z-123456'], { env: { WATCHWORD_SESSION: sessionKey } });
    expect(add.code).toBe(2);
    expect(add.stderr).toMatch(/^ww: This API key is read-only\. Nothing was changed: a read-only key cannot change anything \(use a read-write key, or `ww login` with the master password\)\. \[API_KEY_READ_ONLY\]\n$/);
    const del = await ww(reader, ['rm', 'deploy'], { env: { WATCHWORD_SESSION: sessionKey } });
    expect(del.code).toBe(2);
    expect(del.stderr).toContain('[API_KEY_READ_ONLY]');
    expect((await ww(owner, ['list'], { env: { WATCHWORD_PASSWORD: PASSWORD } })).stdout).not.toContain('sneaky');
    // A key cannot mint keys.
    expect((await ww(reader, ['apikey', 'create', '--name', 'more'])).code).toBe(2);

    const status = await ww(reader, ['status', '--json'], { env: { WATCHWORD_SESSION: sessionKey } });
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'unlocked', email: EMAIL, apiKey: { clientId: readOnlyKey.clientId, readOnly: true } });
  });

  it('asks for the key when the environment has none (the secret from standard input, never argv)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ww-apikey-prompt-'));
    try {
      const login = await ww(home, ['login', '--apikey', '--json'], { stdin: `${readOnlyKey.clientId}\n${readOnlyKey.secret}\n` });
      expect(login.code, login.stderr).toBe(0);
      expect(JSON.parse(login.stdout)).toMatchObject({ email: EMAIL, apiKey: { clientId: readOnlyKey.clientId, readOnly: true } });
      const bad = await ww(home, ['login', '--apikey'], { stdin: `${readOnlyKey.clientId}\n${readOnlyKey.secret.slice(0, -2)}xx\n` });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('[INVALID_CREDENTIALS]');
      expect((await ww(home, ['login', '--apikey', '--email', EMAIL])).code).toBe(1);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a read-write key changes the vault; an expired token is renewed from the environment, or the command says how', async () => {
    const login = await ww(writer, ['login', '--apikey'], { env: keyEnv(fullKey) });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`with API key ${fullKey.clientId} (read-write)`);
    const sessionKey = (await ww(writer, ['unlock', '--raw'], { env: { WATCHWORD_PASSWORD: PASSWORD } })).stdout.trim();
    const added = await ww(writer, ['add', '--name', 'from-ci', '--password', 'Ci-Made-Secret-7'], { env: { WATCHWORD_SESSION: sessionKey } });
    expect(added.code, added.stderr).toBe(0);
    expect((await ww(owner, ['list'], { env: { WATCHWORD_PASSWORD: PASSWORD } })).stdout).toContain('from-ci');

    // The access token has run out (15 minutes in life; here the file says so): the key in the environment renews it.
    const expire = () => {
      const file = JSON.parse(sessionFile(writer)) as { tokens: { accessExpiresAt: number } };
      file.tokens.accessExpiresAt = 0;
      writeFileSync(join(writer, 'session.json'), JSON.stringify(file), { mode: 0o600 });
    };
    expire();
    const without = await ww(writer, ['list'], { env: { WATCHWORD_SESSION: sessionKey } });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain(`the access token of API key ${fullKey.clientId} has expired: set WATCHWORD_CLIENT_ID and WATCHWORD_CLIENT_SECRET`);
    const renewed = await ww(writer, ['list'], { env: { WATCHWORD_SESSION: sessionKey, ...keyEnv(fullKey) } });
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.stdout).toContain('from-ci');
    expect((JSON.parse(sessionFile(writer)) as { tokens: { accessExpiresAt: number } }).tokens.accessExpiresAt).toBeGreaterThan(Date.now());
    expect(sessionFile(writer)).not.toContain(fullKey.secret);
  });

  it('revoking the key stops the script at once; logging out here leaves the key to its owner', async () => {
    const sessionKey = (await ww(writer, ['unlock', '--raw'], { env: { WATCHWORD_PASSWORD: PASSWORD } })).stdout.trim();
    expect((await ww(writer, ['list'], { env: { WATCHWORD_SESSION: sessionKey } })).code).toBe(0);
    const revoked = await ww(owner, ['apikey', 'revoke', fullKey.clientId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await ww(writer, ['list'], { env: { WATCHWORD_SESSION: sessionKey, ...keyEnv(fullKey) } });
    expect(after.code).toBe(2);
    expect(after.stdout).not.toContain('from-ci');
    expect((await ww(writer, ['login', '--apikey'], { env: keyEnv(fullKey) })).code).toBe(2);

    // `ww logout` with a key's session forgets it here and ends nothing on the server: the key keeps working.
    const out = await ww(reader, ['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`API key ${readOnlyKey.clientId} stays valid until it is revoked`);
    expect((await ww(reader, ['status', '--json'])).stdout).toContain('"status":"logged out"');
    expect((await ww(reader, ['login', '--apikey'], { env: keyEnv(readOnlyKey) })).code).toBe(0);
    expect((await ww(reader, ['list'], { env: { WATCHWORD_PASSWORD: PASSWORD } })).code).toBe(0);
  });

  it('the key secrets are never in the database or the server log', () => {
    const secrets = { 'read-only key': readOnlyKey.secret, 'full key': fullKey.secret };
    const files = ['watchword.db', 'watchword.db-wal'].map((f) => {
      try {
        return readFileSync(join(dataDir, f));
      } catch {
        return Buffer.alloc(0);
      }
    });
    expect(findSecrets(Buffer.concat(files), secrets)).toEqual([]);
    expect(findSecrets(server.output(), secrets)).toEqual([]);
  });
});
