import { readFileSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/** The shared autofill corpus (Bitwarden's test pages), next to the repository: never copied, never edited. */
export const CORPUS = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'fixtures', 'autofill');
/** Our own scenario pages (for what the corpus does not cover). */
export const OWN_PAGES = join(import.meta.dirname, '..', 'pages');

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json' };

/**
 * A static server for the test site: the corpus at `/`, our pages at `/own/`. A POST (the upstream pages' own
 * fetch submissions) is answered 501, never with a redirect, so no page navigates away.
 */
export async function startSite(): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(501).end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [base, rel] = path.startsWith('/own/') ? [OWN_PAGES, path.slice(5)] : [CORPUS, path.slice(1)];
    const file = normalize(join(base, rel));
    if (!file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}
