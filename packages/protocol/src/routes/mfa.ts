/** Second factors: TOTP, backup codes and WebAuthn credentials. */
import { BackupCodesResponse, ErrorResponse, FactorEnabledResponse, MfaStatusResponse, OkResponse, ReauthRequest, TotpCodeRequest, TotpEnrolResponse, WebauthnAddRequest, WebauthnAddResponse, WebauthnOptionsResponse, WebauthnParams } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const mfaRoutes = {
  status: defineRoute({ method: 'GET', path: '/api/v1/account/mfa', permission: 'account:self', rateLimit: 'read', tags: ['mfa'], response: { 200: MfaStatusResponse, ...errors } }),
  totpEnable: defineRoute({ method: 'POST', path: '/api/v1/account/mfa/totp', permission: 'account:self', rateLimit: 'write', tags: ['mfa'], body: ReauthRequest, response: { 200: TotpEnrolResponse, ...errors } }),
  totpConfirm: defineRoute({ method: 'POST', path: '/api/v1/account/mfa/totp/confirm', permission: 'account:self', rateLimit: 'write', tags: ['mfa'], body: TotpCodeRequest, response: { 200: FactorEnabledResponse, ...errors } }),
  totpDisable: defineRoute({ method: 'DELETE', path: '/api/v1/account/mfa/totp', permission: 'account:self', rateLimit: 'write', tags: ['mfa'], body: TotpCodeRequest, response: { 200: OkResponse, ...errors } }),
  backupCodes: defineRoute({ method: 'POST', path: '/api/v1/account/mfa/backup-codes', permission: 'account:self', rateLimit: 'write', tags: ['mfa'], body: ReauthRequest, response: { 200: BackupCodesResponse, ...errors } }),
  webauthnOptions: defineRoute({ method: 'POST', path: '/api/v1/account/mfa/webauthn/options', permission: 'account:self', rateLimit: 'write', tags: ['mfa'], body: ReauthRequest, response: { 200: WebauthnOptionsResponse, ...errors } }),
  webauthnAdd: defineRoute({ method: 'POST', path: '/api/v1/account/mfa/webauthn', permission: 'account:self', rateLimit: 'write', tags: ['mfa'], body: WebauthnAddRequest, response: { 200: WebauthnAddResponse, ...errors } }),
  webauthnRemove: defineRoute({ method: 'DELETE', path: '/api/v1/account/mfa/webauthn/:id', permission: 'account:self', rateLimit: 'write', tags: ['mfa'], params: WebauthnParams, body: ReauthRequest, response: { 200: OkResponse, ...errors } }),
} as const;
