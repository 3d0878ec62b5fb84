import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../src/config.ts';
import { createTempDir } from '@watchword/testkit';

const tmp = await createTempDir();
afterAll(() => tmp.remove());

describe('configuration', () => {
  it('has the documented defaults and is frozen', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:8080', accessTokenTtlSeconds: 900, databaseUrl: undefined, redisUrl: undefined, dbPoolSize: 30 });
    expect(c.dataDir).toBe(join(process.cwd(), 'data'));
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must use postgres: or postgresql:/],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL is not a valid URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ SERVER_SECRET: 'short' }, /SERVER_SECRET must be at least 32 random bytes/],
    [{ ACCESS_TOKEN_TTL: '86400' }, /ACCESS_TOKEN_TTL must be between 60 and 3600/],
    [{ HOST: 'a b' }, /HOST is not a host name/],
  ])('refuses %o with one clear line', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never repeats a secret back in an error', () => {
    expect(() => loadConfig({ SERVER_SECRET: 'hunter2hunter2' })).toThrow(/SERVER_SECRET/);
    try {
      loadConfig({ SERVER_SECRET: 'hunter2hunter2' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('redacts secrets and passwords in URLs when printed', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://ww:db-pa55@db.internal:5432/ww',
      REDIS_URL: 'redis://:redis-pa55@cache.internal:6379',
      SERVER_SECRET: 'A'.repeat(43),
    });
    const printed = JSON.stringify(redactConfig(c));
    expect(printed).not.toContain('db-pa55');
    expect(printed).not.toContain('redis-pa55');
    expect(printed).not.toContain('A'.repeat(43));
    expect(printed).toContain('db.internal');
    expect(redactConfig(c).serverSecret).toBe('[redacted]');
  });

  it('redacts passwords given as query parameters too (pg reads ?password=, ioredis merges the query into its options)', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://ww@db.internal/ww?password=q-db-pa55&sslmode=require&sslkey=/keys/client.key',
      REDIS_URL: 'rediss://cache.internal:6380/0?password=q-redis-pa55&db=0',
      SERVER_SECRET: 'A'.repeat(43),
    });
    const { databaseUrl, redisUrl } = redactConfig(c) as { databaseUrl: string; redisUrl: string };
    expect(`${databaseUrl} ${redisUrl}`).not.toMatch(/q-db-pa55|q-redis-pa55|client\.key/);
    expect(new URL(databaseUrl).searchParams.get('sslmode')).toBe('require');
    expect(new URL(redisUrl).searchParams.get('db')).toBe('0');
  });

  it('reads CONFIG_FILE, lets the environment win, and rejects unknown keys', () => {
    const file = join(tmp.path, 'ww.json');
    writeFileSync(file, JSON.stringify({ PORT: 9000, LOG_LEVEL: 'warn' }));
    expect(loadConfig({ CONFIG_FILE: file, LOG_LEVEL: 'debug' })).toMatchObject({ port: 9000, logLevel: 'debug' });
    writeFileSync(file, JSON.stringify({ PROT: 9000 }));
    expect(() => loadConfig({ CONFIG_FILE: file })).toThrow(/unknown setting "PROT"/);
    writeFileSync(file, '{not json');
    expect(() => loadConfig({ CONFIG_FILE: file })).toThrow(/could not be read as JSON/);
  });
});

describe('TRUSTED_PROXIES', () => {
  it('accepts addresses and CIDRs, and refuses anything else', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,::1/128' }).trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1', '::1/128']);
    expect(loadConfig({}).trustedProxies).toEqual([]);
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/8/1', '::1/129', '10.0.0.0/x']) {
      expect(() => loadConfig({ TRUSTED_PROXIES: bad })).toThrow(/TRUSTED_PROXIES/);
    }
  });
});

describe('WEBAUTHN_EXTENSION_ORIGINS', () => {
  it('accepts Chromium and Firefox extension origins only', () => {
    const chromium = `chrome-extension://${'a'.repeat(16)}${'p'.repeat(16)}`;
    const firefox = 'moz-extension://0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    expect(loadConfig({ WEBAUTHN_EXTENSION_ORIGINS: `${chromium}, ${firefox}` }).webauthnExtensionOrigins).toEqual([chromium, firefox]);
    expect(loadConfig({}).webauthnExtensionOrigins).toEqual([]);
    for (const bad of ['https://example.com', 'chrome-extension://short', `chrome-extension://${'z'.repeat(32)}`, `chrome-extension://${'a'.repeat(32)}/`, '*', 'moz-extension://not-a-uuid']) {
      expect(() => loadConfig({ WEBAUTHN_EXTENSION_ORIGINS: bad }), bad).toThrow(/WEBAUTHN_EXTENSION_ORIGINS/);
    }
  });
});

describe('CLOCK_TOLERANCE', () => {
  it('defaults to 30 s, is bounded, and reaches token verification', async () => {
    expect(loadConfig({}).clockToleranceSeconds).toBe(30);
    expect(loadConfig({ CLOCK_TOLERANCE: '5' }).clockToleranceSeconds).toBe(5);
    expect(() => loadConfig({ CLOCK_TOLERANCE: '3600' })).toThrow(/CLOCK_TOLERANCE must be between 0 and 300/);
    const { createTestApp } = await import('@watchword/testkit/app');
    const t = await createTestApp('sqlite', { CLOCK_TOLERANCE: '5' });
    try {
      const { WatchwordClient } = await import('@watchword/client');
      const client = new WatchwordClient({ passwordPolicy: false,  serverUrl: 'http://watchword.test', fetch: t.fetch, kdfVersion: 0, dpop: false });
      await client.register({ email: 'clock@example.com', password: 'clock passphrase' });
      const v = await client.login({ email: 'clock@example.com', password: 'clock passphrase' });
      const headers = { authorization: `Bearer ${v.session.tokens.accessToken}` };
      t.clock.advance(900_000 + 4_000); // expired 4 s ago: within 5 s
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/account', headers })).statusCode).toBe(200);
      t.clock.advance(2_000); // 6 s past expiry
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/account', headers })).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});
