import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { MfaMethod, TokenResponse } from '@watchword/protocol';
import { WatchwordError } from '@watchword/protocol';
import { audit } from '../audit/audit.ts';
import { denySession as deny } from '../tokens/denylist.ts';
import type { Context } from '../context.ts';
import type { AuditEventRecord } from '../storage/audit.ts';
import type { SessionRecord } from '../storage/sessions.ts';
import { signAccessToken } from '../tokens/access-token.ts';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken, openSuccessor, sealSuccessor } from '../tokens/refresh-token.ts';

export interface ClientInfo {
  ip: string;
  userAgent: string;
  deviceName: string;
  /** Thumbprint of the client's DPoP key when it sent a proof (RFC 9449 §5): tokens are then bound to it. */
  dpopJkt: string | null;
}

function tokenResponse(ctx: Context, session: Pick<SessionRecord, 'userId' | 'id' | 'dpopJkt'>, refreshToken: string): TokenResponse {
  const { token } = signAccessToken(
    ctx.signingKeys,
    ctx.tokens,
    { userId: session.userId, sessionId: session.id },
    ctx.now(),
    // RFC 9449 §6: a DPoP-bound token carries the key's thumbprint.
    session.dpopJkt ? { cnf: { jkt: session.dpopJkt } } : {},
  );
  return { accessToken: token, refreshToken, expiresIn: ctx.tokens.ttlSeconds, tokenType: session.dpopJkt ? 'DPoP' : 'Bearer' };
}

/**
 * Starts a new session (one refresh-token family per login/device). The login's audit event is written with it in
 * one transaction, with the user's last login time. `secondFactor`: the factor the login passed (null: password only),
 * kept with the session for as long as it lives.
 */
export async function openSession(ctx: Context, userId: string, client: ClientInfo, loginEvent: AuditEventRecord, secondFactor: MfaMethod | null): Promise<TokenResponse> {
  const now = ctx.now();
  const { token, hash } = newRefreshToken();
  const session = {
    id: randomUUID(),
    userId,
    refreshHash: hash,
    deviceName: client.deviceName,
    ip: client.ip,
    userAgent: client.userAgent,
    createdAt: now,
    expiresAt: now + ctx.config.refreshTokenTtlSeconds * 1000,
    dpopJkt: client.dpopJkt,
    secondFactor,
  };
  await ctx.storage.sessions.create(session, loginEvent);
  return tokenResponse(ctx, session, token);
}

/** Marks a session's access tokens as revoked until the longest they could still live. */
export async function denySession(ctx: Context, sessionId: string): Promise<void> {
  await deny(ctx, sessionId);
}

/**
 * Rotates a refresh token (RFC 9700 §4.14.2): one conditional UPDATE, so concurrent uses of the same token can never
 * both mint successors. A duplicate inside the grace window gets the same successor; a rotated token presented after
 * it is reuse — a stolen copy or a replay — and revokes the whole family at once.
 * `dpopJkt` is the thumbprint of the proof sent with the request (null without one): a DPoP-bound family only
 * rotates with a proof from its own key (RFC 9449 §5). `request` is the refresh request (for the reuse audit event).
 */
export async function refreshSession(ctx: Context, presented: string, dpopJkt: string | null, request: FastifyRequest): Promise<TokenResponse> {
  if (!looksLikeRefreshToken(presented)) throw new WatchwordError('INVALID_REFRESH_TOKEN');
  const next = newRefreshToken();
  const now = ctx.now();
  const result = await ctx.storage.sessions.rotate({
    presentedHash: hashRefreshToken(presented),
    newHash: next.hash,
    sealedSuccessor: sealSuccessor(presented, next.token),
    now,
    idleTimeoutMs: ctx.config.refreshIdleTimeoutSeconds * 1000,
    graceMs: ctx.config.refreshReuseGraceSeconds * 1000,
  });
  if (result.status === 'invalid') throw new WatchwordError('INVALID_REFRESH_TOKEN');
  if (result.session.dpopJkt !== null && result.session.dpopJkt !== dpopJkt) {
    // Wrong or missing key for a bound family. The rotation (if it happened) is moot: the family is over.
    await revokeFamily(ctx, request, result.session, 'refresh token presented without its DPoP key', 'dpop_key_mismatch');
    throw new WatchwordError('INVALID_REFRESH_TOKEN');
  }
  if (result.status === 'reused') {
    await revokeFamily(ctx, request, result.session, 'refresh token reuse detected', 'reuse');
    throw new WatchwordError('INVALID_REFRESH_TOKEN');
  }
  if (result.status === 'grace') return tokenResponse(ctx, result.session, openSuccessor(presented, result.sealedSuccessor));
  return tokenResponse(ctx, result.session, next.token);
}

async function revokeFamily(ctx: Context, request: FastifyRequest, session: SessionRecord, reason: string, kind: 'reuse' | 'dpop_key_mismatch'): Promise<void> {
  await ctx.storage.sessions.revoke(session.userId, session.id, ctx.now());
  await denySession(ctx, session.id);
  ctx.metrics.refreshReuse();
  // Security event; never the token itself. The presenter is unknown (a thief or the owner): no actor.
  ctx.log.warn({ event: 'refresh_token_reuse', userId: session.userId, sessionId: session.id, reason }, reason);
  await audit(ctx, request, { action: 'token.reuse_detected', actorId: null, targetId: session.userId, outcome: 'denied', context: { session: session.id, reason: kind } });
}

export async function closeSession(ctx: Context, userId: string, sessionId: string): Promise<boolean> {
  const revoked = await ctx.storage.sessions.revoke(userId, sessionId, ctx.now());
  if (revoked) await denySession(ctx, sessionId);
  return revoked;
}

export async function closeAllSessions(ctx: Context, userId: string): Promise<number> {
  const ids = await ctx.storage.sessions.revokeAllForUser(userId, ctx.now());
  await denySessions(ctx, ids);
  return ids.length;
}

/** Denies the access tokens of sessions the database has just revoked. */
export async function denySessions(ctx: Context, ids: readonly string[]): Promise<void> {
  await Promise.all(ids.map((id) => denySession(ctx, id)));
}
