/**
 * Organisations (issue 25): sharing keys, organisations, members, invitations and the organisation's audit events.
 * `org:*` permissions are scoped to the organisation of `:orgId` (permissions.ts); another organisation's ids answer
 * ORG_NOT_FOUND / MEMBER_NOT_FOUND exactly like ids that do not exist.
 */
import {
  ChangeRoleRequest,
  ConfirmMemberRequest,
  CreateOrgRequest,
  EmptyBody,
  ErrorResponse,
  InvitationListResponse,
  InviteRequest,
  MemberListResponse,
  MemberParams,
  MemberResponse,
  OkResponse,
  OrgAuditQuery,
  OrgAuditResponse,
  OrgListResponse,
  OrgParams,
  OrgResponse,
  OwnKeysResponse,
  PublicKeysResponse,
  RegisterKeysRequest,
  RenameOrgRequest,
  UserParams,
} from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const keysRoutes = {
  /** Registers the caller's sharing keys (once; replacing them needs `reauthToken`). */
  register: defineRoute({ method: 'PUT', path: '/api/v1/account/keys', permission: 'account:self', rateLimit: 'write', tags: ['sharing'], body: RegisterKeysRequest, response: { 200: OwnKeysResponse, ...errors } }),
  /** The caller's own sharing keys (null until registered). */
  own: defineRoute({ method: 'GET', path: '/api/v1/account/keys', permission: 'account:self', rateLimit: 'read', tags: ['sharing'], response: { 200: OwnKeysResponse, ...errors } }),
  /** Another user's public keys: only when caller and user share an organisation (or one invited the other); otherwise USER_NOT_FOUND. */
  publicKeys: defineRoute({ method: 'GET', path: '/api/v1/users/:userId/keys', permission: 'account:self', rateLimit: 'read', tags: ['sharing'], params: UserParams, response: { 200: PublicKeysResponse, ...errors } }),
} as const;

export const orgsRoutes = {
  create: defineRoute({ method: 'POST', path: '/api/v1/orgs', permission: 'account:self', rateLimit: 'write', tags: ['orgs'], body: CreateOrgRequest, response: { 201: OrgResponse, ...errors } }),
  /** The organisations the caller is an accepted or confirmed member of. */
  list: defineRoute({ method: 'GET', path: '/api/v1/orgs', permission: 'account:self', rateLimit: 'read', tags: ['orgs'], response: { 200: OrgListResponse, ...errors } }),
  /** Invitations addressed to the caller's e-mail address, not yet accepted. */
  invitations: defineRoute({ method: 'GET', path: '/api/v1/orgs/invitations', permission: 'account:self', rateLimit: 'read', tags: ['orgs'], response: { 200: InvitationListResponse, ...errors } }),
  get: defineRoute({ method: 'GET', path: '/api/v1/orgs/:orgId', permission: 'org:read', rateLimit: 'read', tags: ['orgs'], params: OrgParams, response: { 200: OrgResponse, ...errors } }),
  rename: defineRoute({ method: 'PATCH', path: '/api/v1/orgs/:orgId', permission: 'org:manage', rateLimit: 'write', tags: ['orgs'], params: OrgParams, body: RenameOrgRequest, response: { 200: OrgResponse, ...errors } }),
  /** Deletes the organisation with its shared vaults and their items (owner only). */
  delete: defineRoute({ method: 'DELETE', path: '/api/v1/orgs/:orgId', permission: 'org:delete', rateLimit: 'write', tags: ['orgs'], params: OrgParams, response: { 200: OkResponse, ...errors } }),
  /** Invites an e-mail address; 202 whatever the address (rate limited per organisation and hour). */
  invite: defineRoute({ method: 'POST', path: '/api/v1/orgs/:orgId/invitations', permission: 'org:members', rateLimit: 'write', tags: ['orgs'], params: OrgParams, body: InviteRequest, response: { 202: OkResponse, ...errors } }),
  /** The invitee accepts (needs registered sharing keys and a verified e-mail address): state invited → accepted. */
  accept: defineRoute({ method: 'POST', path: '/api/v1/orgs/:orgId/accept', permission: 'account:self', rateLimit: 'write', tags: ['orgs'], params: OrgParams, body: EmptyBody, response: { 200: OrgResponse, ...errors } }),
  /** Leaves the organisation (also declines an invitation); its last owner cannot. */
  leave: defineRoute({ method: 'POST', path: '/api/v1/orgs/:orgId/leave', permission: 'account:self', rateLimit: 'write', tags: ['orgs'], params: OrgParams, body: EmptyBody, response: { 200: OkResponse, ...errors } }),
  members: defineRoute({ method: 'GET', path: '/api/v1/orgs/:orgId/members', permission: 'org:read', rateLimit: 'read', tags: ['orgs'], params: OrgParams, response: { 200: MemberListResponse, ...errors } }),
  /** accepted → confirmed, with the vault keys sealed for the member (grants of vaults the caller manages). */
  confirm: defineRoute({ method: 'POST', path: '/api/v1/orgs/:orgId/members/:memberId/confirm', permission: 'org:members', rateLimit: 'write', tags: ['orgs'], params: MemberParams, body: ConfirmMemberRequest, response: { 200: MemberResponse, ...errors } }),
  /** Changes a member's role (only an owner gives or takes the owner role). */
  role: defineRoute({ method: 'PUT', path: '/api/v1/orgs/:orgId/members/:memberId/role', permission: 'org:members', rateLimit: 'write', tags: ['orgs'], params: MemberParams, body: ChangeRoleRequest, response: { 200: MemberResponse, ...errors } }),
  /** Removes a member (or withdraws an invitation) and every vault access it had, at once. */
  remove: defineRoute({ method: 'DELETE', path: '/api/v1/orgs/:orgId/members/:memberId', permission: 'org:members', rateLimit: 'write', tags: ['orgs'], params: MemberParams, response: { 200: OkResponse, ...errors } }),
  audit: defineRoute({ method: 'GET', path: '/api/v1/orgs/:orgId/audit', permission: 'org:audit', rateLimit: 'read', tags: ['orgs'], params: OrgParams, query: OrgAuditQuery, response: { 200: OrgAuditResponse, ...errors } }),
} as const;
