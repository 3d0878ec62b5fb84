/** Account recovery: the e-mail token, the recovery key, and the vault reset. */
import { AcceptedResponse, ErrorResponse, OkResponse, RecoveryFinishRequest, RecoveryRequest, RecoveryStartRequest, RecoveryStartResponse, VaultResetRequest } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const recoveryRoutes = {
  request: defineRoute({ method: 'POST', path: '/api/v1/auth/recovery/request', permission: 'public', rateLimit: 'auth', tags: ['recovery'], body: RecoveryRequest, response: { 202: AcceptedResponse, ...errors } }),
  start: defineRoute({ method: 'POST', path: '/api/v1/auth/recovery/start', permission: 'public', rateLimit: 'auth', tags: ['recovery'], body: RecoveryStartRequest, response: { 200: RecoveryStartResponse, ...errors } }),
  finish: defineRoute({ method: 'POST', path: '/api/v1/auth/recovery/finish', permission: 'public', rateLimit: 'auth', tags: ['recovery'], body: RecoveryFinishRequest, response: { 200: OkResponse, ...errors } }),
  resetVault: defineRoute({ method: 'POST', path: '/api/v1/auth/recovery/reset-vault', permission: 'public', rateLimit: 'auth', tags: ['recovery'], body: VaultResetRequest, response: { 200: OkResponse, ...errors } }),
} as const;
