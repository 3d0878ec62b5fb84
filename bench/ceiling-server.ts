// The read path's ceiling (docs/performance.md, "The seventh pass"; `CEILING=1 node bench/profile-read.ts`):
// a hand-written node:http server that does only what the design asks of an authenticated item read, each part at
// its cheapest, on the data a Watchword server has just left:
// - the Authorization header looked up whole in a map (Watchword's verified-token cache hit, without its hash);
// - the session's revocation checked and the user's read counted in ONE operation of Watchword's own state store
//   (slidingWindowHitUnless: in memory, or one Redis script);
// - the item read by id and owner with one prepared statement (better-sqlite3 on the WAL file, or a named pg statement);
// - the answer with the security headers Watchword sends (imported, so the two cannot drift), a request id and
//   `cache-control`, written with one writeHead, and a turn's answers written together at its end (as
//   http/write-batching.ts does).
// No framework, no logger, no schema validation, no metrics, no error catalogue: not a server to run, a bound. A
// Node.js server that meets the design costs at least this much CPU per read on the machine it is measured on.
// Env: PORT; CEILING_AUTHORIZATION, CEILING_USER, CEILING_SESSION (the one token it accepts and its claims); SQLITE_FILE
// or DATABASE_URL; REDIS_URL with REDIS_KEY_PREFIX (else the in-memory state store). CEILING_WITHOUT (comma-separated)
// removes parts, to see what each costs: `state` (no revocation check or count), `store` (the first answer's row
// replayed from memory), `headers` (content type and length only).
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { API_CSP, SECURITY_HEADERS } from '../packages/server/src/http/security-headers.ts';
import { slidingWindowHitUnless } from '../packages/server/src/http/rate-limit.ts';
import { revokedSessionKey } from '../packages/server/src/http/authenticate.ts';
import { openStateStore } from '../packages/server/src/state/index.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const AUTHORIZATION = env('CEILING_AUTHORIZATION');
const USER = env('CEILING_USER');
const REVOKED_KEY = revokedSessionKey(env('CEILING_SESSION'));
const LIMIT_KEY = `rl:read:u:${USER}`;
const PREFIX = '/api/v1/items/';
const COLUMNS = 'id, user_id, vault_id, revision, seq, data, deleted_at, purged, created_at, updated_at';

interface Row {
  id: string;
  vault_id: string;
  revision: number | string;
  seq: number | string;
  data: string | null;
  deleted_at: number | string | null;
  purged: number;
  created_at: number | string;
  updated_at: number | string;
}

/** The item by id and owner, as Watchword's storage reads it (storage/items.ts `getLive`). */
async function itemReader(): Promise<(id: string, userId: string) => Row | undefined | Promise<Row | undefined>> {
  if (process.env.DATABASE_URL) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
    const text = `select ${COLUMNS} from items where id = $1 and user_id = $2 and purged = 0`;
    return async (id, userId) => (await pool.query<Row>({ name: 'ceiling-item', text, values: [id, userId] })).rows[0];
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(env('SQLITE_FILE'), { fileMustExist: true });
  // As storage/sqlite.ts opens it (the file is already in WAL mode).
  db.pragma('busy_timeout = 5000');
  const get = db.prepare<[string, string], Row>(`select ${COLUMNS} from items where id = ? and user_id = ? and purged = 0`);
  return (id, userId) => get.get(id, userId);
}

const WITHOUT = new Set((process.env.CEILING_WITHOUT ?? '').split(',').filter(Boolean));
for (const part of WITHOUT) if (!['state', 'store', 'headers'].includes(part)) throw new Error(`CEILING_WITHOUT: unknown part ${part}`);
const state = await openStateStore(
  process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL, keyPrefix: process.env.REDIS_KEY_PREFIX } : {},
);
const storeReader = await itemReader();
let replayed: Row | undefined;
const readItem = WITHOUT.has('store') ? async (id: string, userId: string) => (replayed ??= await storeReader(id, userId)) : storeReader;

const HEADERS: readonly string[] = Object.entries(
  WITHOUT.has('headers')
    ? { 'content-type': 'application/json; charset=utf-8' }
    : {
        ...SECURITY_HEADERS,
        'content-security-policy': API_CSP,
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
        'content-type': 'application/json; charset=utf-8',
      },
).flat();
const requestId: () => string[] = WITHOUT.has('headers') ? () => [] : () => ['x-request-id', randomUUID()];

let held: Array<() => void> = [];
function answer(res: ServerResponse, status: number, body: string): void {
  if (held.length === 0) {
    setImmediate(() => {
      const batch = held;
      held = [];
      for (const write of batch) write();
    });
  }
  held.push(() => {
    res.writeHead(status, [...HEADERS, ...requestId(), 'content-length', String(Buffer.byteLength(body))]);
    res.end(body);
  });
}

async function read(res: ServerResponse, id: string): Promise<void> {
  const hit = WITHOUT.has('state') ? { guard: null } : await slidingWindowHitUnless(state, REVOKED_KEY, LIMIT_KEY, Number.MAX_SAFE_INTEGER, Date.now());
  if (hit.guard !== null) return answer(res, 401, '{"error":{"code":"INVALID_TOKEN"}}');
  const row = await readItem(id, USER);
  if (row === undefined) return answer(res, 404, '{"error":{"code":"NOT_FOUND"}}');
  const item = {
    id: row.id,
    vaultId: row.vault_id,
    revision: Number(row.revision),
    seq: Number(row.seq),
    data: row.data,
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    purged: row.purged === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  answer(res, 200, JSON.stringify({ item }));
}

const server = createServer({ keepAliveTimeout: 72_000 }, (req, res) => {
  const url = req.url ?? '';
  if (url === '/healthz') return answer(res, 200, '{"status":"ok"}');
  if (req.method !== 'GET' || !url.startsWith(PREFIX)) return answer(res, 404, '{"error":{"code":"NOT_FOUND"}}');
  if (req.headers.authorization !== AUTHORIZATION) return answer(res, 401, '{"error":{"code":"INVALID_TOKEN"}}');
  read(res, url.slice(PREFIX.length)).catch(() => answer(res, 500, '{"error":{"code":"INTERNAL"}}'));
});
server.listen(Number(env('PORT')), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void state.close().then(() => process.exit(0))));
