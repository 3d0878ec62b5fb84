/**
 * Reauth tokens: the proof of a fresh authentication (see modules/auth/reauth.ts) that sensitive operations
 * consume. Random, single-use, bound to the session that earned it, valid 5 minutes.
 */
import { WatchwordError } from '@watchword/protocol';
import type { AuthInfo } from '../http/types.ts';
import type { Context } from '../context.ts';
import { secretKey } from './handshakes.ts';

export const REAUTH_TTL_MS = 5 * 60_000;

/** The state-store key under which a reauth token's binding is kept. */
export const reauthKey = (token: string) => secretKey('reauth-token', token);

/** Uses up a reauth token; REAUTH_REQUIRED unless it was issued to this very session in the last 5 minutes. */
export async function consumeReauth(ctx: Pick<Context, 'state'>, auth: AuthInfo, token: string): Promise<void> {
  const raw = await ctx.state.take(reauthKey(token));
  if (raw === null) throw new WatchwordError('REAUTH_REQUIRED');
  const bound = JSON.parse(raw) as { userId: string; sessionId: string };
  if (bound.userId !== auth.userId || bound.sessionId !== auth.sessionId) throw new WatchwordError('REAUTH_REQUIRED');
}
