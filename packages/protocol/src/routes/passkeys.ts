/**
 * Passkeys that sign in and unlock (WebAuthn with the PRF extension, issue 22): the account's own list (adding one
 * needs fresh authentication, like a second factor), and sign-in without an e-mail address (discoverable credentials).
 */
import { EmptyBody, ErrorResponse, OkResponse, PasskeyAddRequest, PasskeyAddResponse, PasskeyListResponse, PasskeyOptionsResponse, PasskeyParams, PasskeySignInFinishRequest, PasskeySignInFinishResponse, PasskeySignInStartResponse, ReauthRequest } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };
const signInErrors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const passkeysRoutes = {
  list: defineRoute({ method: 'GET', path: '/api/v1/account/passkeys', permission: 'account:self', rateLimit: 'read', tags: ['passkeys'], response: { 200: PasskeyListResponse, ...errors } }),
  registerStart: defineRoute({ method: 'POST', path: '/api/v1/account/passkeys/options', permission: 'account:self', rateLimit: 'write', tags: ['passkeys'], body: ReauthRequest, response: { 200: PasskeyOptionsResponse, ...errors } }),
  registerFinish: defineRoute({ method: 'POST', path: '/api/v1/account/passkeys', permission: 'account:self', rateLimit: 'write', tags: ['passkeys'], body: PasskeyAddRequest, response: { 200: PasskeyAddResponse, ...errors } }),
  remove: defineRoute({ method: 'DELETE', path: '/api/v1/account/passkeys/:id', permission: 'account:self', rateLimit: 'write', tags: ['passkeys'], params: PasskeyParams, body: ReauthRequest, response: { 200: OkResponse, ...errors } }),
  signInStart: defineRoute({ method: 'POST', path: '/api/v1/auth/passkey/start', permission: 'public', rateLimit: 'auth', tags: ['auth', 'passkeys'], body: EmptyBody, response: { 200: PasskeySignInStartResponse, ...signInErrors } }),
  signInFinish: defineRoute({ method: 'POST', path: '/api/v1/auth/passkey/finish', permission: 'public', rateLimit: 'auth', tags: ['auth', 'passkeys'], body: PasskeySignInFinishRequest, response: { 200: PasskeySignInFinishResponse, ...signInErrors } }),
} as const;
