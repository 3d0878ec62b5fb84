/**
 * One credential attempt, as a route sees it: the brute-force throttle (lib/throttle.ts), the audit event of a
 * refusal (security spec "Audit": login throttled) and the refusal metric, behind one object. Every credential path
 * (passwords through OPAQUE, second-factor codes, fresh authentication, recovery, e-mail and refresh tokens) goes
 * through it, so a new one cannot count an attempt and forget to audit or measure its refusal.
 *
 * - `begin()` before any work for a GUESSABLE secret: counts the attempt first; 429 when over.
 * - `check()` before work for an UNGUESSABLE secret (refresh and e-mail tokens): refuses only while blocked or in
 *   backoff; `failed()` then counts a failure after the fact, and `guard(work, codes)` does both around `work`.
 * - `ipOpen()` for a follow-up step whose attempt a start already counted (login finish): refused while the IP is
 *   blocked.
 * - `succeeded(attempt?)` once the secret proved right.
 *
 * A refusal (RATE_LIMITED) is counted in `watchword_throttle_refusals_total` (by action, `ip_block` for `ipOpen`)
 * and appends `auth.throttled` (outcome `denied`, context `{ step, retryAfter }`), then goes on unchanged.
 */
import type { FastifyRequest } from 'fastify';
import { type ErrorCode, WatchwordError } from '@watchword/protocol';
import { audit } from '../audit/audit.ts';
import type { Context } from '../context.ts';
import type { Attempt, CredentialAction, CredentialSubjects, RefusedAction } from './throttle.ts';

export interface AttemptParties {
  /** What the secret is for: the normalised e-mail, a user id, or a hash of the presented token. None: per IP only. */
  readonly account?: string;
  /** The authenticated caller (re-authentication, factor changes); null on public paths. */
  readonly actorId?: string | null;
  /** The account the attempt was for, when known (or a lookup run only on refusal, e.g. by e-mail address). */
  readonly targetId?: string | null | (() => Promise<string | null>);
}

export interface CredentialAttempt {
  begin(): Promise<Attempt>;
  check(): Promise<void>;
  ipOpen(): Promise<void>;
  succeeded(attempt?: Attempt): Promise<void>;
  failed(): Promise<void>;
  /**
   * `check()`, then `work`; an error whose code is one of `failures` (any error when omitted) counts as a failed
   * attempt and is re-thrown.
   */
  guard<T>(work: () => Promise<T>, failures?: readonly ErrorCode[]): Promise<T>;
}

export function credentialAttempt(ctx: Context, request: FastifyRequest, action: CredentialAction, parties: AttemptParties = {}): CredentialAttempt {
  const subjects: CredentialSubjects = parties.account === undefined ? { ip: request.ip } : { ip: request.ip, account: parties.account };

  const refused = async (counted: RefusedAction, error: unknown): Promise<never> => {
    if (error instanceof WatchwordError && error.code === 'RATE_LIMITED') {
      ctx.metrics.throttleRefusal(counted);
      const retryAfter = error.details?.retryAfter;
      try {
        const targetId = typeof parties.targetId === 'function' ? await parties.targetId() : (parties.targetId ?? null);
        await audit(ctx, request, {
          action: 'auth.throttled',
          actorId: parties.actorId ?? null,
          targetId: targetId ?? parties.actorId ?? null,
          outcome: 'denied',
          context: { step: action, ...(typeof retryAfter === 'number' ? { retryAfter } : {}) },
        });
      } catch {
        // Already logged by audit(); a refusal is not a change, so it stays a 429 rather than becoming a 500.
      }
    }
    throw error;
  };

  const attempt: CredentialAttempt = {
    begin: () => ctx.throttle.begin(action, subjects).catch((error: unknown) => refused(action, error)),
    check: () => ctx.throttle.check(action, subjects).catch((error: unknown) => refused(action, error)),
    ipOpen: () => ctx.throttle.assertIpOpen(request.ip).catch((error: unknown) => refused('ip_block', error)),
    succeeded: (counted) => ctx.throttle.succeeded(action, subjects, counted),
    failed: () => ctx.throttle.failed(action, subjects),
    async guard(work, failures) {
      await attempt.check();
      try {
        return await work();
      } catch (error) {
        if (failures === undefined || (error instanceof WatchwordError && failures.includes(error.code))) await attempt.failed();
        throw error;
      }
    },
  };
  return attempt;
}

/** The id of the account with that (normalised) address, for `targetId` — looked up only when an attempt is refused. */
export const accountByEmail = (ctx: Context, email: string) => async (): Promise<string | null> => (await ctx.storage.users.findByEmail(email))?.id ?? null;
