import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { registerAuthentication } from '../../src/http/authenticate.ts';
import type { App, Context } from '../../src/http/types.ts';
import { type TestApp, createTestApp } from '../support/app.ts';

describe('OpenAPI document and route declarations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t.close());

  it('documents every API route with request and response schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');
    const expected: [string, string][] = [
      ['/api/v1/auth/register/start', 'post'],
      ['/api/v1/auth/register/finish', 'post'],
      ['/api/v1/auth/login/start', 'post'],
      ['/api/v1/auth/login/finish', 'post'],
      ['/api/v1/auth/refresh', 'post'],
      ['/api/v1/auth/logout', 'post'],
      ['/api/v1/account', 'get'],
      ['/api/v1/items', 'get'],
      ['/api/v1/items', 'post'],
      ['/api/v1/items/{id}', 'get'],
      ['/api/v1/items/{id}', 'put'],
      ['/api/v1/items/{id}', 'delete'],
      ['/api/v1/items/{id}/restore', 'post'],
      ['/.well-known/jwks.json', 'get'],
      ['/healthz', 'get'],
      ['/readyz', 'get'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op?.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
      if (method === 'post' || method === 'put') {
        if (!path.endsWith('/restore')) expect(op?.requestBody, `${method} ${path} body`).toBeDefined();
      }
    }
  });

  it('a route that does not declare a known permission cannot be registered (deny by default)', async () => {
    const app = Fastify() as unknown as App;
    registerAuthentication(app, {} as Context);
    expect(() => app.get('/api/v1/undeclared', async () => ({}))).toThrow(/GET \/api\/v1\/undeclared does not declare a known permission/);
    expect(() => app.get('/api/v1/typo', { config: { permission: 'pubic' as 'public' } }, async () => ({}))).toThrow(/does not declare a known permission/);
    expect(() => app.get('/api/v1/made-up', { config: { permission: 'users:everything' as 'public' } }, async () => ({}))).toThrow(/does not declare a known permission/);
    expect(() => app.get('/api/v1/declared', { config: { permission: 'public' } }, async () => ({}))).not.toThrow();
    await app.close();
  });

  it('protected routes refuse requests without a bearer token, and tokens in the query string are ignored', async () => {
    for (const [method, url] of [['GET', '/api/v1/account'], ['GET', '/api/v1/items'], ['POST', '/api/v1/auth/logout']] as const) {
      const res = await t.app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('UNAUTHENTICATED');
    }
    // Never treated as a credential: without a header it is unauthenticated (authorisation runs before validation);
    // with one, the unknown query parameter is refused.
    const q = await t.app.inject({ method: 'GET', url: '/api/v1/account?access_token=abc.def.ghi' });
    expect(q.statusCode).toBe(401);
    expect(JSON.parse(q.body).error.code).toBe('UNAUTHENTICATED');
    const basic = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: 'Basic YTpi' } });
    expect(JSON.parse(basic.body).error.code).toBe('INVALID_TOKEN');
  });

  it('publishes the signing key in JWKS without private members', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    const { keys } = JSON.parse(res.body) as { keys: Record<string, string>[] };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const k of keys) {
      for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).not.toHaveProperty(priv);
      expect(k.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });
});
