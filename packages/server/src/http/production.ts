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
