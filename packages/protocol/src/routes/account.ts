/** The account: profile and keys, its permissions, password change, e-mail verification, security activity, export events, deletion. */
import { AccountPermissionsResponse, AccountResponse, DeleteAccountRequest, EmptyBody, ErrorResponse, ExportEventRequest, OkResponse, PasswordChangeFinishRequest, PasswordChangeFinishResponse, PasswordChangeStartRequest, PasswordChangeStartResponse, SecurityActivityResponse, WriteAccountDataRequest, WriteAccountDataResponse } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const accountRoutes = {
  get: defineRoute({ method: 'GET', path: '/api/v1/account', permission: 'account:self', rateLimit: 'read', tags: ['account'], response: { 200: AccountResponse, ...errors } }),
  passwordStart: defineRoute({ method: 'POST', path: '/api/v1/account/password/start', permission: 'account:self', rateLimit: 'write', tags: ['account'], body: PasswordChangeStartRequest, response: { 200: PasswordChangeStartResponse, ...errors } }),
  passwordFinish: defineRoute({ method: 'POST', path: '/api/v1/account/password/finish', permission: 'account:self', rateLimit: 'write', tags: ['account'], body: PasswordChangeFinishRequest, response: { 200: PasswordChangeFinishResponse, ...errors } }),
  resendVerification: defineRoute({ method: 'POST', path: '/api/v1/account/email/verify', permission: 'account:self', rateLimit: 'write', tags: ['account'], body: EmptyBody, response: { 200: OkResponse, ...errors } }),
  writeData: defineRoute({ method: 'PUT', path: '/api/v1/account/data', permission: 'account:self', rateLimit: 'write', tags: ['account'], body: WriteAccountDataRequest, response: { 200: WriteAccountDataResponse, ...errors, 409: ErrorResponse } }),
  permissions: defineRoute({ method: 'GET', path: '/api/v1/account/permissions', permission: 'account:self', rateLimit: 'read', tags: ['account'], response: { 200: AccountPermissionsResponse, ...errors } }),
  activity: defineRoute({ method: 'GET', path: '/api/v1/account/activity', permission: 'account:self', rateLimit: 'read', tags: ['account'], response: { 200: SecurityActivityResponse, ...errors } }),
  exportEvent: defineRoute({ method: 'POST', path: '/api/v1/account/export-events', permission: 'account:self', rateLimit: 'write', tags: ['account'], body: ExportEventRequest, response: { 200: OkResponse, ...errors } }),
  delete: defineRoute({ method: 'DELETE', path: '/api/v1/account', permission: 'account:self', rateLimit: 'write', tags: ['account'], body: DeleteAccountRequest, response: { 200: OkResponse, ...errors, 409: ErrorResponse } }),
} as const;
