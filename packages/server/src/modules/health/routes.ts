import Type from 'typebox';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';

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

async function probe(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch {
    return false;
  }
}

export function healthRoutes(app: App, ctx: Context): void {
  app.get('/healthz', {
    config: { permission: 'public', rateLimit: 'none' },
    schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    config: { permission: 'public', rateLimit: 'none' },
    schema: { tags: ['health'], response: { 200: Ready, 503: Ready } },
  }, async (_request, reply) => {
    const database = await probe(() => ctx.storage.ping());
    const state = await probe(() => ctx.state.ping());
    let migrations: 'ok' | 'fail' | 'pending' = 'fail';
    if (database) {
      try {
        migrations = (await ctx.storage.pendingMigrations()).length === 0 ? 'ok' : 'pending';
      } catch {
        migrations = 'fail';
      }
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
