/**
 * Route schemas compile on first use (http/lazy-schemas.ts): every route's validators and serializers must still
 * compile, and a lazily compiled validator must refuse and report exactly like an eager one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileAllSchemas } from '../../src/app.ts';
import { routeTable } from '../../src/http/authenticate.ts';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

describe('lazily compiled route schemas', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  it('compiles nothing at start-up, and every schema of every route compiles', async () => {
    t = await createTestApp('sqlite');
    expect(routeTable(t.app).length).toBeGreaterThan(50);
    // Start-up only built placeholders: forcing them compiles one or more schemas per route (body, params,
    // query, each response status) — and throws if any of them is broken.
    const compiled = compileAllSchemas(t.app);
    expect(compiled).toBeGreaterThan(routeTable(t.app).length);
    expect(compileAllSchemas(t.app)).toBe(0);
  });

  it('validates on first use with the configured Ajv options: unknown fields and wrong types refused, nothing coerced', async () => {
    t = await createTestApp('sqlite');
    const send = (payload: unknown) => t?.app.inject({ method: 'POST', url: '/api/v1/auth/login/start', payload: payload as object });
    const unknown = await send({ email: 'a@example.com', startLoginRequest: 'AAAA', isAdmin: true });
    expect(unknown?.statusCode).toBe(400);
    expect(JSON.parse(unknown?.body ?? '{}').error.code).toBe('UNKNOWN_FIELD');
    const wrongType = await send({ email: 12345, startLoginRequest: 'AAAA' });
    expect(wrongType?.statusCode).toBe(400);
    expect(JSON.parse(wrongType?.body ?? '{}').error.code).toBe('VALIDATION_FAILED');
  });
});
