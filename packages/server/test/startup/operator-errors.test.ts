import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDir, type TempDir } from '@watchword/testkit';
import { runAdminCommand } from '../../src/admin-cli.ts';
import { loadConfig } from '../../src/config.ts';
import { runKeysCommand } from '../../src/keys/rotate.ts';
import { loadSigningKeys } from '../../src/keys/signing-keys.ts';
import { loadTls } from '../../src/runtime.ts';
import { smtpOptionsFromUrl } from '../../src/mail/smtp.ts';
import { OPERATOR_ERRORS, OperatorError, type OperatorErrorCode } from '../../src/operator-errors.ts';
import { openStateStore } from '../../src/state/index.ts';
import { openStorage } from '../../src/storage/index.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

/** The OperatorError `fn` throws (or rejects with), checked to carry `code` and that code's exit code. */
async function operatorError(code: OperatorErrorCode, fn: () => unknown): Promise<OperatorError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(OperatorError);
  const error = thrown as OperatorError;
  expect(error.code).toBe(code);
  expect(error.exitCode).toBe(OPERATOR_ERRORS[code].exitCode);
  return error;
}

describe('operator errors: stable codes for start-up and host-command failures', () => {
  const dirs: TempDir[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => d.remove())));

  it('configuration: malformed setting, CONFIG_FILE, production refusal (exit code 2)', async () => {
    const bad = await operatorError('WW_CONFIG_INVALID', () => loadConfig({ PORT: 'nope' }));
    expect(bad.line).toBe('invalid configuration: PORT must be a whole number, got "nope"');
    const dir = await createTempDir();
    dirs.push(dir);
    await operatorError('WW_CONFIG_FILE_INVALID', () => loadConfig({ CONFIG_FILE: join(dir.path, 'missing.json') }));
    const unsafe = await operatorError('WW_CONFIG_PRODUCTION_UNSAFE', () => loadConfig({ NODE_ENV: 'production', DATA_DIR: dir.path }));
    expect(unsafe.line).toMatch(/^invalid configuration: NODE_ENV=production refuses to start: /);
  });

  it('backing services and mail: URLs that cannot be used', async () => {
    const db = await operatorError('WW_DATABASE_URL_INVALID', () => openStorage({ databaseUrl: 'mysql://db/x', dataDir: '/nonexistent' }));
    expect(db.line).toMatch(/^cannot start: DATABASE_URL must be a postgres:\/\//);
    await operatorError('WW_REDIS_URL_INVALID', () => openStateStore({ redisUrl: 'http://redis' }));
    await operatorError('WW_SMTP_URL_INVALID', () => smtpOptionsFromUrl('http://mail.example'));
    await operatorError('WW_SMTP_URL_INVALID', () => smtpOptionsFromUrl('smtp://mail.example/path'));
  });

  it('key material: an unusable signing-key file, unreadable or mismatched TLS files', async () => {
    const dir = await createTempDir();
    dirs.push(dir);
    mkdirSync(join(dir.path, 'keys', 'jwt'), { recursive: true });
    writeFileSync(join(dir.path, 'keys', 'jwt', 'broken.json'), '{"not": "a key"}');
    const key = await operatorError('WW_SIGNING_KEY_INVALID', () => loadSigningKeys(dir.path));
    expect(key.line).toMatch(/^cannot start: signing key .*broken\.json: /);
    await operatorError('WW_TLS_FILE_UNREADABLE', () => loadTls({ tlsCert: join(dir.path, 'missing.pem'), tlsKey: join(dir.path, 'missing.key') }));
    writeFileSync(join(dir.path, 'cert.pem'), 'not a certificate');
    writeFileSync(join(dir.path, 'key.pem'), 'not a key');
    await operatorError('WW_TLS_INVALID', () => loadTls({ tlsCert: join(dir.path, 'cert.pem'), tlsKey: join(dir.path, 'key.pem') }));
  });

  it('host commands: keys and admin usage, refusal and not-found codes', async () => {
    const dir = await createTempDir();
    dirs.push(dir);
    const config = loadConfig({ DATA_DIR: dir.path });
    const keys = await operatorError('WW_KEYS_USAGE', () => runKeysCommand(['frobnicate'], config));
    expect(keys.line).toBe('keys: unknown command "frobnicate" (use list, rotate or prune)');
    await operatorError('WW_ADMIN_USAGE', () => runAdminCommand(['grant', '--email', 'a@example.com'], config));
    await operatorError('WW_ADMIN_DATABASE_MISSING', () => runAdminCommand(['grant', '--email', 'a@example.com', '--role', 'owner'], config));
  });

  it('ww-server prints the lead and message on one line and exits with the code\'s exit code', () => {
    const run = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
    const db = run(['migrate'], { DATABASE_URL: 'mysql://db/x' });
    expect([db.status, db.stderr]).toEqual([OPERATOR_ERRORS.WW_CONFIG_INVALID.exitCode, 'ww-server: invalid configuration: DATABASE_URL must use postgres: or postgresql:\n']);
    const admin = run(['admin', 'grant', '--email', 'a@example.com'], {});
    expect([admin.status, admin.stderr]).toEqual([OPERATOR_ERRORS.WW_ADMIN_USAGE.exitCode, 'ww-server: admin grant: --email ADDRESS and --role ROLE are required\n']);
    const unknown = run(['frobnicate'], {});
    expect(unknown.status).toBe(OPERATOR_ERRORS.WW_USAGE.exitCode);
    expect(unknown.stderr).toMatch(/^ww-server: unknown command "frobnicate"\nusage: ww-server <command>/);
  });

  it('every code is documented in the README with its exit code', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [code, spec] of Object.entries(OPERATOR_ERRORS)) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\| [^|]+ \\| ${spec.exitCode} \\|`));
    }
  });
});
