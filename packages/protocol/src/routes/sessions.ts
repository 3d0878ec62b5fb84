/** The account's sessions (devices). */
import { ErrorResponse, ListSessionsResponse, OkResponse, SessionParams } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const sessionsRoutes = {
  list: defineRoute({ method: 'GET', path: '/api/v1/sessions', permission: 'account:self', rateLimit: 'read', tags: ['sessions'], response: { 200: ListSessionsResponse, ...errors } }),
  revoke: defineRoute({ method: 'DELETE', path: '/api/v1/sessions/:id', permission: 'account:self', rateLimit: 'write', tags: ['sessions'], params: SessionParams, response: { 200: OkResponse, ...errors } }),
} as const;
