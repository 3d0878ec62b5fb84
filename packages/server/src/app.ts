import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyRequest, LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ensureOpaqueReady } from '@watchword/protocol';
import type { Config } from './config.ts';
import { registerAuthentication } from './http/authenticate.ts';
import { createDpopVerifier } from './http/dpop.ts';
import { registerErrorHandling } from './http/errors.ts';
import { registerCors } from './http/cors.ts';
import { clientErrorHandler } from './http/client-errors.ts';
import { frameworkErrorHandler } from './http/framework-errors.ts';
import { registerJsonBody } from './http/json-body.ts';
import { registerOpenApi } from './http/openapi.ts';
import { lazyChildLoggerFactory } from './http/request-logger.ts';
import { type LazySchemas, lazySchemas } from './http/lazy-schemas.ts';
import { type Metrics, createMetrics, metricsEnabled, registerRequestMetrics } from './http/metrics.ts';
import { metricsRoutes } from './modules/metrics/routes.ts';
import { registerProductionGuards } from './http/production.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { registerStrictSchemas } from './http/strict-schemas.ts';
import { registerWriteBatching } from './http/write-batching.ts';
import { registerCompression } from './http/compression.ts';
import { MemoryBound, majorCollector, registerMemoryBound } from './http/memory-bound.ts';
import { registerRateLimits } from './http/rate-limit.ts';
import { createCredentialThrottle, throttleSettings } from './lib/throttle.ts';
import type { App } from './http/types.ts';
import type { AppDeps, Context } from './context.ts';
import { accountRoutes } from './modules/account/routes.ts';
import { authRoutes } from './modules/auth/routes.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { itemRoutes } from './modules/items/routes.ts';
import { sessionRoutes } from './modules/sessions/routes.ts';
import { adminRoutes } from './modules/admin/routes.ts';
import { mfaRoutes } from './modules/mfa/routes.ts';
import { passkeyRoutes } from './modules/passkeys/routes.ts';
import { reauthRoutes } from './modules/auth/reauth.ts';
import { recoveryRoutes } from './modules/recovery/routes.ts';
import { webRoutes } from './modules/web/routes.ts';
import { oidcRoutes } from './modules/oidc/routes.ts';
import { orgRoutes } from './modules/orgs/routes.ts';
import { vaultRoutes } from './modules/vaults/routes.ts';
import { createMailer } from './mail/mailer.ts';
import { primeDenylist } from './tokens/denylist.ts';

/** Fields that hold secrets: redacted at the top of a logged object and one level down (`{ body: { password } }`). */
const SECRET_FIELDS = ['password', 'refreshToken', 'accessToken', 'reauthToken', 'mfaToken', 'token', 'code', 'backupCodes', 'secret', 'otpauthUri', 'recoveryVerifier', 'recoveryKey'];

/** Log redaction: credentials never reach the log, whatever a future log line includes. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers.dpop',
  'headers["set-cookie"]',
  // Exact paths cost next to nothing; the `*.` wildcards are most of the redaction cost (~9 µs per request at info).
  // `code` is an error code wherever a log line has it — the catalogue's ("request rejected" lines) or a driver's
  // (`err.code`: SQLITE_FULL, a SQLSTATE, ECONNREFUSED), which an operator needs to see — except in a request body,
  // the only place a second-factor code travels.
  ...SECRET_FIELDS.filter((field) => field !== 'code'),
  ...SECRET_FIELDS.filter((field) => field !== 'code').map((field) => `*.${field}`),
  'body.code',
  'req.body.code',
  'request.body.code',
];

/**
 * Fastify's request serializer, but the query string is never logged: a client that puts a token in it (RFC 6750
 * §2.3, refused here) must not get it written to the log with the URL.
 */
function serializeRequest(request: FastifyRequest) {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

const pendingSchemas = new WeakMap<App, LazySchemas>();

/** Compiles every route schema the app has not compiled yet (its tests check they all compile); returns how many. */
export function compileAllSchemas(app: App): number {
  return pendingSchemas.get(app)?.compileAll() ?? 0;
}

/** Builds the app; never listens (style habit 8). main() listens; tests use inject(). */
export async function build(config: Config, deps: AppDeps, options: { metrics?: Metrics } = {}): Promise<App> {
  await ensureOpaqueReady();
  const schemas = lazySchemas();
  const app: App = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequest },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    bodyLimit: config.bodyLimitBytes,
    // WebAuthn credential ids may be up to 1023 bytes (WebAuthn L3 §5.1 credential id): 1364 base64url characters.
    routerOptions: { maxParamLength: 1400 },
    // Native TLS (TLS_CERT/TLS_KEY). RFC 8996 §4, §5: "TLS 1.0 MUST NOT be used", "TLS 1.1 MUST NOT be used".
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
    // Request ids are ours: a client-supplied id would let callers forge log correlation.
    genReqId: () => randomUUID(),
    childLoggerFactory: lazyChildLoggerFactory,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler(config),
    clientErrorHandler: clientErrorHandler(config),
    // Forwarded headers are believed only from the configured proxies (X-Forwarded-For walked right to left,
    // skipping trusted hops); with none configured they are ignored entirely.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    // Validators and serializers compile on each route's first request (start-up time and idle memory).
    schemaController: schemas.controller,
    ajv: {
      customOptions: {
        // Reject unknown fields instead of silently dropping them; never coerce types.
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const base = {
    config,
    storage: deps.storage,
    state: deps.state,
    secrets: deps.secrets,
    signingKeys: deps.signingKeys,
    tokens: { issuer: config.publicUrl, audience: config.publicUrl, ttlSeconds: config.accessTokenTtlSeconds, clockToleranceSeconds: config.clockToleranceSeconds },
    now: deps.clock ?? Date.now,
    log: app.log,
  };
  // main() passes the metrics when it also serves them on a listener of their own (METRICS_PORT).
  const metrics = options.metrics ?? await createMetrics({ enabled: metricsEnabled(config), storage: deps.storage });
  const throttle = createCredentialThrottle({ state: deps.state, now: base.now, secret: deps.secrets.serverSecret, settings: throttleSettings(config) });
  const mailer = deps.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, outboxDir: config.mailOutboxDir }, app.log);
  const ctx: Context = { ...base, dpop: createDpopVerifier(base), throttle, mailer, metrics };
  app.addHook('onClose', async () => {
    if (!deps.mailer) await mailer.close();
  });

  // Only JSON bodies are accepted; anything else is 415.
  app.removeContentTypeParser('text/plain');

  // Synchronous hooks (here and in security-headers.ts): an async hook costs a promise and a microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // Responses carry wrapped keys and ciphertext: never cache them (RFC 9111 §5.2.2.5).
    reply.header('cache-control', 'no-store');
    // RFC 9449 §8.2: a fresh nonce with every answer to a DPoP request, when nonces are in use.
    if (config.dpopRequireNonce && request.headers.dpop !== undefined) reply.header('dpop-nonce', ctx.dpop.nonce());
    done();
  });

  // Large JSON answers compressed as Accept-Encoding asks; before the batching, which then holds the compressed body.
  registerCompression(app);
  // A major GC after large answers and bodies while the RSS is above its soft limit (issue 23).
  const memorySoftLimit = config.memorySoftLimitMb === undefined ? undefined : config.memorySoftLimitMb * 1024 * 1024;
  registerMemoryBound(app, new MemoryBound({ softLimitBytes: memorySoftLimit, collect: deps.collectGarbage ?? majorCollector() }));
  // Answers go out together at the end of each event-loop turn (a global onSend hook: every route, error and 404).
  registerWriteBatching(app);
  // Before any route is declared (CORS adds one): it hooks each route as it is declared.
  registerRequestMetrics(app, metrics);
  // Security headers first, so every answer after them (guards, CORS preflights, errors, 404s) carries them.
  registerSecurityHeaders(app, config);
  registerProductionGuards(app, config);
  // Before the access/rate-limit declarations are enforced below: @fastify/cors adds its own OPTIONS route.
  await registerCors(app, config);
  registerJsonBody(app);

  registerErrorHandling(app);
  registerAuthentication(app, ctx);
  registerRateLimits(app, ctx);
  registerStrictSchemas(app);

  // After registerStrictSchemas, so the document shows the schemas as they are enforced.
  registerOpenApi(app, { title: 'Watchword API', version: '1' });

  healthRoutes(app, ctx);
  authRoutes(app, ctx);
  reauthRoutes(app, ctx);
  recoveryRoutes(app, ctx);
  accountRoutes(app, ctx);
  mfaRoutes(app, ctx);
  passkeyRoutes(app, ctx);
  itemRoutes(app, ctx);
  orgRoutes(app, ctx);
  vaultRoutes(app, ctx);
  sessionRoutes(app, ctx);
  adminRoutes(app, ctx);
  oidcRoutes(app, ctx);
  metricsRoutes(app, ctx);
  webRoutes(app, ctx);

  await app.ready();
  pendingSchemas.set(app, schemas);
  // After a restart (in-memory state) the denylist is empty: rebuild it before serving.
  await primeDenylist(ctx);
  return app;
}
