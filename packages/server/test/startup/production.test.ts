import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOpaqueReady, opaqueServer } from '@watchword/protocol';
import { ConfigError, loadConfig, checkProductionConfig } from '../../src/config.ts';
import { hostName } from '../../src/http/production.ts';
import { createTempDir, startServerProcess } from '@watchword/testkit';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });

await ensureOpaqueReady();
/** A production configuration that passes every check; each test breaks one thing. */
const SAFE: Record<string, string> = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://vault.example.com',
  TRUSTED_PROXIES: '10.0.0.0/8',
  SERVER_SECRET: randomBytes(32).toString('base64url'),
  OPAQUE_SERVER_SETUP: opaqueServer.createServerSetup(),
  ALLOWED_KDF_VERSIONS: '1',
  LOG_LEVEL: 'info',
  SMTP_URL: 'smtp://127.0.0.1:2525',
};

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => Promise.all(dirs.map((d) => d.remove())));

/** Security spec "Production checklist": the server refuses unsafe production start-up. */
describe('production start-up refusals (real processes: one line, exit code 2)', () => {
  const refusals: [string, Record<string, string>, RegExp][] = [
    ['a plain-HTTP PUBLIC_URL', { PUBLIC_URL: 'http://vault.example.com' }, /PUBLIC_URL must be an https:\/\/ URL/],
    ['no way to receive HTTPS', { TRUSTED_PROXIES: '' }, /HTTPS is needed: set TLS_CERT and TLS_KEY .* or TRUSTED_PROXIES/],
    ['LOG_LEVEL debug', { LOG_LEVEL: 'debug' }, /LOG_LEVEL debug is debug output/],
    ['LOG_LEVEL trace', { LOG_LEVEL: 'trace' }, /LOG_LEVEL trace is debug output/],
    ['the test-only KDF profile', { ALLOWED_KDF_VERSIONS: '0,1' }, /ALLOWED_KDF_VERSIONS must not contain 0/],
    ['a missing SERVER_SECRET', { SERVER_SECRET: '' }, /SERVER_SECRET must be supplied as a secret/],
    ['a non-random SERVER_SECRET', { SERVER_SECRET: 'A'.repeat(43) }, /SERVER_SECRET is not random enough/],
    ['a missing OPAQUE_SERVER_SETUP', { OPAQUE_SERVER_SETUP: '' }, /OPAQUE_SERVER_SETUP must be supplied as a secret/],
    ['no SMTP server', { SMTP_URL: '' }, /SMTP_URL must be set/],
    ['RATE_LIMITS=off', { RATE_LIMITS: 'off' }, /RATE_LIMITS=off disables brute-force throttling/],
    ['a plain-HTTP CORS origin', { CORS_ORIGINS: 'http://app.example.com' }, /CORS_ORIGINS must be https:\/\/ origins/],
  ];

  it.each(refusals)('refuses %s', async (_name, change, message) => {
    const dir = await createTempDir();
    dirs.push(dir);
    const r = run(['serve'], { ...SAFE, DATA_DIR: dir.path, PORT: '0', ...change });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ww-server: invalid configuration: NODE_ENV=production refuses to start: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // Exactly the one problem: the safe base has none.
    expect(r.stderr.split('; ')).toHaveLength(1);
    // A refused secret is never echoed.
    expect(r.stderr).not.toContain('A'.repeat(43));
    expect(r.stdout).toBe('');
  });

  it('names every problem at once', () => {
    const r = run(['serve'], { NODE_ENV: 'production', DATA_DIR: '/nonexistent', LOG_LEVEL: 'debug' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    for (const variable of ['PUBLIC_URL', 'HTTPS is needed', 'LOG_LEVEL', 'SERVER_SECRET', 'OPAQUE_SERVER_SETUP']) expect(r.stderr).toContain(variable);
  });

  it('`ww-server secrets` prints values that satisfy production mode, and a safe configuration starts', async () => {
    const r = run(['secrets'], {});
    expect(r.status).toBe(0);
    const generated = Object.fromEntries(r.stdout.trim().split('\n').map((line) => line.split('=', 2) as [string, string]));
    expect(Object.keys(generated)).toEqual(['OPAQUE_SERVER_SETUP', 'SERVER_SECRET']);
    expect(run(['secrets'], {}).stdout).not.toBe(r.stdout);

    const dir = await createTempDir();
    dirs.push(dir);
    // The test talks to it over plain HTTP from 127.0.0.1, so 127.0.0.1 is the "proxy" and an allowed host name
    // (fetch cannot set Host); health probes are exempt from both guards anyway.
    const server = await startServerProcess({ ...SAFE, ...generated, TRUSTED_PROXIES: '127.0.0.1', ALLOWED_HOSTS: '127.0.0.1', DATA_DIR: dir.path });
    try {
      const plain = await fetch(`${server.url}/api/openapi.json?x=1`, { redirect: 'manual' });
      expect(plain.status).toBe(308);
      expect(plain.headers.get('location')).toBe('https://vault.example.com/api/openapi.json?x=1');
      const proxied = await fetch(`${server.url}/api/openapi.json`, { redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } });
      expect(proxied.status).toBe(200);
      expect(proxied.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).not.toContain(generated.SERVER_SECRET);
  });
});

describe('checkProductionConfig', () => {
  it('has nothing to say outside production', () => {
    expect(checkProductionConfig(loadConfig({ LOG_LEVEL: 'trace', ALLOWED_KDF_VERSIONS: '0' }))).toEqual([]);
  });

  it('ADMIN_SECOND_FACTOR: required by default in production mode, optional otherwise; either can be set', () => {
    expect(loadConfig(SAFE).adminSecondFactor).toBe('required');
    expect(loadConfig({ ...SAFE, ADMIN_SECOND_FACTOR: 'optional' }).adminSecondFactor).toBe('optional');
    expect(loadConfig({}).adminSecondFactor).toBe('optional');
    expect(loadConfig({ ADMIN_SECOND_FACTOR: 'required' }).adminSecondFactor).toBe('required');
    expect(() => loadConfig({ ADMIN_SECOND_FACTOR: 'yes' })).toThrow(/ADMIN_SECOND_FACTOR/);
  });

  it('refuses through loadConfig with a ConfigError', () => {
    expect(() => loadConfig({ ...SAFE, LOG_LEVEL: 'debug' })).toThrow(ConfigError);
    expect(loadConfig(SAFE).nodeEnv).toBe('production');
  });

  it('reads Host headers strictly', () => {
    expect(hostName('Vault.Example.COM:443')).toBe('vault.example.com');
    expect(hostName('vault.example.com.')).toBe('vault.example.com');
    expect(hostName('[::1]:8080')).toBe('[::1]');
    for (const bad of ['evil@vault.example.com', 'vault.example.com/x', 'a b', '', 'vault.example.com:80:80']) expect(hostName(bad), bad).toBeUndefined();
  });
});

describe('production request guards (inject)', () => {
  let t: TestApp;
  const proxy = '10.0.0.5';
  beforeAll(async () => {
    t = await createTestApp('sqlite', { ...SAFE, ALLOWED_HOSTS: 'vault-internal.example.net' });
  });
  afterAll(async () => t.close());

  it('redirects plain HTTP to PUBLIC_URL with 308, keeping path and query; X-Forwarded-Proto only from a trusted proxy', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await t.app.inject({ method, url: '/api/v1/items?since=3', remoteAddress: '203.0.113.9', headers: { host: 'vault.example.com' } });
      expect(res.statusCode).toBe(308);
      expect(res.headers.location).toBe('https://vault.example.com/api/v1/items?since=3');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
    // An untrusted peer claiming HTTPS is still redirected.
    const spoofed = await t.app.inject({ method: 'GET', url: '/api/openapi.json', remoteAddress: '203.0.113.9', headers: { host: 'vault.example.com', 'x-forwarded-proto': 'https' } });
    expect(spoofed.statusCode).toBe(308);
    // The trusted proxy saying HTTPS is believed.
    const proxied = await t.app.inject({ method: 'GET', url: '/api/openapi.json', remoteAddress: proxy, headers: { host: 'vault.example.com', 'x-forwarded-proto': 'https' } });
    expect(proxied.statusCode).toBe(200);
    expect(proxied.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('exempts the health probes from the redirect and the Host check', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await t.app.inject({ method: 'GET', url, remoteAddress: '10.0.0.9', headers: { host: '10.0.0.1:8080' } });
      expect(res.statusCode, url).toBe(200);
    }
  });

  it('answers only to PUBLIC_URL\'s host and ALLOWED_HOSTS: anything else is 400 HOST_NOT_ALLOWED', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    for (const host of ['vault.example.com', 'VAULT.example.com:443', 'vault-internal.example.net', 'vault.example.com.']) {
      const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json', remoteAddress: proxy, headers: { ...https, host } });
      expect(res.statusCode, host).toBe(200);
    }
    for (const host of ['evil.example', 'vault.example.com.evil.example', 'evil@vault.example.com', '127.0.0.1']) {
      const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json', remoteAddress: proxy, headers: { ...https, host } });
      expect(res.statusCode, host).toBe(400);
      const body = JSON.parse(res.body) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('HOST_NOT_ALLOWED');
      expect(body.error.requestId).toBe(res.headers['x-request-id']);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.body).not.toContain(host);
    }
    // Behind the trusted proxy, X-Forwarded-Host is the name the client used; from anyone else it is ignored.
    const forwarded = await t.app.inject({ method: 'GET', url: '/api/openapi.json', remoteAddress: proxy, headers: { ...https, host: 'backend:8080', 'x-forwarded-host': 'vault.example.com' } });
    expect(forwarded.statusCode).toBe(200);
    const untrusted = await t.app.inject({ method: 'GET', url: '/api/openapi.json', remoteAddress: '203.0.113.9', headers: { host: 'evil.example', 'x-forwarded-host': 'vault.example.com' } });
    expect(untrusted.statusCode).toBe(400);
  });

  it('development mode keeps neither guard', async () => {
    const dev = await createTestApp('sqlite');
    try {
      const res = await dev.app.inject({ method: 'GET', url: '/api/openapi.json', headers: { host: 'anything.example' } });
      expect(res.statusCode).toBe(200);
    } finally {
      await dev.close();
    }
  });
});

describe('ALLOWED_HOSTS validation', () => {
  it('accepts host names (lower-cased) and refuses ports, paths and wildcards', () => {
    expect(loadConfig({ ALLOWED_HOSTS: 'Vault.Example.com, [::1], 10.0.0.1' }).allowedHosts).toEqual(['vault.example.com', '[::1]', '10.0.0.1']);
    for (const bad of ['vault.example.com:443', '*.example.com', 'https://vault.example.com', 'a/b']) {
      expect(() => loadConfig({ ALLOWED_HOSTS: bad }), bad).toThrow(/^ALLOWED_HOSTS must be host names without port/);
    }
  });
});
