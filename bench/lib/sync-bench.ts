// Large vaults, server side (issue 23; docs/performance.md "Full sync of large vaults"): the full sync of each vault
// size (p50 of whole answers, bytes on the wire per coding), the server's RSS while it answers them, and a bulk add,
// each with a same-run baseline. Used by `npm run bench` (a full run) and `npm run bench:sync` (alone).
import { request } from 'node:http';
import { type ItemContent, encryptItem, importAesKey } from '@watchword/protocol';
import { WatchwordClient } from '@watchword/client';
import type { TargetCheck } from './targets.ts';

export type Coding = 'identity' | 'gzip' | 'br';

export interface SyncRow {
  items: number;
  scenario: string;
  value: number;
  unit: 'ms' | 'MB' | 's';
  /** The same-run baseline in the same unit, what it is, and value ÷ baseline. */
  baseline?: number;
  baselineOf?: string;
  ratio?: number;
}

export interface SyncBenchServer {
  url: string;
  rssBytes(): number;
  /** CPU time the server process has used, ms: per sync, steadier than the wall time on a shared machine. */
  cpuMs(): number;
}

const MB = 2 ** 20;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function content(n: number): ItemContent {
  return { type: 'login', name: `site ${n}`, fields: [], login: { username: `user${n}`, password: `pw-${n}-${Math.random().toString(36).slice(2)}`, urls: [`https://site${n}.example`] } };
}

/** One full sync to the end of its body, with node:http (no decoding): bytes as sent, milliseconds, the coding used. */
export function fetchRaw(url: string, headers: Record<string, string>): Promise<{ bytes: number; ms: number; coding: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        resolve({ bytes, ms: performance.now() - started, coding: String(res.headers['content-encoding'] ?? 'identity') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const client = (url: string) => new WatchwordClient({ passwordPolicy: false, serverUrl: url, kdfVersion: 0, dpop: false });

async function account(url: string, label: string) {
  const credentials = { email: `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`, password: `sync bench ${label}` };
  await client(url).register(credentials);
  return client(url).login(credentials);
}

/** p50, bytes and the server's mean CPU time of `runs` full syncs with one Accept-Encoding. */
async function syncs(server: SyncBenchServer, token: string, coding: Coding, runs: number): Promise<{ p50: number; bytes: number; coding: string; cpuMs: number }> {
  const times: number[] = [];
  let last = { bytes: 0, coding: '' };
  const cpu0 = server.cpuMs();
  for (let i = 0; i < runs; i++) {
    const r = await fetchRaw(`${server.url}/api/v1/items`, { authorization: `Bearer ${token}`, 'accept-encoding': coding });
    times.push(r.ms);
    last = r;
  }
  return { p50: median(times), bytes: last.bytes, coding: last.coding, cpuMs: (server.cpuMs() - cpu0) / runs };
}

export interface SyncBenchOptions {
  sizes: readonly number[];
  /** Whole answers per coding and size; the p50 is taken over them. */
  runs: number;
  codings: readonly Coding[];
  /** The server's RSS before any work, MB: the baseline of the RSS rows. */
  idleRssMb: number;
  /** Items of the bulk-add row (none when 0). */
  bulkAdd: number;
  log?: (message: string) => void;
}

/**
 * Rows, in order: the empty-vault sync (the baseline of the p50 and CPU rows); per size, the p50 per coding and the
 * server's CPU time per sync (against the empty vault's), the wire bytes per coding (against identity's), the
 * server's peak RSS while the syncs ran (against idle); then the bulk add (`Vault.addMany`) against encrypting the same items alone in this process (the client's
 * floor: what is left is the wire and the server).
 */
export async function measureLargeVaults(server: SyncBenchServer, options: SyncBenchOptions): Promise<SyncRow[]> {
  const log = options.log ?? (() => {});
  const rows: SyncRow[] = [];
  const empty = await account(server.url, 'sync-empty');
  // Twenty times the runs: an empty sync's CPU is well under the process clock's 10 ms tick.
  const emptySync = await syncs(server, empty.session.tokens.accessToken, 'identity', options.runs * 20);
  rows.push({ items: 0, scenario: 'full sync p50, empty vault (baseline)', value: emptySync.p50, unit: 'ms' });
  rows.push({ items: 0, scenario: 'server CPU per sync, empty vault (baseline)', value: emptySync.cpuMs, unit: 'ms' });
  for (const size of options.sizes) {
    const vault = await account(server.url, `sync${size}`);
    log(`seeding ${size} items`);
    for (let done = 0; done < size; done += 5_000) {
      await vault.addMany(Array.from({ length: Math.min(5_000, size - done) }, (_, i) => content(done + i)));
    }
    const token = vault.session.tokens.accessToken;
    let peak = server.rssBytes();
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssBytes())), 10);
    const byCoding = new Map<Coding, { p50: number; bytes: number; cpuMs: number }>();
    try {
      for (const coding of options.codings) {
        const r = await syncs(server, token, coding, options.runs);
        if ((r.coding === 'identity') !== (coding === 'identity') || (coding !== 'identity' && r.coding !== coding)) throw new Error(`asked for ${coding}, got ${r.coding}`);
        byCoding.set(coding, r);
        log(`${size} items, ${coding}: ${(r.bytes / MB).toFixed(2)} MB, p50 ${r.p50.toFixed(0)} ms, server CPU ${r.cpuMs.toFixed(0)} ms per sync`);
      }
    } finally {
      clearInterval(sampler);
    }
    for (const [coding, r] of byCoding) {
      rows.push({ items: size, scenario: `full sync p50, ${coding}`, value: r.p50, unit: 'ms', baseline: emptySync.p50, baselineOf: 'empty vault', ratio: r.p50 / emptySync.p50 });
    }
    for (const [coding, r] of byCoding) {
      // Zero when the process's CPU clock (10 ms ticks) did not move: no row then, rather than a ratio of nothing.
      if (r.cpuMs > 0 && emptySync.cpuMs > 0) rows.push({ items: size, scenario: `server CPU per sync, ${coding}`, value: r.cpuMs, unit: 'ms', baseline: emptySync.cpuMs, baselineOf: 'empty vault', ratio: r.cpuMs / emptySync.cpuMs });
    }
    const identityBytes = byCoding.get('identity')?.bytes;
    for (const [coding, r] of byCoding) {
      rows.push({
        items: size,
        scenario: `wire bytes, ${coding}`,
        value: r.bytes / MB,
        unit: 'MB',
        ...(identityBytes === undefined ? {} : { baseline: identityBytes / MB, baselineOf: 'identity', ratio: r.bytes / identityBytes }),
      });
    }
    const peakMb = peak / MB;
    rows.push({ items: size, scenario: 'server RSS peak during the syncs', value: peakMb, unit: 'MB', baseline: options.idleRssMb, baselineOf: 'idle', ratio: peakMb / options.idleRssMb });
  }
  if (options.bulkAdd > 0) rows.push(await measureBulkAdd(server.url, options.bulkAdd, log));
  return rows;
}

/** `Vault.addMany` of `count` items into a new account, against encrypting the same items alone in this process. */
async function measureBulkAdd(url: string, count: number, log: (message: string) => void): Promise<SyncRow> {
  const contents = Array.from({ length: count }, (_, n) => content(n));
  const key = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  const vaultId = crypto.randomUUID();
  const encryptStarted = performance.now();
  await Promise.all(contents.map((c) => encryptItem({ vaultKey: key, userId: 'bench', vaultId, itemId: crypto.randomUUID(), revision: 1, content: c })));
  const encryptS = (performance.now() - encryptStarted) / 1000;
  const vault = await account(url, `bulk${count}`);
  const started = performance.now();
  const added = await vault.addMany(contents);
  const seconds = (performance.now() - started) / 1000;
  if (added.length !== count) throw new Error(`bulk add: ${added.length} of ${count} stored`);
  log(`bulk add of ${count}: ${seconds.toFixed(2)} s (encrypting alone ${encryptS.toFixed(2)} s)`);
  return { items: count, scenario: 'bulk add (Vault.addMany)', value: seconds, unit: 's', baseline: encryptS, baselineOf: 'encrypt only', ratio: seconds / encryptS };
}

/** The RSS after all the work against idle: the last row of a run. */
export function rssAfterRow(server: SyncBenchServer, idleRssMb: number): SyncRow {
  const mb = server.rssBytes() / MB;
  return { items: 0, scenario: 'server RSS after the run', value: mb, unit: 'MB', baseline: idleRssMb, baselineOf: 'idle', ratio: mb / idleRssMb };
}

const find = (rows: readonly SyncRow[], items: number, scenario: string) => rows.find((r) => r.items === items && r.scenario === scenario);
const fixed = (n: number | undefined, d: number, unit: string) => (n === undefined || !Number.isFinite(n) ? 'not measured' : `${n.toFixed(d)}${unit}`);
const within = (value: number | undefined, ok: (v: number) => boolean) => (value === undefined || !Number.isFinite(value) ? null : ok(value));

/** Issue 23's server-side targets, checked on these rows (null: the run did not measure that size). */
export function checkLargeVaultTargets(rows: readonly SyncRow[]): TargetCheck[] {
  const br = find(rows, 50_000, 'full sync p50, br');
  const bytes = find(rows, 50_000, 'wire bytes, br');
  const peak = find(rows, 50_000, 'server RSS peak during the syncs');
  const after = find(rows, 0, 'server RSS after the run');
  const bulk = find(rows, 10_000, 'bulk add (Vault.addMany)');
  return [
    { target: 'full sync of 50,000 items, br, p50 ≤ 400 ms', measured: fixed(br?.value, 0, ' ms'), met: within(br?.value, (v) => v <= 400) },
    { target: 'full sync of 50,000 items, br bytes ≤ 50 % of identity', measured: fixed((bytes?.ratio ?? Number.NaN) * 100, 0, ' %'), met: within(bytes?.ratio, (v) => v <= 0.5) },
    { target: 'server RSS during the 50,000-item syncs ≤ 1.5× idle', measured: fixed(peak?.ratio, 2, '×'), met: within(peak?.ratio, (v) => v <= 1.5) },
    { target: 'server RSS after the run ≤ 1.5× idle', measured: fixed(after?.ratio, 2, '×'), met: within(after?.ratio, (v) => v <= 1.5) },
    { target: 'bulk add of 10,000 items (Vault.addMany) ≤ 2 s', measured: fixed(bulk?.value, 2, ' s'), met: within(bulk?.value, (v) => v <= 2) },
  ];
}

export function formatSyncRows(rows: readonly SyncRow[]): string[] {
  return rows.map((r) => {
    const value = `${r.value.toFixed(r.unit === 'ms' ? 1 : 2)} ${r.unit}`;
    const against = r.baseline === undefined ? '' : `   ${r.ratio?.toFixed(2)}× ${r.baselineOf} (${r.baseline.toFixed(r.unit === 'ms' ? 1 : 2)} ${r.unit})`;
    return `${String(r.items).padStart(7)}  ${r.scenario.padEnd(44)} ${value.padStart(12)}${against}`;
  });
}
