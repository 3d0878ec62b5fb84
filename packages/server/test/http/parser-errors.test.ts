import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../src/http/security-headers.ts';
import { type TestApp, createTestApp } from '@watchword/testkit/app';

/** Writes raw bytes to the server and reads until it closes the connection. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

function parse(response: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** Node's HTTP parser refuses some requests before Fastify sees them: they get the error shape and headers too. */
describe("Node's HTTP-parser errors", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => t.close());

  const cases = [
    {
      name: 'Content-Length together with Transfer-Encoding (request smuggling)',
      bytes: 'POST /api/v1/auth/login/start HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    { name: 'a malformed request line', bytes: 'GET /healthz HTTP/9\r\n\r\n', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a header block over the limit', bytes: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'HEADERS_TOO_LARGE' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code} with a request id and the security headers`, async () => {
      const res = parse(await raw(port, c.bytes));
      expect(res.status).toBe(c.status);
      const body = JSON.parse(res.body) as { error: { code: string; message: string; requestId: string } };
      expect(body.error.code).toBe(c.code);
      expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-request-id']).toBe(body.error.requestId);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name], name).toBe(value);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(t.logs.some((l) => l.includes('request rejected by the HTTP parser') && l.includes(body.error.requestId))).toBe(true);
    });
  }

  it('the server goes on answering afterwards', async () => {
    const res = parse(await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(res.status).toBe(200);
  });
});
