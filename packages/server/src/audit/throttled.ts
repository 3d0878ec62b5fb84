/**
 * Audits credential attempts the brute-force throttle refuses (security spec "Audit": login throttled). The
 * throttle is shared and knows no request (its `onRefusal` option only feeds the metrics), so each credential
 * route runs its throttle call through `throttled`: a RATE_LIMITED refusal appends `auth.throttled` (outcome
 * `denied`, context `{ step, retryAfter }`) with the request's IP, user agent and id, then goes on unchanged.
 * One row per refused attempt; the volume limits (RATE_LIMIT_AUTH_PER_MINUTE per IP) bound how many.
 */
import type { FastifyRequest } from 'fastify';
import { WatchwordError } from '@watchword/protocol';
import type { Context } from '../context.ts';
import type { CredentialAction } from '../lib/throttle.ts';
import { audit } from './audit.ts';

export interface ThrottledParties {
  /** The authenticated caller (re-authentication, factor changes); null on public paths. */
  actorId?: string | null;
  /** The account the attempt was for, when known (or a lookup run only on refusal, e.g. by e-mail address). */
  targetId?: string | null | (() => Promise<string | null>);
}

export async function throttled<T>(ctx: Context, request: FastifyRequest, step: CredentialAction, gate: Promise<T>, parties: ThrottledParties = {}): Promise<T> {
  try {
    return await gate;
  } catch (error) {
    if (error instanceof WatchwordError && error.code === 'RATE_LIMITED') {
      const retryAfter = error.details?.retryAfter;
      try {
        const targetId = typeof parties.targetId === 'function' ? await parties.targetId() : (parties.targetId ?? null);
        await audit(ctx, request, {
          action: 'auth.throttled',
          actorId: parties.actorId ?? null,
          targetId: targetId ?? parties.actorId ?? null,
          outcome: 'denied',
          context: { step, ...(typeof retryAfter === 'number' ? { retryAfter } : {}) },
        });
      } catch {
        // Already logged by audit(); a refusal is not a change, so it stays a 429 rather than becoming a 500.
      }
    }
    throw error;
  }
}

/** The id of the account with that (normalised) address, for `targetId` — looked up only when an attempt is refused. */
export const accountByEmail = (ctx: Context, email: string) => async (): Promise<string | null> => (await ctx.storage.users.findByEmail(email))?.id ?? null;
