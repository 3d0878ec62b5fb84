/** How the admin API shows accounts, roles and settings: metadata only, never a key or vault content. */
import {
  type AdminRole,
  type AdminUser,
  effectivePermissions,
  isPermission,
  type SettingValue,
  WatchwordError,
} from '@watchword/protocol';
import { redactConfig } from '../../config.ts';
import type { Context } from '../../context.ts';
import type { RoleRecord } from '../../storage/roles.ts';
import type { UserSummary } from '../../storage/users.ts';

export function toAdminUser(s: UserSummary): AdminUser {
  return {
    id: s.id,
    email: s.email,
    createdAt: s.createdAt,
    lastLoginAt: s.lastLoginAt,
    status: s.disabledAt === null ? 'active' : 'disabled',
    disabledAt: s.disabledAt,
    emailVerified: s.emailVerified,
    factors: { totp: s.totp, webauthnKeys: s.webauthnKeys },
    roles: s.roles,
  };
}

export function catalogueOf(roles: readonly RoleRecord[]) {
  return new Map(roles.map((r) => [r.name, r]));
}

export function toAdminRole(role: RoleRecord, catalogue: ReturnType<typeof catalogueOf>): AdminRole {
  return {
    name: role.name,
    parent: role.parent,
    description: role.description,
    builtin: role.builtin,
    permissions: role.permissions.filter(isPermission),
    effectivePermissions: [...effectivePermissions([role.name], catalogue)].sort(),
  };
}

/** Settings as the API shows them: the redacted configuration, every value a string, number, boolean, null or list. */
export function settingsView(config: Context['config']): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(redactConfig(config))) {
    if (value === undefined || value === null) out[key] = null;
    else if (Array.isArray(value)) out[key] = value.map(String);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else out[key] = String(value);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------ cursors

export const invalidCursor = () => new WatchwordError('VALIDATION_FAILED', { details: { in: 'querystring', field: 'cursor' } });

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
