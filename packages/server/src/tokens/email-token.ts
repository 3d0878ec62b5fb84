/**
 * Single-use, time-limited tokens sent by e-mail (address verification, recovery). 256 random bits; the database
 * keeps only SHA-256(token) (security spec "At rest": reset tokens SHA-256), so a dump yields no usable token.
 * A guessed or forged token has a 2^-256 chance — there is nothing to sign: possession of the random value is the
 * proof, and the purpose and expiry live in the row, not in the token.
 */
import { randomBytes } from 'node:crypto';
import { WatchwordError, toBase64Url } from '@watchword/protocol';
import type { Context } from '../context.ts';
import { sha256Base64Url } from './sha256.ts';
import type { EmailTokenPurpose } from '../storage/email-tokens.ts';

export const EMAIL_TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
  verify_email: 24 * 60 * 60_000,
  // Recovery tokens live 30 minutes.
  recovery: 30 * 60_000,
};

export const hashEmailToken = (token: string) => sha256Base64Url(token);

/** Issues a new token for the purpose; earlier unused ones of the same purpose stop working. */
export async function issueEmailToken(ctx: Context, userId: string, purpose: EmailTokenPurpose): Promise<string> {
  const token = toBase64Url(randomBytes(32));
  const now = ctx.now();
  await ctx.storage.emailTokens.revokeAll(userId, purpose, now);
  await ctx.storage.emailTokens.create({ hash: hashEmailToken(token), userId, purpose, expiresAt: now + EMAIL_TOKEN_TTL_MS[purpose], now });
  return token;
}

/** Uses a token up; its user id, or INVALID_EMAIL_TOKEN when unknown, expired, used or for another purpose. */
export async function consumeEmailToken(ctx: Context, token: string, purpose: EmailTokenPurpose): Promise<string> {
  const userId = await ctx.storage.emailTokens.consume(hashEmailToken(token), purpose, ctx.now());
  if (userId === undefined) throw new WatchwordError('INVALID_EMAIL_TOKEN');
  return userId;
}

/** Links carry the token in the fragment: it never reaches a server log or a Referer header. */
export function emailLink(ctx: Context, path: 'verify-email' | 'recover', token: string): string {
  return `${ctx.config.publicUrl}/#/${path}?token=${token}`;
}
