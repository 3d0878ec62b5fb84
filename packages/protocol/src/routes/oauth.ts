/**
 * OAuth 2.0 / OpenID Connect management: clients (admin), the provider's sign-in and consent steps (the web vault's
 * pages), connected applications and API keys (each account's own). The protocol endpoints (/oauth/*, discovery) are
 * served by the provider itself and are not described here.
 */
import {
  ApiKeySecretResponse,
  ApiKeysResponse,
  ConnectedAppsResponse,
  CreateApiKeyRequest,
  CreateOAuthClientRequest,
  EmptyBody,
  ErrorResponse,
  OAuthClientParams,
  OAuthClientResponse,
  OAuthClientSecretResponse,
  OAuthClientsResponse,
  OAuthInteractionDecision,
  OAuthInteractionParams,
  OAuthInteractionResponse,
  OkResponse,
} from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const oauthRoutes = {
  clients: defineRoute({ method: 'GET', path: '/api/v1/admin/oauth/clients', permission: 'oauth:read', rateLimit: 'read', tags: ['admin', 'oauth'], response: { 200: OAuthClientsResponse, ...errors } }),
  createClient: defineRoute({ method: 'POST', path: '/api/v1/admin/oauth/clients', permission: 'oauth:manage', rateLimit: 'write', tags: ['admin', 'oauth'], body: CreateOAuthClientRequest, response: { 201: OAuthClientSecretResponse, ...errors } }),
  rotateSecret: defineRoute({ method: 'POST', path: '/api/v1/admin/oauth/clients/:clientId/secret', permission: 'oauth:manage', rateLimit: 'write', tags: ['admin', 'oauth'], params: OAuthClientParams, body: EmptyBody, response: { 200: OAuthClientSecretResponse, ...errors } }),
  disableClient: defineRoute({ method: 'POST', path: '/api/v1/admin/oauth/clients/:clientId/disable', permission: 'oauth:manage', rateLimit: 'write', tags: ['admin', 'oauth'], params: OAuthClientParams, body: EmptyBody, response: { 200: OAuthClientResponse, ...errors } }),
  enableClient: defineRoute({ method: 'POST', path: '/api/v1/admin/oauth/clients/:clientId/enable', permission: 'oauth:manage', rateLimit: 'write', tags: ['admin', 'oauth'], params: OAuthClientParams, body: EmptyBody, response: { 200: OAuthClientResponse, ...errors } }),
  deleteClient: defineRoute({ method: 'DELETE', path: '/api/v1/admin/oauth/clients/:clientId', permission: 'oauth:manage', rateLimit: 'write', tags: ['admin', 'oauth'], params: OAuthClientParams, response: { 200: OkResponse, ...errors } }),

  interaction: defineRoute({ method: 'GET', path: '/api/v1/oauth/interactions/:uid', permission: 'public', rateLimit: 'read', tags: ['oauth'], params: OAuthInteractionParams, response: { 200: OAuthInteractionResponse, ...errors } }),
  /**
   * Signs the interaction in as the caller (the Watchword login — OPAQUE, second factor — happened in the page first)
   * when the account already consented to everything asked; otherwise answers `consentRequired` and changes nothing.
   */
  interactionLogin: defineRoute({ method: 'POST', path: '/api/v1/oauth/interactions/:uid/login', permission: 'account:self', rateLimit: 'auth', tags: ['oauth'], params: OAuthInteractionParams, body: EmptyBody, response: { 200: OAuthInteractionDecision, ...errors } }),
  /** Consents (and signs in, at a sign-in step): the decision of the consent screen. */
  interactionConsent: defineRoute({ method: 'POST', path: '/api/v1/oauth/interactions/:uid/consent', permission: 'account:self', rateLimit: 'auth', tags: ['oauth'], params: OAuthInteractionParams, body: EmptyBody, response: { 200: OAuthInteractionDecision, ...errors } }),
  interactionAbort: defineRoute({ method: 'POST', path: '/api/v1/oauth/interactions/:uid/abort', permission: 'public', rateLimit: 'auth', tags: ['oauth'], params: OAuthInteractionParams, body: EmptyBody, response: { 200: OAuthInteractionDecision, ...errors } }),

  connectedApps: defineRoute({ method: 'GET', path: '/api/v1/oauth/connected-apps', permission: 'account:self', rateLimit: 'read', tags: ['oauth'], response: { 200: ConnectedAppsResponse, ...errors } }),
  disconnectApp: defineRoute({ method: 'DELETE', path: '/api/v1/oauth/connected-apps/:clientId', permission: 'account:self', rateLimit: 'write', tags: ['oauth'], params: OAuthClientParams, response: { 200: OkResponse, ...errors } }),

  apiKeys: defineRoute({ method: 'GET', path: '/api/v1/api-keys', permission: 'account:self', rateLimit: 'read', tags: ['oauth'], response: { 200: ApiKeysResponse, ...errors } }),
  createApiKey: defineRoute({ method: 'POST', path: '/api/v1/api-keys', permission: 'account:self', rateLimit: 'write', tags: ['oauth'], body: CreateApiKeyRequest, response: { 201: ApiKeySecretResponse, ...errors } }),
  revokeApiKey: defineRoute({ method: 'DELETE', path: '/api/v1/api-keys/:clientId', permission: 'account:self', rateLimit: 'write', tags: ['oauth'], params: OAuthClientParams, response: { 200: OkResponse, ...errors } }),
} as const;
