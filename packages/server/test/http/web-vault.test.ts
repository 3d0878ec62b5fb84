import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CSP, WEB_VAULT_CSP } from '../../src/http/security-headers.ts';
import { ASSET_CACHE_CONTROL, BUILD_COMMAND } from '../../src/modules/web/routes.ts';
import { createTempDir } from '@watchword/testkit';
import { createTestApp, type TestApp } from '@watchword/testkit/app';

/** A stand-in for apps/web/dist: what Vite writes, plus things that must never be served. */
async function fixtureDist() {
  const tmp = await createTempDir();
  const dist = join(tmp.path, 'dist');
  mkdirSync(join(dist, 'assets', 'nested'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Watchword</title><script type="module" src="/assets/index-AbC123.js"></script>');
  writeFileSync(join(dist, 'assets', 'index-AbC123.js'), `export const x = ${JSON.stringify('a'.repeat(5000))};`);
  writeFileSync(join(dist, 'assets', 'index-Zz9.css'), 'body{color:red}');
  writeFileSync(join(dist, 'assets', 'opaque-1.wasm'), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  writeFileSync(join(dist, 'assets', 'icon-2.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, 'assets', 'logo-3.png'), new Uint8Array([137, 80, 78, 71]));
  writeFileSync(join(dist, 'assets', 'font-4.woff2'), new Uint8Array([119, 79, 70, 50]));
  writeFileSync(join(dist, 'assets', 'nested', 'deep.js'), 'export {};');
  // The installable app's files (apps/web pwa/plugin.ts).
  writeFileSync(join(dist, 'sw.js'), "self.addEventListener('fetch', () => {});");
  writeFileSync(join(dist, 'manifest.webmanifest'), JSON.stringify({ name: 'Watchword', start_url: '/' }));
  // Outside assets/: never served, whatever the path.
  writeFileSync(join(dist, 'secret.txt'), 'not for the web');
  writeFileSync(join(tmp.path, 'outside.txt'), 'not for the web either');
  return { dist, tmp };
}

describe('web vault static files', () => {
  let t: TestApp;
  let fixture: Awaited<ReturnType<typeof fixtureDist>>;

  beforeAll(async () => {
    fixture = await fixtureDist();
    t = await createTestApp('sqlite', { WEB_VAULT_DIR: fixture.dist });
  });
  afterAll(async () => {
    await t.close();
    await fixture.tmp.remove();
  });

  it('serves the page at / and /index.html: revalidated every time, with the web vault CSP and the other security headers', async () => {
    for (const url of ['/', '/index.html', '/?utm_source=mail']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(WEB_VAULT_CSP);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.body).toContain('<title>Watchword</title>');
    }
    const head = await t.app.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers 304 to a matching If-None-Match (RFC 9110 §13.1.2)', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await t.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers['content-security-policy']).toBe(WEB_VAULT_CSP);
  });

  it('serves hashed assets with long-lived immutable caching and the right content types', async () => {
    const types: Record<string, string> = {
      'index-AbC123.js': 'text/javascript; charset=utf-8',
      'index-Zz9.css': 'text/css; charset=utf-8',
      'opaque-1.wasm': 'application/wasm',
      'icon-2.svg': 'image/svg+xml',
      'logo-3.png': 'image/png',
      'font-4.woff2': 'font/woff2',
    };
    for (const [name, type] of Object.entries(types)) {
      const res = await t.app.inject({ method: 'GET', url: `/assets/${name}` });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type'], name).toBe(type);
      expect(res.headers['cache-control'], name).toBe(ASSET_CACHE_CONTROL);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // A file opened on its own is not a vault page: it keeps the API's deny-everything policy.
      expect(res.headers['content-security-policy']).toBe(API_CSP);
    }
  });

  it('gzips compressible files when the client accepts it', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/assets/index-AbC123.js' });
    const zipped = await t.app.inject({ method: 'GET', url: '/assets/index-AbC123.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    const refused = await t.app.inject({ method: 'GET', url: '/assets/index-AbC123.js', headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    // Too small to be worth it: sent as is.
    const small = await t.app.inject({ method: 'GET', url: '/assets/index-Zz9.css', headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('serves only the files listed at start-up: no traversal, no sub-directories, nothing outside assets/', async () => {
    writeFileSync(join(fixture.dist, 'assets', 'added-later.js'), 'export {};');
    for (const url of [
      '/assets/added-later.js',
      '/assets/nope.js',
      '/assets/nested',
      '/assets/nested/deep.js',
      '/assets/..%2Fsecret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/..%2F..%2Foutside.txt',
      '/assets/..\\secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/secret.txt',
      '/assets/',
      '/assets/__proto__',
      '/assets/constructor',
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(JSON.parse(res.body).error.code, url).toBe('NOT_FOUND');
      expect(res.body).not.toContain('not for the web');
    }
  });

  it('serves the service worker and the manifest from the root, revalidated every time, under the web vault CSP', async () => {
    const types: Record<string, string> = { '/sw.js': 'text/javascript; charset=utf-8', '/manifest.webmanifest': 'application/manifest+json; charset=utf-8' };
    for (const [url, type] of Object.entries(types)) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(WEB_VAULT_CSP);
    }
    // The worker and the manifest are allowed by name, from this origin only.
    expect(WEB_VAULT_CSP).toContain("worker-src 'self'");
    expect(WEB_VAULT_CSP).toContain("manifest-src 'self'");
  });

  it('keeps the static routes out of the OpenAPI document', async () => {
    const doc = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).body) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/assets') || p === '/index.html')).toEqual([]);
  });
});

describe('web vault with the gzipped copies the build writes', () => {
  let t: TestApp;
  let fixture: Awaited<ReturnType<typeof fixtureDist>>;
  const script = `export const y = ${JSON.stringify('b'.repeat(8000))};`;

  beforeAll(async () => {
    fixture = await fixtureDist();
    const assets = join(fixture.dist, 'assets');
    writeFileSync(join(assets, 'main-Q1.js'), script);
    writeFileSync(join(assets, 'main-Q1.js.gz'), gzipSync(script, { level: 9 }));
    // A copy older than its file (the file was replaced after the build) is not used.
    writeFileSync(join(assets, 'stale-Q2.js'), script);
    writeFileSync(join(assets, 'stale-Q2.js.gz'), gzipSync('export const stale = true;'.repeat(100)));
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(assets, 'stale-Q2.js.gz'), past, past);
    // A copy with no file of its own is not a file either.
    writeFileSync(join(assets, 'orphan-Q3.js.gz'), gzipSync('export {};'));
    t = await createTestApp('sqlite', { WEB_VAULT_DIR: fixture.dist });
  });
  afterAll(async () => {
    await t.close();
    await fixture.tmp.remove();
  });

  it('sends the copy as it is to clients that take gzip, and its unzipped bytes to those that do not, under one validator', async () => {
    const copy = readFileSync(join(fixture.dist, 'assets', 'main-Q1.js.gz'));
    const zipped = await t.app.inject({ method: 'GET', url: '/assets/main-Q1.js', headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.rawPayload.equals(copy)).toBe(true);
    const plain = await t.app.inject({ method: 'GET', url: '/assets/main-Q1.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.body).toBe(script);
    expect(plain.headers.etag).toBe(zipped.headers.etag);
    const notModified = await t.app.inject({ method: 'GET', url: '/assets/main-Q1.js', headers: { 'if-none-match': plain.headers.etag as string } });
    expect(notModified.statusCode).toBe(304);
  });

  it('ignores a copy older than its file, and never serves a copy under its own name', async () => {
    const stale = await t.app.inject({ method: 'GET', url: '/assets/stale-Q2.js', headers: { 'accept-encoding': 'gzip' } });
    expect(stale.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(stale.rawPayload).toString('utf8')).toBe(script);
    for (const url of ['/assets/main-Q1.js.gz', '/assets/stale-Q2.js.gz', '/assets/orphan-Q3.js.gz', '/assets/orphan-Q3.js']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });
});

describe('web vault not built', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { WEB_VAULT_DIR: '/nonexistent/watchword-web-dist' });
  });
  afterAll(async () => t.close());

  it('answers / with a 503 naming the build command, and logs it at start-up', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    const body = JSON.parse(res.body) as { error: { code: string; details: { reason: string } } };
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.error.details.reason).toContain(BUILD_COMMAND);
    expect(BUILD_COMMAND).toBe('npm run build -w @watchword/web');
    expect((await t.app.inject({ method: 'GET', url: '/assets/index.js' })).statusCode).toBe(404);
    expect(t.logs.some((l) => l.includes('the web vault is not built'))).toBe(true);
  });
});
