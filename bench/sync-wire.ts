// `npm run bench:sync`: the full sync of 10,000 and 50,000 items on SQLite — bytes on the wire with identity, gzip
// and br, p50 of a whole answer received, and the server's RSS idle, during the syncs and after (docs/performance.md
// "Full sync"). One scenario set, so it can run on its own on a loaded machine. `--quick`: 1,000 and 5,000 items.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchwordClient } from '@watchword/client';
import { startServer } from './lib/processes.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../scripts/ensure-server-build.ts';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [1_000, 5_000] : [10_000, 50_000];
const RUNS = quick ? 3 : 7;
/** `--server-flag=--max-semi-space-size=2` (repeatable): Node flags for the server process, for memory experiments. */
const SERVER_FLAGS = process.argv.filter((a) => a.startsWith('--server-flag=')).map((a) => a.slice('--server-flag='.length));
/** `--server-env=MALLOC_ARENA_MAX=2` (repeatable): environment for the server process, for allocator experiments. */
const SERVER_ENV = Object.fromEntries(
  process.argv.filter((a) => a.startsWith('--server-env=')).map((a) => a.slice('--server-env='.length).split(/=(.*)/s).slice(0, 2) as [string, string]),
);
const log = (msg: string) => process.stderr.write(`bench:sync: ${msg}\n`);

/** One GET to the end of the body: wire bytes (as sent, before any decoding) and milliseconds. */
function fetchRaw(url: string, headers: Record<string, string>): Promise<{ bytes: number; ms: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        resolve({ bytes, ms: performance.now() - started, encoding: String(res.headers['content-encoding'] ?? 'identity') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

await ensureServerBuild();
const dataDir = mkdtempSync(join(tmpdir(), 'ww-bench-sync-'));
const server = await startServer(SERVER_BUNDLE, ['serve'], {
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ALLOWED_KDF_VERSIONS: '0,1',
  ACCESS_TOKEN_TTL: '3600',
  RATE_LIMIT_READ_PER_MINUTE: '100000',
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  RATE_LIMIT_WRITE_PER_MINUTE: '100000',
  ...SERVER_ENV,
}, undefined, SERVER_FLAGS);
const rows: Record<string, unknown>[] = [];
try {
  await new Promise((r) => setTimeout(r, 1000));
  const idleRssMb = server.rssBytes() / 2 ** 20;
  log(`idle RSS ${idleRssMb.toFixed(1)} MB`);
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false });
  for (const size of SIZES) {
    const account = { email: `sync${size}@example.com`, password: `sync password ${size}` };
    await client().register(account);
    const vault = await client().login(account);
    log(`seeding ${size} items`);
    for (let done = 0; done < size; done += 5_000) {
      await vault.addMany(Array.from({ length: Math.min(5_000, size - done) }, (_, i) => ({
        type: 'login' as const, name: `site ${done + i}`, fields: [], login: { username: `user${done + i}`, password: `pw-${done + i}-${Math.random()}`, urls: [`https://site${done + i}.example`] },
      })));
    }
    const auth = { authorization: `Bearer ${vault.session.tokens.accessToken}` };
    const before = server.rssBytes() / 2 ** 20;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssBytes())), 10);
    for (const encoding of ['identity', 'gzip', 'br']) {
      const times: number[] = [];
      let bytes = 0;
      let got = '';
      for (let i = 0; i < RUNS; i++) {
        const r = await fetchRaw(`${server.url}/api/v1/items`, { ...auth, 'accept-encoding': encoding });
        times.push(r.ms);
        bytes = r.bytes;
        got = r.encoding;
      }
      rows.push({ items: size, encoding: got, wireMB: +(bytes / 2 ** 20).toFixed(2), p50ms: Math.round(median(times)) });
      log(`${size} items, ${got}: ${(bytes / 2 ** 20).toFixed(2)} MB, p50 ${Math.round(median(times))} ms`);
    }
    clearInterval(sampler);
    rows.push({ items: size, rssBeforeMB: +before.toFixed(1), rssPeakDuringMB: +(peak / 2 ** 20).toFixed(1), idleRssMB: +idleRssMb.toFixed(1) });
  }
  await new Promise((r) => setTimeout(r, 2000));
  rows.push({ rssAfterMB: +(server.rssBytes() / 2 ** 20).toFixed(1) });
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(rows, null, 1));
