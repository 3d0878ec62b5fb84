import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

const APP = 'https://app.example.com';
const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((h) => h.startsWith('access-control-'));
const preflight = (origin: string, url = '/api/v1/items') => ({
  method: 'OPTIONS' as const,
  url,
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, dpop' },
});

describe('CORS closed by default', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t.close());

  it('sends no CORS header to any origin, and answers no preflight', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: APP } });
    expect(res.statusCode).toBe(200);
    expect(corsHeaders(res.headers)).toEqual([]);
    const pre = await t.app.inject(preflight(APP));
    expect(pre.statusCode).toBe(404);
    expect(corsHeaders(pre.headers)).toEqual([]);
  });
});

describe('CORS_ORIGINS allow-list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { CORS_ORIGINS: `${APP}, http://localhost:5173` });
  });
  afterAll(async () => t.close());

  it('an allowed origin gets its own origin back (never *), the exposed headers, and no credentials mode', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: APP } });
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-expose-headers']).toBe('dpop-nonce, x-request-id, retry-after');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(res.headers.vary)).toMatch(/origin/i);
    // Errors are readable by the allowed origin too (the client switches on the code).
    const err = await t.app.inject({ method: 'GET', url: '/api/v1/items', headers: { origin: 'http://localhost:5173' } });
    expect(err.statusCode).toBe(401);
    expect(err.headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('any other origin gets no CORS header: exact match only', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'https://APP.example.com', 'null']) {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin } });
      expect(res.statusCode).toBe(200);
      expect(corsHeaders(res.headers), origin).toEqual([]);
    }
  });

  it('answers an allowed preflight before authentication, with the headers the SDK sends', async () => {
    const res = await t.app.inject(preflight(APP));
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
    expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type, dpop');
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('refuses a preflight from another origin (no CORS headers)', async () => {
    const res = await t.app.inject(preflight('https://evil.example'));
    expect(res.statusCode).toBe(404);
    expect(corsHeaders(res.headers)).toEqual([]);
  });
});

describe('CORS_ORIGINS validation', () => {
  it('accepts exact origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it.each(['*', 'https://a.example/', 'https://a.example/path', 'a.example', 'ftp://a.example', 'https://user@a.example', 'https://a.example:443'])(
    'refuses %s',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/^CORS_ORIGINS /);
    },
  );
});
