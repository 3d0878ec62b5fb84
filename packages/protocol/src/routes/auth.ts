/** Registration, login (OPAQUE, RFC 9807) with its second-factor step, token refresh, logout, e-mail verification and fresh authentication. */
import { ErrorResponse, LoginFinishRequest, LoginFinishResponse, LoginStartRequest, LoginStartResponse, LogoutAllResponse, LogoutRequest, MfaRequest, OkResponse, ReauthFinishRequest, ReauthFinishResponse, ReauthStartRequest, RefreshRequest, RegisterFinishRequest, RegisterFinishResponse, RegisterStartRequest, RegisterStartResponse, TokenResponse, VerifyEmailRequest } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };
const reauthErrors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const authRoutes = {
  reauthStart: defineRoute({ method: 'POST', path: '/api/v1/auth/reauth/start', permission: 'account:self', rateLimit: 'auth', tags: ['auth'], body: ReauthStartRequest, response: { 200: LoginStartResponse, ...reauthErrors } }),
  reauthFinish: defineRoute({ method: 'POST', path: '/api/v1/auth/reauth/finish', permission: 'account:self', rateLimit: 'auth', tags: ['auth'], body: ReauthFinishRequest, response: { 200: ReauthFinishResponse, ...reauthErrors } }),
  registerStart: defineRoute({ method: 'POST', path: '/api/v1/auth/register/start', permission: 'public', rateLimit: 'auth', tags: ['auth'], body: RegisterStartRequest, response: { 200: RegisterStartResponse, ...errors } }),
  registerFinish: defineRoute({ method: 'POST', path: '/api/v1/auth/register/finish', permission: 'public', rateLimit: 'auth', tags: ['auth'], body: RegisterFinishRequest, response: { 201: RegisterFinishResponse, ...errors } }),
  loginStart: defineRoute({ method: 'POST', path: '/api/v1/auth/login/start', permission: 'public', rateLimit: 'auth', tags: ['auth'], body: LoginStartRequest, response: { 200: LoginStartResponse, ...errors } }),
  loginFinish: defineRoute({ method: 'POST', path: '/api/v1/auth/login/finish', permission: 'public', rateLimit: 'auth', tags: ['auth'], body: LoginFinishRequest, response: { 200: LoginFinishResponse, ...errors } }),
  mfa: defineRoute({ method: 'POST', path: '/api/v1/auth/mfa', permission: 'public', rateLimit: 'auth', tags: ['auth'], body: MfaRequest, response: { 200: TokenResponse, ...errors } }),
  verifyEmail: defineRoute({ method: 'POST', path: '/api/v1/auth/verify-email', permission: 'public', rateLimit: 'auth', tags: ['auth'], body: VerifyEmailRequest, response: { 200: OkResponse, ...errors } }),
  refresh: defineRoute({ method: 'POST', path: '/api/v1/auth/refresh', permission: 'public', rateLimit: 'auth', tags: ['auth'], body: RefreshRequest, response: { 200: TokenResponse, ...errors } }),
  logout: defineRoute({ method: 'POST', path: '/api/v1/auth/logout', permission: 'account:self', rateLimit: 'write', tags: ['auth'], body: LogoutRequest, response: { 200: OkResponse, ...errors } }),
  logoutAll: defineRoute({ method: 'POST', path: '/api/v1/auth/logout-all', permission: 'account:self', rateLimit: 'write', tags: ['auth'], body: LogoutRequest, response: { 200: LogoutAllResponse, ...errors } }),
} as const;
