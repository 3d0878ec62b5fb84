import cors from '@fastify/cors';
import type { Config } from '../config.ts';
import type { App } from './types.ts';

/** Request headers a cross-origin client sends: RFC 6750 bearer / RFC 9449 DPoP tokens, their proofs, JSON bodies. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'dpop'] as const;
/** Response headers a cross-origin client must read: RFC 9449 §8 nonces, our request id, RFC 9110 §10.2.3 back-off. */
export const CORS_EXPOSED_HEADERS = ['dpop-nonce', 'x-request-id', 'retry-after'] as const;

/**
 * CORS is closed unless CORS_ORIGINS lists origins: then exactly those (compared as strings, as the Fetch standard
 * serialises them) get `Access-Control-Allow-Origin` with their own origin — never `*`. No credentials mode:
 * authentication travels in headers, never in cookies, so `Access-Control-Allow-Credentials` is never sent.
 * Any other origin gets no CORS header at all, and its preflight falls through to the JSON 404.
 */
export async function registerCors(app: App, config: Pick<Config, 'corsOrigins'>): Promise<void> {
  if (config.corsOrigins.length === 0) return;
  const allowed = new Set(config.corsOrigins);
  await app.register(cors, {
    // false: this origin gets no CORS headers (and no preflight answer); a string: echoed as the allowed origin.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    credentials: false,
    maxAge: 600,
    strictPreflight: true,
  });
}
