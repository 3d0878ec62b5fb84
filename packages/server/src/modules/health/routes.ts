import Type from 'typebox';
import { WatchwordError } from '@watchword/protocol';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { errorCode } from '../../storage/errors.ts';

const Check = Type.Union([Type.Literal('ok'), Type.Literal('fail'), Type.Literal('pending')]);
const Count = Type.Integer({ minimum: 0 });
/** The PostgreSQL pool (security spec "Pools": /readyz reports them); null on the embedded SQLite database. */
const DatabasePool = Type.Union([
  Type.Object({ max: Count, total: Count, idle: Count, waiting: Count }, { additionalProperties: false, description: 'size, open connections, idle ones, queries waiting for one' }),
  Type.Null(),
]);
const Ready = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Type.Object({ database: Check, state: Check, migrations: Check }, { additionalProperties: false }),
    pools: Type.Object({ database: DatabasePool }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

// RFC 7517 §5: a JWK Set. Public members only (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2): a private member cannot pass.
const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Union([
        Type.Object(
          { kty: Type.Literal('RSA'), n: Type.String(), e: Type.String(), kid: Type.String(), alg: Type.Literal('RS256'), use: Type.Literal('sig') },
          { additionalProperties: false },
        ),
        Type.Object(
          { kty: Type.Literal('EC'), crv: Type.Literal('P-256'), x: Type.String(), y: Type.String(), kid: Type.String(), alg: Type.Literal('ES256'), use: Type.Literal('sig') },
          { additionalProperties: false },
        ),
        Type.Object(
          { kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String(), kid: Type.String(), alg: Type.Literal('EdDSA'), use: Type.Literal('sig') },
          { additionalProperties: false },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

type Migrations = 'ok' | 'fail' | 'pending';
interface DatabaseCheck {
  readonly database: boolean;
  readonly migrations: Migrations;
  /** Why the database check failed (a driver error code, or `timeout`), for the log only. */
  readonly reason?: string;
}

/**
 * The database check: it answers (`select 1`), it takes a write (a full disk or a read-only file fails here while
 * reads still work), and its migrations are current.
 */
async function checkDatabase(ctx: Context): Promise<DatabaseCheck> {
  try {
    await ctx.storage.ping();
    await ctx.storage.probeWrite();
  } catch (error) {
    return { database: false, migrations: 'fail', reason: reasonOf(error) };
  }
  try {
    return { database: true, migrations: (await ctx.storage.pendingMigrations()).length === 0 ? 'ok' : 'pending' };
  } catch (error) {
    return { database: true, migrations: 'fail', reason: reasonOf(error) };
  }
}

function reasonOf(error: unknown): string {
  const cause = error instanceof WatchwordError && error.cause !== undefined ? error.cause : error;
  return errorCode(cause) ?? (cause instanceof Error ? cause.message.split('\n')[0] ?? 'error' : 'error');
}

/** `fn`'s answer, or `late` once `ms` have passed (a stalled backing service must not stall the probe). */
async function within<T>(ms: number, fn: () => Promise<T>, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(app: App, ctx: Context): void {
  let lastDatabaseFailure: string | null = null;
  app.get('/healthz', {
    config: { permission: 'public', rateLimit: 'none' },
    schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    config: { permission: 'public', rateLimit: 'none' },
    schema: { tags: ['health'], response: { 200: Ready, 503: Ready } },
  }, async (_request, reply) => {
    // Both checks at once, each bounded by READYZ_TIMEOUT: the probe answers in time even when a service is stalled.
    const timeoutMs = ctx.config.readyzTimeoutMs;
    const [{ database, migrations, reason }, state] = await Promise.all([
      within<DatabaseCheck>(timeoutMs, () => checkDatabase(ctx), { database: false, migrations: 'fail', reason: 'timeout' }),
      within(timeoutMs, () => ctx.state.ping().then(() => true, () => false), false),
    ]);
    // Once per change, not on every probe: what an operator needs to see when the load balancer drops the instance.
    const failing = database ? null : (reason ?? 'error');
    if (failing !== lastDatabaseFailure) {
      if (failing !== null) ctx.log.warn({ reason: failing }, 'readiness: the database check fails');
      else ctx.log.info('readiness: the database check passes again');
      lastDatabaseFailure = failing;
    }
    const ready = database && state && migrations === 'ok';
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      checks: { database: database ? 'ok' : 'fail', state: state ? 'ok' : 'fail', migrations },
      pools: { database: ctx.storage.poolStats?.() ?? null },
    });
  });

  app.get('/.well-known/jwks.json', {
    config: { permission: 'public', rateLimit: 'read' },
    schema: { tags: ['health'], description: 'Public keys that verify access tokens (RFC 7517)', response: { 200: Jwks } },
  }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    // Published, active and retiring keys, as of now: a key is listed before it signs and until its tokens have expired.
    return { keys: [...ctx.signingKeys.at(ctx.now()).byKid.values()].map((k) => k.publicJwk) };
  });
}
