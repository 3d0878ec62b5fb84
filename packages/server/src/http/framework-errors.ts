import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { sendError } from './errors.ts';
import { applySecurityHeaders, hstsValue } from './security-headers.ts';

/**
 * Fastify answers a few malformed requests (an undecodable URL, an over-long path parameter) before routing, so no
 * hook runs: without this they would be Fastify's own JSON, without a request id or the security headers.
 * These are the Fastify `frameworkErrors` option; every one is a client error in the catalogue's shape.
 */
export function frameworkErrorHandler(config: Pick<Config, 'hstsPreload'>) {
  const hsts = hstsValue(config.hstsPreload);
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
    applySecurityHeaders(request, reply, hsts);
    request.log.info({ code: error.code }, 'request rejected before routing');
    void sendError(reply, request, error.code === 'FST_ERR_ASYNC_CONSTRAINT' ? 'INTERNAL' : 'VALIDATION_FAILED');
  };
}
