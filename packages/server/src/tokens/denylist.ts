/**
 * The session denylist: a revoked session's access tokens are refused at once (design brief §3), through a key per
 * session in the state store that lives as long as those tokens could (their TTL plus the clock tolerance).
 *
 * The database is the record of revocation; the state store only holds the copy every request reads. That copy can
 * be lost: in-memory state at each restart, and Redis when it restarts without persistence, is flushed, or evicts.
 * `DENYLIST_PRIMED_KEY` marks a store whose copy is complete: the authentication hook reads it with the session's
 * key, in the same state operation, and when it is missing rebuilds the copy from the database (`primeDenylist`,
 * once at a time per instance) before answering. The marker is written after the copy, so losing the store loses
 * the marker too, and a copy is never taken for complete while entries are missing.
 */
import type { StateStore } from '../state/types.ts';
import type { Storage } from '../storage/types.ts';

export const revokedSessionKey = (sessionId: string) => `revoked-session:${sessionId}`;

/** Present while the store holds every revoked session's key (see above). */
export const DENYLIST_PRIMED_KEY = 'denylist-primed';

/** The marker expires now and then, so a copy that lost single keys (e.g. to eviction) is also rebuilt in time. */
const PRIMED_TTL_MS = 60 * 60 * 1000;

export interface DenylistDeps {
  readonly storage: Pick<Storage, 'sessions'>;
  readonly state: StateStore;
  readonly now: () => number;
  readonly tokens: { readonly ttlSeconds: number; readonly clockToleranceSeconds: number };
}

/** How long a session's denylist key lives: the longest one of its access tokens could still be accepted. */
export function denyTtlMs(tokens: DenylistDeps['tokens']): number {
  return (tokens.ttlSeconds + tokens.clockToleranceSeconds) * 1000;
}

/** Marks a session's access tokens as revoked until the longest they could still live. */
export async function denySession(deps: Pick<DenylistDeps, 'state' | 'tokens'>, sessionId: string): Promise<void> {
  await deps.state.set(revokedSessionKey(sessionId), '1', denyTtlMs(deps.tokens));
}

/**
 * Rebuilds the denylist from the database: every session revoked within the lifetime of an access token is denied
 * again, then the store is marked primed. Returns how many sessions were denied.
 */
export async function primeDenylist(deps: DenylistDeps): Promise<number> {
  const ids = await deps.storage.sessions.listRevokedSince(deps.now() - denyTtlMs(deps.tokens));
  await Promise.all(ids.map((id) => denySession(deps, id)));
  await deps.state.set(DENYLIST_PRIMED_KEY, '1', PRIMED_TTL_MS);
  return ids.length;
}

/** `primeDenylist`, one run at a time: requests that find the store unprimed together wait for the same rebuild. */
export function denylistPrimer(deps: DenylistDeps): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= primeDenylist(deps).then(
      () => {
        running = undefined;
      },
      (error: unknown) => {
        running = undefined;
        throw error;
      },
    );
    return running;
  };
}
