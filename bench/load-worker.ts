// Load generator process (autocannon), pinned to its own core. Reads a job on stdin, prints one JSON result line.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

interface Job {
  url: string;
  scenario: 'get' | 'create' | 'update';
  path?: string;
  durationSeconds: number;
  connections: number;
  headers?: Record<string, string>;
  vaultId?: string;
  blob?: string;
  items?: { id: string; revision: number }[];
}

const job = JSON.parse(await new Response(process.stdin as unknown as ReadableStream).text()) as Job;

const requests: autocannon.Request[] = [];
if (job.scenario === 'get') {
  requests.push({ method: 'GET', path: job.path ?? '/', headers: job.headers });
} else if (job.scenario === 'create') {
  requests.push({
    method: 'POST',
    path: '/api/v1/items',
    headers: { ...job.headers, 'content-type': 'application/json' },
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ id: randomUUID(), vaultId: job.vaultId, data: job.blob }) }),
  });
} else {
  // Items are updated round-robin; with 4× more items than connections, an item's previous update has always
  // completed before it comes round again, so each request carries the current revision (no conflicts).
  const items = job.items ?? [];
  let turn = 0;
  requests.push({
    method: 'PUT',
    headers: { ...job.headers, 'content-type': 'application/json' },
    setupRequest: (req) => {
      const item = items[turn++ % items.length] as { id: string; revision: number };
      const body = JSON.stringify({ revision: item.revision, data: job.blob });
      item.revision += 1;
      return { ...req, path: `/api/v1/items/${item.id}`, body };
    },
  });
}

// autocannon's own histogram keeps whole milliseconds (a sub-millisecond read shows as p50 0): the latencies of the
// 2xx answers (as autocannon counts them) are kept here at full resolution instead.
const latencies: number[] = [];
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon({ url: job.url, connections: job.connections, duration: job.durationSeconds, requests }, (error, r) => (error ? reject(error) : resolve(r)));
  instance.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
  });
});
const sorted = Float64Array.from(latencies).sort();
/** The nearest-rank percentile (NaN without samples). */
const percentile = (p: number) => (sorted.length === 0 ? Number.NaN : (sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number));
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p50: percentile(50),
    p99: percentile(99),
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  })}\n`,
);
