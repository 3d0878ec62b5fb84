// Issue 25's shared-vault sync benchmark, run by `npm run bench:shared-sync` (bench/shared-sync.ts) and by `npm run bench`:
// a user in N shared vaults of M items each against a user with the same N × M items in the personal vault, full sync
// and delta sync (one change), p50 of whole answers received, on SQLite through the server bundle. Identity encoding on
// both, so the comparison is the server's work, not the compressor's. The target: within 1.3× (docs/performance.md
// "Shared vaults").
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { WatchwordClient } from '@watchword/client';
import { encodeKnownVaults } from '@watchword/protocol';
import { startServer } from './processes.ts';
import { SERVER_BUNDLE, ensureServerBuild } from '../../scripts/ensure-server-build.ts';

export const SHARED_SYNC_TARGET = 1.3;

export interface SharedSyncOptions {
  vaults: number;
  perVault: number;
  /**
   * Full-sync answers timed per path, alternating (the p50 is reported); the delta syncs forty times as many.
   */
  runs: number;
  log?: (msg: string) => void;
}

export interface SharedSyncRow {
  scenario: string;
  p50ms: number;
  ratio?: number;
  target?: string;
}

/** An opaque envelope of a typical login item's size (the server never opens it). */
const envelope = () => randomBytes(360).toString('base64url');

function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method, headers: { ...headers, 'accept-encoding': 'identity', ...(body === undefined ? {} : { 'content-type': 'application/json' }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Seeds both accounts on a fresh server and measures the four scenarios; the shared rows carry their ratio to the personal ones. */
export async function measureSharedSync({ vaults: VAULTS, perVault: PER_VAULT, runs: RUNS, log = () => undefined }: SharedSyncOptions): Promise<SharedSyncRow[]> {
  const TOTAL = VAULTS * PER_VAULT;
  const TARGET = SHARED_SYNC_TARGET;
  await ensureServerBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'ww-bench-shared-'));
  const server = await startServer(SERVER_BUNDLE, ['serve'], {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ALLOWED_KDF_VERSIONS: '0,1',
    ACCESS_TOKEN_TTL: '3600',
    RATE_LIMITS: 'off',
    ORG_MAX_VAULTS: String(VAULTS),
    // Without the memory bound's GCs (http/memory-bound.ts; measured by `npm run bench:sync`): one per 8 MiB answered
    // phase-locks with the alternation here (each full answer ~4.4 MB) and always delays the same path's next request —
    // the full ratio read 1.52 or 1.11 on the same code depending on which path it fell on.
    MEMORY_SOFT_LIMIT_MB: '0',
  }, undefined);
  try {
    const client = () => new WatchwordClient({ passwordPolicy: false, serverUrl: server.url, kdfVersion: 0, dpop: false });
    const account = async (email: string) => {
      await client().register({ email, password: `${email} passphrase` });
      return client().login({ email, password: `${email} passphrase` });
    };
    const personal = await account('personal@bench.example.com');
    const shared = await account('shared@bench.example.com');
    const pAuth = { authorization: `Bearer ${personal.session.tokens.accessToken}` };
    const sAuth = { authorization: `Bearer ${shared.session.tokens.accessToken}` };
    const call = async (auth: Record<string, string>, method: string, path: string, body?: unknown) => {
      const res = await send(`${server.url}${path}`, method, auth, body === undefined ? undefined : JSON.stringify(body));
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
      return JSON.parse(res.text) as any;
    };

    log(`seeding ${TOTAL} personal items`);
    for (let done = 0; done < TOTAL; done += 500) {
      await call(pAuth, 'POST', '/api/v1/items/batch', { items: Array.from({ length: Math.min(500, TOTAL - done) }, () => ({ id: randomUUID(), vaultId: personal.personalVaultId, data: envelope() })) });
    }
    log(`seeding ${VAULTS} shared vaults × ${PER_VAULT} items`);
    const orgId = randomUUID();
    await call(sAuth, 'POST', '/api/v1/orgs', { id: orgId, name: 'Bench' });
    const vaultIds: string[] = [];
    for (let v = 0; v < VAULTS; v++) {
      const id = randomUUID();
      vaultIds.push(id);
      await call(sAuth, 'POST', `/api/v1/orgs/${orgId}/vaults`, { id, encryptedName: envelope().slice(0, 64), wrappedKey: envelope().slice(0, 120) });
      for (let i = 0; i < PER_VAULT; i += 16) {
        await Promise.all(Array.from({ length: Math.min(16, PER_VAULT - i) }, () => call(sAuth, 'POST', `/api/v1/vaults/${id}/items`, { id: randomUUID(), keyVersion: 1, data: envelope() })));
      }
    }

    type Answer = { status: number; text: string; ms: number };
    /**
     * The two paths timed in turn (personal, shared, personal, …), so a change in the machine's load while they run
     * falls on both; the first answer of each is checked. Returns the two medians.
     */
    const timePair = async (runs: number, personalCall: () => Promise<Answer>, personalCheck: (body: any) => void, sharedCall: () => Promise<Answer>, sharedCheck: (body: any) => void) => {
      const times: [number[], number[]] = [[], []];
      for (let i = 0; i < runs; i++) {
        for (const [k, f, check] of [[0, personalCall, personalCheck], [1, sharedCall, sharedCheck]] as const) {
          const r = await f();
          if (r.status !== 200) throw new Error(`status ${r.status}`);
          if (i === 0) check(JSON.parse(r.text));
          times[k].push(r.ms);
        }
      }
      return [median(times[0]), median(times[1])] as const;
    };
    // Warm-up of both paths (prepared statements, JIT).
    await send(`${server.url}/api/v1/items`, 'GET', pAuth);
    await send(`${server.url}/api/v1/vaults/sync`, 'GET', sAuth);

    log('full syncs');
    const [personalFull, sharedFull] = await timePair(
      RUNS,
      () => send(`${server.url}/api/v1/items`, 'GET', pAuth),
      (b) => {
        if (b.items.length !== TOTAL) throw new Error(`personal full sync: ${b.items.length} items`);
      },
      () => send(`${server.url}/api/v1/vaults/sync`, 'GET', sAuth),
      (b) => {
        if (b.items.length !== TOTAL) throw new Error(`shared full sync: ${b.items.length} items`);
      },
    );

    log('delta syncs, one change');
    const before = (await call(pAuth, 'GET', '/api/v1/items?since=0')).revision as number;
    await call(pAuth, 'POST', '/api/v1/items/batch', { items: [{ id: randomUUID(), vaultId: personal.personalVaultId, data: envelope() }] });
    const known = (await call(sAuth, 'GET', '/api/v1/vaults/sync')).vaults.map((v: { id: string; revision: number }) => ({ vaultId: v.id, revision: v.revision }));
    // As the SDK asks (client sharing/shared-sync.ts): the query form for up to 100 vaults.
    const knownQuery = `known=${encodeKnownVaults(known)}`;
    await call(sAuth, 'POST', `/api/v1/vaults/${vaultIds[Math.floor(VAULTS / 2)]}/items`, { id: randomUUID(), keyVersion: 1, data: envelope() });
    // A delta answer takes about half a millisecond: forty times the runs (1,640 each at the default 41) for a steadier
    // median at little cost — with 150, the same code's ratio moved between 1.24 and 1.34 from run to run.
    const [personalDelta, sharedDelta] = await timePair(
      RUNS * 40,
      () => send(`${server.url}/api/v1/items?since=${before}`, 'GET', pAuth),
      (b) => {
        if (b.items.length !== 1) throw new Error(`personal delta: ${b.items.length} items`);
      },
      () => send(`${server.url}/api/v1/vaults/sync?${knownQuery}`, 'GET', sAuth),
      (b) => {
        if (b.items.length !== 1) throw new Error(`shared delta: ${b.items.length} items`);
      },
    );

    const rows: SharedSyncRow[] = [
      { scenario: `full sync, ${TOTAL} personal items`, p50ms: +personalFull.toFixed(2) },
      { scenario: `full sync, ${VAULTS} shared vaults × ${PER_VAULT}`, p50ms: +sharedFull.toFixed(2), ratio: +(sharedFull / personalFull).toFixed(2), target: `≤ ${TARGET}` },
      { scenario: 'delta sync, one change, personal', p50ms: +personalDelta.toFixed(2) },
      { scenario: `delta sync, one change, ${VAULTS} shared vaults`, p50ms: +sharedDelta.toFixed(2), ratio: +(sharedDelta / personalDelta).toFixed(2), target: `≤ ${TARGET}` },
    ];
    return rows;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The rows as `npm run bench` prints them, under a heading that says what they compare. */
export function formatSharedSyncRows(rows: readonly SharedSyncRow[]): string[] {
  return [
    'Shared vaults: sync of a member of shared vaults against the same number of personal items (sqlite, same run; p50 of whole answers)',
    ...rows.map((r) => `${r.scenario.padEnd(48)} ${r.p50ms.toFixed(2).padStart(9)} ms${r.ratio === undefined ? '' : `  ${r.ratio.toFixed(2)}× personal (target ${r.target})`}`),
  ];
}
