// The client side of large vaults (issue 23; docs/performance.md "Large vaults"): decrypt per item, bulk add, the
// CLI's start and a warm-cache `ww get` / `ww list --search`, each at the given vault sizes, with same-run baselines:
// bare WebCrypto over the same blobs for decrypt, `node -e 0` for the CLI's start.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AccountResponse, type Item, type ItemContent, decryptItem, encryptItem, fromBase64Url, importAesKey, utf8 } from '@watchword/protocol';
import { WatchwordClient, applySync, decryptBatch, openIndexedCache, openVaultSnapshot, sealIndexedCache, sealVaultSnapshot } from '@watchword/client';
// @ts-expect-error plain .mjs without types (it must run on any old Node)
import { withCompileCache } from '../../scripts/launch.mjs';
import type { TargetCheck } from './targets.ts';
import { personalItemAadText, personalVaultBlobs } from './vault-blobs.ts';

export interface ClientRow {
  items: number;
  scenario: string;
  /** What the row measures, in its unit. */
  value: number;
  unit: 'µs/item' | 'ms' | 's';
  /** The same-run baseline in the same unit, and value ÷ baseline. */
  baseline?: number;
  ratio?: number;
  note?: string;
}

const WW = join(import.meta.dirname, '..', '..', 'apps', 'cli', 'bin', 'ww.mjs');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function content(n: number): ItemContent {
  return { type: 'login', name: `site ${n}`, fields: [], login: { username: `user${n}`, password: `pw-${n}-${Math.random().toString(36).slice(2)}`, urls: [`https://site${n}.example`] } };
}

function timed(args: string[], env: Record<string, string>, stdin = ''): { ms: number; stdout: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { env: withCompileCache({ PATH: process.env.PATH ?? '', ...env }), input: stdin, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** The CLI's start (`ww --version`) against a bare `node -e 0`, median of `runs`; the first run warms the compile cache. */
export function measureCliStart(runs: number): ClientRow {
  timed([WW, '--version'], {});
  // In alternation, so that a burst of load elsewhere falls on both.
  const nodes: number[] = [];
  const wws: number[] = [];
  for (let r = 0; r < runs; r++) {
    nodes.push(timed(['-e', '0'], {}).ms);
    wws.push(timed([WW, '--version'], {}).ms);
  }
  const [node, ww] = [median(nodes), median(wws)];
  return { items: 0, scenario: 'CLI start (ww --version)', value: ww, unit: 'ms', baseline: node, ratio: ww / node, note: 'baseline: node -e 0; target ≤ 150 ms' };
}

/** Every row for one vault size, against a running server at `url`. */
export async function measureClient(url: string, size: number, runs: number): Promise<ClientRow[]> {
  const rows: ClientRow[] = [];
  const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: url, kdfVersion: 0, dpop: false });
  const account = { email: `client${size}-${Date.now()}@example.com`, password: `client bench ${size}` };
  await client().register(account);
  const vault = await client().login(account);

  // Bulk add: the SDK's addMany of `size` items, as `ww import` calls it (encrypt, batches to the server, remember).
  const contents = Array.from({ length: size }, (_, n) => content(n));
  const started = performance.now();
  await vault.addMany(contents);
  rows.push({ items: size, scenario: 'bulk add (Vault.addMany)', value: (performance.now() - started) / 1000, unit: 's' });

  // Decrypt: the blobs of a full sync, decrypted in this process (no network in the figure).
  const { items, vaultKey: rawKey } = await personalVaultBlobs(vault);
  const perItem = (ms: number) => (ms * 1000) / items.length;
  const bare = async () => {
    const key = await importAesKey(rawKey);
    const t = performance.now();
    for (let i = 0; i < items.length; i += 512) {
      await Promise.all(
        items.slice(i, i + 512).map((item) => {
          const bytes = fromBase64Url(item.data as string);
          const aad = utf8(personalItemAadText(vault.userId, item));
          return crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(1, 13), additionalData: aad }, key, bytes.subarray(13));
        }),
      );
    }
    return performance.now() - t;
  };
  const batch = async () => {
    const t = performance.now();
    await decryptBatch(items, vault.userId, () => rawKey);
    return performance.now() - t;
  };
  const sequential = async () => {
    const t = performance.now();
    for (const item of items) {
      await decryptItem({ vaultKey: rawKey, userId: vault.userId, vaultId: item.vaultId, itemId: item.id, revision: item.revision, data: item.data as string });
    }
    return performance.now() - t;
  };
  const baseline: number[] = [];
  const batched: number[] = [];
  const before: number[] = [];
  for (let r = 0; r < runs; r++) {
    baseline.push(perItem(await bare()));
    batched.push(perItem(await batch()));
    if (r < 2) before.push(perItem(await sequential()));
  }
  const base = median(baseline);
  rows.push({ items: size, scenario: 'client decrypt, one at a time (key import + await each)', value: median(before), unit: 'µs/item', baseline: base, ratio: median(before) / base, note: 'baseline: bare WebCrypto AES-GCM decrypt of the same blobs, in chunks of 512' });
  rows.push({ items: size, scenario: 'client decrypt (decryptBatch)', value: median(batched), unit: 'µs/item', baseline: base, ratio: median(batched) / base });

  // The SDK's full sync end to end (network + decrypt) in a fresh vault.
  const fresh = await client().login(account);
  const t = performance.now();
  await fresh.sync();
  rows.push({ items: size, scenario: 'Vault.sync, full (network + decrypt)', value: performance.now() - t, unit: 'ms' });

  // The CLI from its warm cache: logged in once, `ww list` fills the cache, then the timed commands.
  const home = mkdtempSync(join(tmpdir(), 'ww-bench-client-'));
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const env = { HOME: home, WATCHWORD_HOME: home, WATCHWORD_SERVER: url };
    const login = timed([WW, 'login', '--email', account.email, '--password-stdin'], env, `${account.password}\n`).stdout;
    const session = /^export WATCHWORD_SESSION=(\S+)$/m.exec(login)?.[1];
    if (!session) throw new Error('ww login printed no session key');
    const withSession = { ...env, WATCHWORD_SESSION: session };
    // The first list makes the local copy (a full sync); the next ones read it after a delta sync.
    const first = timed([WW, 'list', '--json'], withSession).ms;
    rows.push({ items: size, scenario: 'ww list, first run (full sync into the local copy)', value: first, unit: 'ms' });
    const target = `site ${Math.floor(size / 2)}`;
    const needle = `site ${Math.floor(size / 3)}`;
    const password = (contents[Math.floor(size / 2)] as ItemContent).login?.password;
    // Process start included; the baseline is a bare Node start measured in alternation with them.
    const node: number[] = [];
    const gets: number[] = [];
    const searches: number[] = [];
    for (let r = 0; r < Math.max(runs, 3); r++) {
      node.push(timed(['-e', '0'], {}).ms);
      const got = timed([WW, 'get', target, '--field', 'password'], withSession);
      if (got.stdout.trim() !== password) throw new Error('ww get printed another password');
      gets.push(got.ms);
      const found = timed([WW, 'list', '--search', needle], withSession);
      if (!found.stdout.includes(needle)) throw new Error('ww list --search found nothing');
      searches.push(found.ms);
    }
    const base = median(node);
    const note = 'warm local copy + delta sync, process start included; baseline: node -e 0; target ≤ 300 ms';
    rows.push({ items: size, scenario: 'ww get NAME --field password (warm copy)', value: median(gets), unit: 'ms', baseline: base, ratio: median(gets) / base, note });
    rows.push({ items: size, scenario: 'ww list --search X (warm copy)', value: median(searches), unit: 'ms', baseline: base, ratio: median(searches) / base, note });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}

/** Issue 23's client-side targets against one run's rows (null where this run did not measure the size). */
export function checkClientTargets(rows: readonly ClientRow[]): TargetCheck[] {
  const at = (items: number, scenario: string) => rows.find((r) => r.items === items && r.scenario.startsWith(scenario));
  const check = (target: string, row: ClientRow | undefined, limit: number, digits: number): TargetCheck => ({
    target,
    measured: row === undefined ? 'not measured' : `${row.value.toFixed(digits)} ${row.unit}${row.ratio === undefined ? '' : ` (${row.ratio.toFixed(2)}× baseline)`}`,
    met: row === undefined || !Number.isFinite(row.value) ? null : row.value <= limit,
  });
  return [
    check('CLI start (ww --version) ≤ 150 ms', at(0, 'CLI start'), 150, 1),
    ...[10_000, 50_000].flatMap((n) => [
      check(`client decrypt, ${n.toLocaleString('en')} items (decryptBatch) ≤ 30 µs/item`, at(n, 'client decrypt (decryptBatch)'), 30, 1),
      check(`ww get NAME --field password, ${n.toLocaleString('en')} items, warm copy ≤ 300 ms`, at(n, 'ww get NAME'), 300, 0),
      check(`ww list --search X, ${n.toLocaleString('en')} items, warm copy ≤ 300 ms`, at(n, 'ww list --search'), 300, 0),
    ]),
  ];
}

export function formatClientRows(rows: readonly ClientRow[]): string[] {
  const n = (x: number | undefined, d: number) => (x === undefined ? '' : x.toFixed(d));
  return [
    `${'items'.padStart(6)}  ${'scenario'.padEnd(54)} ${'value'.padStart(9)} ${'unit'.padEnd(8)} ${'baseline'.padStart(9)} ${'× base'.padStart(7)}  notes`,
    ...rows.map((r) => `${String(r.items).padStart(6)}  ${r.scenario.padEnd(54)} ${n(r.value, r.unit === 's' ? 2 : 1).padStart(9)} ${r.unit.padEnd(8)} ${n(r.baseline, 1).padStart(9)} ${n(r.ratio, 2).padStart(7)}  ${r.note ?? ''}`),
  ];
}

/**
 * The CLI's two local-copy formats in-process, for one vault of `size` items (no server, no process start): today's
 * single envelope of every decrypted item (vault-cache.ts: open it whole, then search) against the indexed cache
 * (indexed-cache.ts: open the sealed index, search it, decrypt only the match). Baseline: the single envelope. This is
 * the part of a warm `ww get NAME` the format decides (`ww` reads the indexed one since issue 23; docs/performance.md).
 */
export async function measureCacheFormats(size: number, runs: number): Promise<ClientRow[]> {
  const userId = crypto.randomUUID();
  const vaultId = crypto.randomUUID();
  const accountKey = crypto.getRandomValues(new Uint8Array(32));
  const vaultKey = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  const account = { userId, email: 'bench@example.com', vaults: [{ id: vaultId, kind: 'personal', wrappedKey: 'x' }] } as unknown as AccountResponse;
  const synced: { item: Item; content: ItemContent }[] = [];
  for (let i = 0; i < size; i += 512) {
    synced.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(512, size - i) }, async (_, j) => {
          const n = i + j;
          const id = crypto.randomUUID();
          const c = content(n);
          const data = await encryptItem({ vaultKey, userId, vaultId, itemId: id, revision: 1, content: c });
          return { item: { id, vaultId, revision: 1, seq: n + 1, data, deletedAt: null, purged: false, createdAt: 1, updatedAt: 1 }, content: c };
        }),
      )),
    );
  }
  const snapshot = await sealVaultSnapshotForBench(accountKey, account, synced);
  const indexed = await sealIndexedCache(accountKey, applySync(undefined, { account, revision: size, full: true, items: synced, shared: [] }));
  const target = `site ${Math.floor(size / 2)}`;
  const whole = async () => {
    const t = performance.now();
    const opened = await openVaultSnapshot(accountKey, userId, snapshot);
    const found = opened.items.filter((item) => item.content.name === target);
    if (found[0]?.content.login?.password === undefined) throw new Error('not found');
    return performance.now() - t;
  };
  const index = async () => {
    const t = performance.now();
    const opened = await openIndexedCache(accountKey, userId, indexed);
    const [item] = await opened.decrypt(opened.entries.filter((e) => e.name === target), () => vaultKey);
    if (item?.content.login?.password === undefined) throw new Error('not found');
    return performance.now() - t;
  };
  const before: number[] = [];
  const after: number[] = [];
  for (let r = 0; r < runs; r++) {
    before.push(await whole());
    after.push(await index());
  }
  const base = median(before);
  return [
    { items: size, scenario: 'CLI copy, one envelope: open + find NAME', value: base, unit: 'ms', note: `vault-cache.ts, ${(snapshot.length / 2 ** 20).toFixed(1)} MB` },
    { items: size, scenario: 'CLI copy, indexed: open index + find + decrypt 1', value: median(after), unit: 'ms', baseline: base, ratio: median(after) / base, note: `indexed-cache.ts, ${(indexed.length / 2 ** 20).toFixed(1)} MB; baseline: one envelope` },
  ];
}

function sealVaultSnapshotForBench(accountKey: Uint8Array, account: AccountResponse, synced: readonly { item: Item; content: ItemContent }[]): Promise<string> {
  const items = synced.map(({ item, content: c }) => ({ id: item.id, vaultId: item.vaultId, revision: item.revision, deletedAt: null, createdAt: 1, updatedAt: 1, content: c }));
  return sealVaultSnapshot(accountKey, { account, revision: synced.length, items, savedAt: Date.now() });
}
