/**
 * Writes audit events (security spec "Audit": user id, action, resource, timestamp, IP, user agent, outcome,
 * context). The action list is closed; the context holds identifiers and flags only — never a secret, token,
 * password-derived value or item content (a test scans for them).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Context } from '../context.ts';
import type { AuditEventRecord } from '../storage/audit.ts';

export const AUDIT_ACTIONS = [
  'account.register',
  'account.email_verified',
  'account.password_changed',
  'account.deleted',
  /** The owner exported the vault (after fresh authentication); context: the format and item count, never content. */
  'account.exported',
  /** The client-sealed account data was replaced (PUT /api/v1/account/data); context: the new revision, never content. */
  'account.data_updated',
  'auth.login',
  'auth.mfa',
  'auth.reauth',
  /** A credential attempt refused by the brute-force throttle (429); context.step names the path. */
  'auth.throttled',
  'auth.logout',
  'auth.logout_all',
  /** The account ended one of its own sessions (DELETE /api/v1/sessions/:id). */
  'session.revoked',
  /** A rotated refresh token presented again (or without its DPoP key): the whole session was ended. */
  'token.reuse_detected',
  'mfa.totp_enabled',
  'mfa.totp_disabled',
  'mfa.webauthn_added',
  'mfa.webauthn_removed',
  /** A passkey that signs in and unlocks (issue 22) was added or removed; context: the credential id's first characters. */
  'passkey.added',
  'passkey.removed',
  'mfa.backup_codes_generated',
  'mfa.backup_code_used',
  'recovery.requested',
  'recovery.completed',
  'recovery.vault_reset',
  'admin.user_disabled',
  'admin.user_enabled',
  'admin.user_deleted',
  'admin.sessions_revoked',
  'admin.throttle_cleared',
  'admin.role_granted',
  'admin.role_revoked',
  'admin.role_created',
  'admin.audit_exported',
  /** A read of the admin API (users, roles, settings, the audit log) refused for want of permission or second factor. */
  'admin.read_refused',
  /** OAuth clients ("Sign in with Watchword"): registered, secret rotated, disabled, enabled, deleted. */
  'admin.oauth_client_created',
  'admin.oauth_client_secret_rotated',
  'admin.oauth_client_disabled',
  'admin.oauth_client_enabled',
  'admin.oauth_client_deleted',
  /** An account signed in to an application through the provider, consented, or disconnected it. */
  'oauth.login',
  'oauth.consent_granted',
  'oauth.consent_revoked',
  /** API keys for automation. */
  'apikey.created',
  'apikey.revoked',
  /** Sharing keys (issue 25) registered or replaced. */
  'account.sharing_keys_registered',
  /** Organisation events (issue 25), also written with the organisation's id and shown to its owners and admins. */
  'org.created',
  'org.renamed',
  'org.deleted',
  'org.member_invited',
  'org.member_accepted',
  'org.member_confirmed',
  'org.member_role_changed',
  'org.member_removed',
  'org.member_left',
  'vault.created',
  'vault.renamed',
  'vault.deleted',
  'vault.shared',
  'vault.access_changed',
  'vault.unshared',
  'vault.key_rotated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditInput {
  action: AuditAction;
  actorId: string | null;
  targetId?: string | null;
  outcome: AuditEventRecord['outcome'];
  context?: AuditEventRecord['context'];
}

/** The event for `input`, stamped with the request's time, address, user agent and id. */
export function auditEvent(ctx: Context, request: FastifyRequest, input: AuditInput): AuditEventRecord {
  const ua = request.headers['user-agent'];
  return {
    id: randomUUID(),
    at: ctx.now(),
    actorId: input.actorId,
    action: input.action,
    targetId: input.targetId ?? input.actorId,
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua.slice(0, 256) : '',
    outcome: input.outcome,
    requestId: request.id,
    context: input.context ?? {},
  };
}

/**
 * Appends one event; a failure to audit is logged and re-thrown, so the caller answers 500 rather than success.
 * Most changes are committed before their event is appended (a login's event is written in its own transaction):
 * if the database takes the change and then refuses the event, the change stands and the log line is its record.
 */
export async function audit(ctx: Context, request: FastifyRequest, input: AuditInput): Promise<void> {
  try {
    await ctx.storage.audit.append(auditEvent(ctx, request, input));
  } catch (error) {
    ctx.log.error({ err: error, action: input.action }, 'audit write failed');
    throw error;
  }
}

/** An organisation's event (issue 25): one row, carrying the organisation's id, so its owners and admins read it. */
export async function auditOrg(ctx: Context, request: FastifyRequest, orgId: string, input: AuditInput): Promise<void> {
  try {
    await ctx.storage.orgAudit.append(orgId, auditEvent(ctx, request, input));
  } catch (error) {
    ctx.log.error({ err: error, action: input.action }, 'audit write failed');
    throw error;
  }
}
