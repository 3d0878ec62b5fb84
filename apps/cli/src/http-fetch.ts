import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FetchLike } from '@watchword/client';

/**
 * The SDK's requests over node:http(s) instead of the global fetch. Node loads its fetch (undici) on first use, and
 * that load was the largest single cost of a warm `ww get` (docs/performance.md, "Large vaults, client side"); a CLI
 * command makes a few requests to one server, which node:http serves with none of it. It answers only what the SDK
 * reads of a Response: status, ok, type, headers.get, text() and json(). Redirects are never followed (the SDK asks
 * for `redirect: 'manual'` and refuses them); compressed answers (gzip, br) are decompressed with node:zlib, loaded
 * only when one comes.
 */
export const nodeFetch: FetchLike = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, br', ...(init.headers as Record<string, string> | undefined) };
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request(url, { method: init.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        decode(Buffer.concat(chunks), String(res.headers['content-encoding'] ?? ''))
          .then((text) => {
            const status = res.statusCode ?? 0;
            const answer = {
              status,
              ok: status >= 200 && status < 300,
              type: 'basic',
              headers: { get: (name: string) => headerValue(res.headers[name.toLowerCase()]) },
              text: () => Promise.resolve(text),
              json: () => Promise.resolve(JSON.parse(text) as unknown),
            };
            resolve(answer as unknown as Response);
          })
          .catch(reject);
      });
    });
    req.on('error', reject);
    req.end(body);
  });

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

async function decode(raw: Buffer, encoding: string): Promise<string> {
  if (encoding === '' || encoding === 'identity') return raw.toString('utf8');
  const zlib = await import('node:zlib');
  if (encoding === 'gzip') return zlib.gunzipSync(raw).toString('utf8');
  if (encoding === 'br') return zlib.brotliDecompressSync(raw).toString('utf8');
  throw new Error(`unsupported content-encoding ${encoding}`);
}
