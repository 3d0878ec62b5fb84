/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a header block over the limit, Content-Length
 * together with Transfer-Encoding, a malformed request line, a request that never finished arriving) are answered
 * here, from the server's `clientError` event (Fastify's `clientErrorHandler` option). Fastify's default writes a
 * bare JSON of its own; this writes the catalogue's error shape with a request id and the API's security headers,
 * like every other answer, and closes the connection (the parser's state is unusable after an error).
 *
 * No hook or trusted-proxy logic can run here (there is no request), so HSTS is sent only on a native TLS socket.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { ERRORS, type ErrorCode } from '@watchword/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import { API_SECURITY_HEADERS, hstsValue } from './security-headers.ts';

/**
 * The reason phrases of the statuses written here (RFC 9110 §15), spelled out: importing node:http for its table
 * would load Node's fetch implementation (see http/metrics.ts).
 */
const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function codeFor(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'VALIDATION_FAILED';
}

/** The whole answer, status line to body, for a parser error. */
export function clientErrorResponse(code: ErrorCode, requestId: string, hsts: string | null): string {
  const status = ERRORS[code].status;
  const body = JSON.stringify({ error: { code, message: ERRORS[code].message, requestId } });
  const headers: Record<string, string> = {
    ...API_SECURITY_HEADERS,
    ...(hsts === null ? {} : { 'strict-transport-security': hsts }),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

export function clientErrorHandler(config: Pick<Config, 'hstsPreload'>) {
  const hsts = hstsValue(config.hstsPreload);
  return function handle(this: { log: FastifyBaseLogger }, error: NodeJS.ErrnoException, socket: Socket): void {
    // A reset connection has nobody to answer (Node's own handler does the same).
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const code = codeFor(error);
    const requestId = randomUUID();
    this.log.info({ requestId, parserError: error.code, code }, 'request rejected by the HTTP parser');
    const encrypted = (socket as Socket & { encrypted?: boolean }).encrypted === true;
    if (socket.writable) socket.write(clientErrorResponse(code, requestId, encrypted ? hsts : null));
    socket.destroy();
  };
}
