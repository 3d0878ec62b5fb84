import { randomUUID } from 'node:crypto';
import type { TokenResponse } from '@watchword/protocol';
import { WatchwordError } from '@watchword/protocol';
import { revokedSessionKey } from '../../http/authenticate.ts';
import type { Context } from '../../http/types.ts';
import { signAccessToken } from '../../tokens/access-token.ts';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from '../../tokens/refresh-token.ts';

export interface ClientInfo {
  ip: string;
  userAgent: string;
  deviceName: string;
}

function tokenResponse(ctx: Context, userId: string, sessionId: string, refreshToken: string): TokenResponse {
  const { token } = signAccessToken(ctx.signingKeys, ctx.tokens, { userId, sessionId }, ctx.now());
  return { accessToken: token, refreshToken, expiresIn: ctx.tokens.ttlSeconds, tokenType: 'Bearer' };
}

/** Starts a new session (one refresh-token family per login/device). */
export async function openSession(ctx: Context, userId: string, client: ClientInfo): Promise<TokenResponse> {
  const now = ctx.now();
  const { token, hash } = newRefreshToken();
  const sessionId = randomUUID();
  await ctx.storage.sessions.create({
    id: sessionId,
    userId,
    refreshHash: hash,
    deviceName: client.deviceName,
    ip: client.ip,
    userAgent: client.userAgent,
    createdAt: now,
    expiresAt: now + ctx.config.refreshTokenTtlSeconds * 1000,
  });
  return tokenResponse(ctx, userId, sessionId, token);
}

/** Marks a session's access tokens as revoked until the longest they could still live. */
export async function denySession(ctx: Context, sessionId: string): Promise<void> {
  await ctx.state.set(revokedSessionKey(sessionId), '1', (ctx.tokens.ttlSeconds + ctx.tokens.clockToleranceSeconds) * 1000);
}

/**
 * Rotates a refresh token (one conditional UPDATE: two concurrent uses cannot both succeed).
 * Presenting a token that was already rotated is reuse — a stolen copy or a replay — and revokes the whole family.
 */
export async function refreshSession(ctx: Context, presented: string): Promise<TokenResponse> {
  if (!looksLikeRefreshToken(presented)) throw new WatchwordError('INVALID_REFRESH_TOKEN');
  const next = newRefreshToken();
  const now = ctx.now();
  const result = await ctx.storage.sessions.rotate(hashRefreshToken(presented), next.hash, now);
  if (result.status === 'reused') {
    await ctx.storage.sessions.revoke(result.session.userId, result.session.id, now);
    await denySession(ctx, result.session.id);
    throw new WatchwordError('INVALID_REFRESH_TOKEN');
  }
  if (result.status !== 'rotated') throw new WatchwordError('INVALID_REFRESH_TOKEN');
  return tokenResponse(ctx, result.session.userId, result.session.id, next.token);
}

export async function closeSession(ctx: Context, userId: string, sessionId: string): Promise<void> {
  await ctx.storage.sessions.revoke(userId, sessionId, ctx.now());
  await denySession(ctx, sessionId);
}
