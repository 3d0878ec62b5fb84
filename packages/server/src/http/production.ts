import { isLoopbackHost } from '@watchword/protocol';
import type { Config } from '../config.ts';
import { sendError } from './errors.ts';
import type { App } from './types.ts';

/**
 * Production mode (`NODE_ENV=production`): what the server refuses at start-up, and the two request guards
 * (HTTPS redirect, Host check). Development and test modes keep neither guard: a developer reaches the server as
 * `localhost`, `127.0.0.1` or a LAN address over plain HTTP, and nothing in the API rides on ambient credentials
 * (bearer/DPoP headers only, no cookies), so DNS rebinding against a development server gains an attacker nothing
 * that a direct request would not.
 */

/** Load-balancer probes reach the server by address over plain HTTP: they are exempt from both guards. */
const PROBE_ROUTES = new Set(['/healthz', '/readyz']);

/** At least this many distinct byte values in a 32+ byte secret: random bytes have ~30; `AAAA…` has one. */
const MIN_DISTINCT_SECRET_BYTES = 16;

/**
 * Everything that makes a production configuration unsafe, one phrase each (empty: safe to start).
 * Pure: no I/O, so `loadConfig` can call it and the start-up tests can name each refusal.
 */
export function checkProductionConfig(config: Config): string[] {
  if (config.nodeEnv !== 'production') return [];
  const problems: string[] = [];
  if (new URL(config.publicUrl).protocol !== 'https:') problems.push('PUBLIC_URL must be an https:// URL');
  if (config.tlsCert === undefined && config.trustedProxies.length === 0) {
    // Without either, no request can ever count as HTTPS: everything but the probes would be redirected forever.
    problems.push('HTTPS is needed: set TLS_CERT and TLS_KEY (native TLS) or TRUSTED_PROXIES (a proxy that terminates TLS)');
  }
  if (config.logLevel === 'debug' || config.logLevel === 'trace') problems.push(`LOG_LEVEL ${config.logLevel} is debug output (use info or quieter)`);
  if (config.allowedKdfVersions.includes(0)) problems.push('ALLOWED_KDF_VERSIONS must not contain 0 (the test-only key-stretching profile)');
  if (config.serverSecret === undefined) problems.push('SERVER_SECRET must be supplied as a secret (32+ random bytes, base64url), not generated into DATA_DIR');
  else if (isWeakSecret(config.serverSecret)) problems.push('SERVER_SECRET is not random enough (use 32 bytes from a CSPRNG, e.g. `ww-server secrets`)');
  // Decision: the OPAQUE setup is supplied too. Generated into DATA_DIR it would sit beside the SQLite file and in
  // the same volume backups, undoing "a database dump alone does not allow offline guessing".
  if (config.opaqueServerSetup === undefined) problems.push('OPAQUE_SERVER_SETUP must be supplied as a secret, not generated into DATA_DIR');
  // Verification, recovery and security notifications must reach people: an outbox on the server's disk does not.
  if (config.smtpUrl === undefined) problems.push('SMTP_URL must be set (without it mail only reaches the outbox directory)');
  if (config.rateLimits === 'off') problems.push('RATE_LIMITS=off disables brute-force throttling and volume limits');
  // Metrics must not be public: a guessable token, or a metrics listener on a reachable address without one, would be.
  if (config.metricsToken !== undefined && new Set(config.metricsToken).size < MIN_DISTINCT_TOKEN_CHARACTERS) {
    problems.push('METRICS_TOKEN is not random enough (use e.g. `openssl rand -base64 32`)');
  }
  if (config.metricsPort !== undefined && config.metricsToken === undefined && !isLoopbackHost(config.metricsHost)) {
    problems.push(`METRICS_HOST ${config.metricsHost} is reachable from other machines: set METRICS_TOKEN too, or bind the metrics listener to 127.0.0.1`);
  }
  const plainOrigins = config.corsOrigins.filter((origin) => !origin.startsWith('https://'));
  if (plainOrigins.length > 0) problems.push(`CORS_ORIGINS must be https:// origins (${plainOrigins.join(', ')})`);
  return problems;
}

/** A random 32-character token has ~25 distinct characters (hex: 15–16); `aaaa…` or `abab…` has one or two. */
const MIN_DISTINCT_TOKEN_CHARACTERS = 10;

function isWeakSecret(base64url: string): boolean {
  const bytes = Buffer.from(base64url, 'base64url');
  return bytes.length < 32 || new Set(bytes).size < MIN_DISTINCT_SECRET_BYTES;
}

/** A Host header: a DNS name, IPv4 address or bracketed IPv6 address, and an optional port. Nothing else. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/** The host name of a Host header, lower-cased, without port or trailing dot; undefined when malformed. */
export function hostName(header: string): string | undefined {
  const match = HOST_HEADER.exec(header);
  return match?.[1]?.toLowerCase().replace(/\.$/, '');
}

/** The request guards of production mode; registered only when NODE_ENV=production. */
export function registerProductionGuards(app: App, config: Config): void {
  if (config.nodeEnv !== 'production') return;
  const publicUrl = new URL(config.publicUrl);
  const allowedHosts = new Set([publicUrl.hostname.toLowerCase(), ...config.allowedHosts]);

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined && PROBE_ROUTES.has(request.routeOptions.url)) return;

    // Host-header injection and DNS rebinding: answer only to the names this server is published under. Behind a
    // trusted proxy Fastify reads X-Forwarded-Host (the name the client used); from anyone else, Host.
    // RFC 9112 §3.2: a server "MUST respond with a 400 (Bad Request)" to a Host field with an invalid value; a
    // well-formed name that is not ours gets the same status.
    const host = hostName(request.host);
    if (host === undefined || !allowedHosts.has(host)) {
      request.log.info({ host: request.host.slice(0, 255) }, 'host not allowed');
      return sendError(reply, request, 'HOST_NOT_ALLOWED');
    }

    // request.protocol is 'https' for native TLS, or when a trusted proxy says so in X-Forwarded-Proto (an
    // untrusted peer's header is ignored). 308 keeps the method and body (RFC 9110 §15.4.9); the target is built
    // from PUBLIC_URL, never from the request's Host, so the redirect cannot be pointed elsewhere.
    if (request.protocol !== 'https') {
      // An absolute-form target (`GET http://elsewhere/ HTTP/1.1`) is not a path: send it to the root.
      const path = request.url.startsWith('/') ? request.url : '/';
      return reply.code(308).header('location', `${publicUrl.origin}${path}`).send();
    }
  });
}
