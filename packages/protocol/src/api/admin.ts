/**
 * The admin API (`/api/v1/admin`): account metadata, status, sessions, throttling, roles, settings and the audit
 * log. Metadata only — no schema here can carry a wrapped key, an OPAQUE record or item data.
 */
import Type, { type Static } from 'typebox';
import { PERMISSIONS, type Permission } from '../permissions.ts';
import { Email, Timestamp, Uuid, strict } from './common.ts';

/** Custom role names; the built-in ones (user, auditor, admin, owner) match too. */
export const ROLE_NAME_PATTERN = '^[a-z][a-z0-9_-]{1,31}$';
export const RoleName = Type.String({ pattern: ROLE_NAME_PATTERN, minLength: 2, maxLength: 32, description: 'Role name' });

export const PermissionName = Type.Unsafe<Permission>(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))));

/** An opaque pagination cursor (base64url); pass back exactly as received. */
const Cursor = Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 512, description: 'Opaque cursor from a previous page' });
/** A decimal count from 1 to 100 or 500 in a query string (queries are never coerced). */
const QueryCount = (max: 100 | 500) =>
  Type.String({ pattern: max === 100 ? '^([1-9][0-9]?|100)$' : '^([1-9][0-9]?|[1-4][0-9]{2}|500)$', maxLength: 3, description: `1 to ${max}` });
/** Milliseconds since the epoch in a query string. */
const QueryTime = Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$', maxLength: 16, description: 'Milliseconds since the epoch' });

export const MAX_ADMIN_USERS_PAGE = 100;
export const MAX_AUDIT_PAGE = 500;

export const AdminUsersQuery = Type.Object(
  {
    query: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Part of the e-mail address (case-insensitive)' })),
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(QueryCount(MAX_ADMIN_USERS_PAGE)),
  },
  strict,
);
export type AdminUsersQuery = Static<typeof AdminUsersQuery>;

export const AdminUser = Type.Object(
  {
    id: Uuid,
    email: Type.String({ maxLength: 254 }),
    createdAt: Timestamp,
    lastLoginAt: Type.Union([Timestamp, Type.Null()]),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    disabledAt: Type.Union([Timestamp, Type.Null()]),
    emailVerified: Type.Boolean(),
    factors: Type.Object({ totp: Type.Boolean(), webauthnKeys: Type.Integer({ minimum: 0 }) }, strict),
    roles: Type.Array(RoleName),
  },
  strict,
);
export type AdminUser = Static<typeof AdminUser>;

export const AdminUsersResponse = Type.Object({ users: Type.Array(AdminUser), nextCursor: Type.Union([Cursor, Type.Null()]) }, strict);
export type AdminUsersResponse = Static<typeof AdminUsersResponse>;

export const AdminUserResponse = Type.Object({ user: AdminUser }, strict);
export type AdminUserResponse = Static<typeof AdminUserResponse>;

export const AdminUserParams = Type.Object({ id: Uuid }, strict);
export const AdminUserRoleParams = Type.Object({ id: Uuid, role: RoleName }, strict);

/** Deleting an account: the target's address typed again. */
export const AdminDeleteUserRequest = Type.Object({ confirmEmail: Email }, strict);
export type AdminDeleteUserRequest = Static<typeof AdminDeleteUserRequest>;

export const AdminRevokeSessionsResponse = Type.Object({ ok: Type.Literal(true), revoked: Type.Integer({ minimum: 0 }) }, strict);
export type AdminRevokeSessionsResponse = Static<typeof AdminRevokeSessionsResponse>;

export const AdminRole = Type.Object(
  {
    name: RoleName,
    parent: Type.Union([RoleName, Type.Null()]),
    description: Type.String({ maxLength: 200 }),
    builtin: Type.Boolean(),
    /** The role's own permissions. */
    permissions: Type.Array(PermissionName),
    /** Its own and every ancestor's. */
    effectivePermissions: Type.Array(PermissionName),
  },
  strict,
);
export type AdminRole = Static<typeof AdminRole>;

/**
 * What the signed-in account may do beyond its own vault (`GET /api/v1/account/permissions`): its effective
 * permissions, and whether the server refuses them to this session until it is signed in with a second factor
 * (ADMIN_SECOND_FACTOR). Clients decide what to show from it instead of trying the admin API.
 */
export const AccountPermissionsResponse = Type.Object(
  { permissions: Type.Array(PermissionName, { maxItems: PERMISSIONS.length, uniqueItems: true }), secondFactorRequired: Type.Boolean() },
  strict,
);
export type AccountPermissionsResponse = Static<typeof AccountPermissionsResponse>;

export const AdminRolesResponse = Type.Object({ roles: Type.Array(AdminRole) }, strict);
export type AdminRolesResponse = Static<typeof AdminRolesResponse>;

export const CreateRoleRequest = Type.Object(
  {
    name: RoleName,
    parent: RoleName,
    description: Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }),
    permissions: Type.Array(PermissionName, { maxItems: PERMISSIONS.length, uniqueItems: true }),
  },
  strict,
);
export type CreateRoleRequest = Static<typeof CreateRoleRequest>;

export const AdminRoleResponse = Type.Object({ role: AdminRole }, strict);
export type AdminRoleResponse = Static<typeof AdminRoleResponse>;

export const SettingValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null(), Type.Array(Type.String())]);
export type SettingValue = Static<typeof SettingValue>;

/** The effective configuration with every secret redacted (the same view as `ww-server config`). */
export const AdminSettingsResponse = Type.Object({ settings: Type.Record(Type.String(), SettingValue) }, strict);
export type AdminSettingsResponse = Static<typeof AdminSettingsResponse>;

export const AuditOutcome = Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')]);
export type AuditOutcome = Static<typeof AuditOutcome>;

/** Filters shared by the audit query and its export. `since` is inclusive, `until` exclusive. */
const auditFilters = {
  since: Type.Optional(QueryTime),
  until: Type.Optional(QueryTime),
  action: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', maxLength: 64, description: 'e.g. auth.login' })),
  actorId: Type.Optional(Uuid),
  targetId: Type.Optional(Uuid),
  outcome: Type.Optional(AuditOutcome),
};

export const AuditQuery = Type.Object({ ...auditFilters, cursor: Type.Optional(Cursor), limit: Type.Optional(QueryCount(MAX_AUDIT_PAGE)) }, strict);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditExportFormat = Type.Union([Type.Literal('jsonl'), Type.Literal('csv')]);
export type AuditExportFormat = Static<typeof AuditExportFormat>;

export const AuditExportQuery = Type.Object({ ...auditFilters, format: AuditExportFormat }, strict);

/** The export's body (streamed): JSON Lines (application/x-ndjson) or CSV with a header row (text/csv). */
export const AuditExportBody = Type.String({ description: 'One audit event per line: JSON Lines, or RFC 4180 CSV with a header row' });
export type AuditExportQuery = Static<typeof AuditExportQuery>;

/** Audit filters as the SDK takes them (numbers, not query strings). */
export interface AuditFilters {
  since?: number;
  until?: number;
  action?: string;
  actorId?: string;
  targetId?: string;
  outcome?: AuditOutcome;
}

export const AuditEvent = Type.Object(
  {
    id: Uuid,
    at: Timestamp,
    actorId: Type.Union([Type.String(), Type.Null()]),
    action: Type.String(),
    targetId: Type.Union([Type.String(), Type.Null()]),
    ip: Type.String(),
    userAgent: Type.String(),
    outcome: AuditOutcome,
    requestId: Type.String(),
    context: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  },
  strict,
);
export type AuditEvent = Static<typeof AuditEvent>;

export const AuditQueryResponse = Type.Object({ events: Type.Array(AuditEvent), nextCursor: Type.Union([Cursor, Type.Null()]) }, strict);
export type AuditQueryResponse = Static<typeof AuditQueryResponse>;
