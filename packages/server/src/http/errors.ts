import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorBody, type ErrorCode, WatchwordError } from '@watchword/protocol';
import { errorCode, isStorageUnavailable } from '../storage/errors.ts';
import type { App } from './types.ts';

/** Maps Fastify's own error codes onto the catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

function classify(error: FastifyError | WatchwordError): { code: ErrorCode; details?: Record<string, unknown> } {
  if (error instanceof WatchwordError) return { code: error.code, ...(error.details ? { details: error.details } : {}) };
  // A database that cannot serve (down, stalled, disk full) is an outage, not a fault of the request or the code.
  if (isStorageUnavailable(error)) return { code: 'STORAGE_UNAVAILABLE' };
  if (error.validation) {
    const first = error.validation[0];
    const field = first?.instancePath || (first?.params as { missingProperty?: string } | undefined)?.missingProperty || undefined;
    const code: ErrorCode = first?.keyword === 'additionalProperties' ? 'UNKNOWN_FIELD' : 'VALIDATION_FAILED';
    return { code, details: { in: error.validationContext ?? 'body', ...(field ? { field } : {}) } };
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return { code: mapped };
  if (error instanceof SyntaxError) return { code: 'MALFORMED_JSON' };
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) return { code: 'VALIDATION_FAILED' };
  return { code: 'INTERNAL' };
}

/** RFC 6750 §3 / RFC 9449 §7.1: tell the client which scheme failed and why. */
const CHALLENGES: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'Bearer, DPoP algs="ES256 EdDSA"',
  INVALID_TOKEN: 'Bearer error="invalid_token", DPoP error="invalid_token", algs="ES256 EdDSA"',
  INVALID_DPOP_PROOF: 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"',
  USE_DPOP_NONCE: 'DPoP error="use_dpop_nonce", algs="ES256 EdDSA"',
};

const OUTAGES: ReadonlySet<ErrorCode> = new Set(['STATE_UNAVAILABLE', 'STORAGE_UNAVAILABLE']);
const OUTAGE_RETRY_AFTER_SECONDS = '5';

export function sendError(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, details?: Record<string, unknown>): FastifyReply {
  const challenge = CHALLENGES[code];
  if (challenge) reply.header('www-authenticate', challenge);
  // RFC 9449 §8: the nonce to retry with.
  if (code === 'USE_DPOP_NONCE' && typeof details?.dpopNonce === 'string') reply.header('dpop-nonce', details.dpopNonce);
  // RFC 6585 §4: a 429 MAY include Retry-After (RFC 9110 §10.2.3, delay-seconds); ours always does.
  if (code === 'RATE_LIMITED' && typeof details?.retryAfter === 'number') reply.header('retry-after', String(details.retryAfter));
  // RFC 9110 §15.6.4: a 503 may say when to try again; a backing service is usually back within seconds, or the
  // load balancer has moved the client to another instance by then.
  if (OUTAGES.has(code)) reply.header('retry-after', OUTAGE_RETRY_AFTER_SECONDS);
  const body: ErrorBody = { error: { code, message: ERRORS[code].message, requestId: request.id, ...(details ? { details } : {}) } };
  return reply.code(ERRORS[code].status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandling(app: App): void {
  app.setErrorHandler((error: FastifyError | WatchwordError, request, reply) => {
    const { code, details } = classify(error);
    if (code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error');
    else if (OUTAGES.has(code)) {
      // The driver's own error (SQLITE_FULL, a SQLSTATE, ECONNREFUSED, a read timeout), not the wrapper made of it.
      const cause = error instanceof WatchwordError && error.cause !== undefined ? error.cause : error;
      request.log.error({ err: cause, code, causeCode: errorCode(cause) ?? null }, code === 'STORAGE_UNAVAILABLE' ? 'database unavailable' : 'state store unavailable');
    } else request.log.info({ code, status: ERRORS[code].status }, 'request rejected');
    return sendError(reply, request, code, details);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, 'NOT_FOUND'));
}
