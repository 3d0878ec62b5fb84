/** Administration: accounts, roles, settings and the audit log (each behind its own permission). */
import { AdminDeleteUserRequest, AdminRevokeSessionsResponse, AdminRoleResponse, AdminRolesResponse, AdminSettingsResponse, AdminUserParams, AdminUserResponse, AdminUserRoleParams, AdminUsersQuery, AdminUsersResponse, AuditExportBody, AuditExportQuery, AuditQuery, AuditQueryResponse, CreateRoleRequest, EmptyBody, ErrorResponse, OkResponse } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const adminRoutes = {
  users: defineRoute({ method: 'GET', path: '/api/v1/admin/users', permission: 'users:read', rateLimit: 'read', tags: ['admin'], query: AdminUsersQuery, response: { 200: AdminUsersResponse, ...errors } }),
  user: defineRoute({ method: 'GET', path: '/api/v1/admin/users/:id', permission: 'users:read', rateLimit: 'read', tags: ['admin'], params: AdminUserParams, response: { 200: AdminUserResponse, ...errors } }),
  disableUser: defineRoute({ method: 'POST', path: '/api/v1/admin/users/:id/disable', permission: 'users:disable', rateLimit: 'write', tags: ['admin'], params: AdminUserParams, body: EmptyBody, response: { 200: AdminUserResponse, ...errors } }),
  enableUser: defineRoute({ method: 'POST', path: '/api/v1/admin/users/:id/enable', permission: 'users:disable', rateLimit: 'write', tags: ['admin'], params: AdminUserParams, body: EmptyBody, response: { 200: AdminUserResponse, ...errors } }),
  deleteUser: defineRoute({ method: 'DELETE', path: '/api/v1/admin/users/:id', permission: 'users:delete', rateLimit: 'write', tags: ['admin'], params: AdminUserParams, body: AdminDeleteUserRequest, response: { 200: OkResponse, ...errors } }),
  revokeSessions: defineRoute({ method: 'POST', path: '/api/v1/admin/users/:id/sessions/revoke', permission: 'sessions:revoke', rateLimit: 'write', tags: ['admin'], params: AdminUserParams, body: EmptyBody, response: { 200: AdminRevokeSessionsResponse, ...errors } }),
  clearThrottle: defineRoute({ method: 'POST', path: '/api/v1/admin/users/:id/throttle/clear', permission: 'throttle:clear', rateLimit: 'write', tags: ['admin'], params: AdminUserParams, body: EmptyBody, response: { 200: OkResponse, ...errors } }),
  grantRole: defineRoute({ method: 'PUT', path: '/api/v1/admin/users/:id/roles/:role', permission: 'roles:assign', rateLimit: 'write', tags: ['admin'], params: AdminUserRoleParams, body: EmptyBody, response: { 200: AdminUserResponse, ...errors } }),
  revokeRole: defineRoute({ method: 'DELETE', path: '/api/v1/admin/users/:id/roles/:role', permission: 'roles:assign', rateLimit: 'write', tags: ['admin'], params: AdminUserRoleParams, response: { 200: AdminUserResponse, ...errors } }),
  roles: defineRoute({ method: 'GET', path: '/api/v1/admin/roles', permission: 'roles:read', rateLimit: 'read', tags: ['admin'], response: { 200: AdminRolesResponse, ...errors } }),
  createRole: defineRoute({ method: 'POST', path: '/api/v1/admin/roles', permission: 'roles:manage', rateLimit: 'write', tags: ['admin'], body: CreateRoleRequest, response: { 201: AdminRoleResponse, ...errors } }),
  settings: defineRoute({ method: 'GET', path: '/api/v1/admin/settings', permission: 'settings:read', rateLimit: 'read', tags: ['admin'], response: { 200: AdminSettingsResponse, ...errors } }),
  audit: defineRoute({ method: 'GET', path: '/api/v1/admin/audit', permission: 'audit:read', rateLimit: 'read', tags: ['admin'], query: AuditQuery, response: { 200: AuditQueryResponse, ...errors } }),
  auditExport: defineRoute({ method: 'GET', path: '/api/v1/admin/audit/export', permission: 'audit:export', rateLimit: 'read', tags: ['admin'], query: AuditExportQuery, response: { 200: AuditExportBody, ...errors } }),
} as const;
