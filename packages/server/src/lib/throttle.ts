/**
 * Credential throttling: progressive limits on every path that checks a secret (security spec "Brute force"). All counters live in the shared StateStore, so memory and Redis behave alike and several instances
 * act as one; every time decision (window numbers, lock expiry) uses the injected clock — TTLs only collect garbage.
 *
 * Three dimensions, each keyed on a keyed hash (no e-mail addresses or tokens in the store):
 * - account+IP: `freeAttempts` free attempts, then exponential backoff (base · 2^k, capped);
 * - account (all IPs): `accountFreeAttempts`, then the same backoff — a distributed guesser gets no more;
 * - IP (all accounts): failures in a fixed window beyond `ipBlockFailures` block the IP on every credential path.
 * The account is the normalised identifier the client sent (e-mail), never whether it exists: unknown and known
 * addresses are throttled identically (no enumeration). Backoff is capped, so throttling never becomes a lockout:
 * NIST SP 800-63B §5.2.2 — "the verifier SHALL limit consecutive failed authentication attempts on a single
 * account to no more than 100" while avoiding lockout of the legitimate claimant (waiting periods that increase
 * exponentially are its own example). With the defaults the owner always gets another attempt within 15 min, and a
 * guesser at most ~115 per account per day (10 free, 10 on the ramp, then one per 15 min). Requiring a second factor
 * after 100 consecutive failures is not done: accounts without a factor could not meet it.
 *
 * API for every credential route (MFA, reset and recovery reuse it):
 * - `begin(action, { ip, account })` before any work for a GUESSABLE secret (password via OPAQUE, TOTP, backup
 *   code, reset code): counts the attempt first (increment-then-check, so N parallel attempts cannot exceed the
 *   limit) and throws RATE_LIMITED (429, `details.retryAfter` seconds → `Retry-After`) when over. Returns the
 *   `Attempt` it counted.
 * - `succeeded(action, { ip, account }, attempt?)` after the secret proved right: resets the account and account+IP
 *   counters and credits the IP (an attempt that succeeded is not a failure). Given the `Attempt` from `begin` (the
 *   login and registration handshakes keep it), it does not read the account's generation again.
 * - `check(action, { ip, account })` before work for an UNGUESSABLE secret (refresh tokens): only refuses when
 *   blocked or in backoff; `failed(action, { ip, account })` then counts a failure after the fact.
 * - `assertIpOpen(ip)` for follow-up steps whose attempt was already counted (login finish).
 * - `failed(action, { ip })` also counts a failure no `begin` counted (e.g. an unknown handshake id).
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { WatchwordError, toBase64Url } from '@watchword/protocol';
import type { Config } from '../config.ts';
import type { StateStore } from '../state/types.ts';

/** Throttled operations; each has its own account counters (the IP counters are shared by all). */
export type CredentialAction = 'login' | 'register' | 'refresh' | 'mfa' | 'reauth' | 'recovery' | 'email_token' | 'client_secret';

/** What a refusal is counted under (metrics): the action, or `ip_block` for a follow-up step refused by `assertIpOpen`. */
export type RefusedAction = CredentialAction | 'ip_block';

export interface CredentialSubjects {
  /** The client IP (request.ip: the socket peer, or the right-most untrusted X-Forwarded-For hop). */
  readonly ip: string;
  /** What the secret is for: the normalised e-mail, or a hash of the presented token. */
  readonly account?: string;
}

/** What `begin` counted: the account's generation its counters were under (JSON, so a handshake can keep it). */
export interface Attempt {
  readonly generation: string | null;
}

export interface CredentialThrottle {
  begin(action: CredentialAction, subjects: CredentialSubjects): Promise<Attempt>;
  succeeded(action: CredentialAction, subjects: CredentialSubjects, attempt?: Attempt): Promise<void>;
  check(action: CredentialAction, subjects: CredentialSubjects): Promise<void>;
  failed(action: CredentialAction, subjects: CredentialSubjects): Promise<void>;
  assertIpOpen(ip: string): Promise<void>;
  /** Lifts every backoff of one account (all actions, all IPs) — the admin "clear throttling" operation. */
  clearAccount(account: string): Promise<void>;
}

export interface ThrottleSettings {
  readonly enabled: boolean;
  readonly freeAttempts: number;
  readonly accountFreeAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly failureWindowMs: number;
  readonly ipBlockFailures: number;
  readonly ipBlockWindowMs: number;
  readonly ipBlockMs: number;
}

export function throttleSettings(config: Config): ThrottleSettings {
  return {
    enabled: config.rateLimits === 'on',
    freeAttempts: config.loginFreeAttempts,
    accountFreeAttempts: config.loginAccountFreeAttempts,
    backoffBaseMs: config.loginBackoffBaseSeconds * 1000,
    backoffMaxMs: config.loginBackoffMaxSeconds * 1000,
    failureWindowMs: config.loginFailureWindowSeconds * 1000,
    ipBlockFailures: config.loginIpBlockFailures,
    ipBlockWindowMs: config.loginIpBlockWindowSeconds * 1000,
    ipBlockMs: config.loginIpBlockSeconds * 1000,
  };
}

/** Seconds for Retry-After (RFC 9110 §10.2.3): whole, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function rateLimited(retryAfterMs: number): WatchwordError {
  return new WatchwordError('RATE_LIMITED', { details: { retryAfter: retryAfterSeconds(retryAfterMs) } });
}

interface Scope {
  /** Key stem: action, dimension and keyed hash of the subject. */
  readonly id: string;
  readonly free: number;
}

interface Lock {
  readonly until: number;
  /** Random epoch id: exactly one attempt may claim an expired lock (see #count). */
  readonly epoch: string;
}

function parseLock(raw: string | null): Lock | null {
  if (raw === null) return null;
  const [until, epoch] = raw.split(' ');
  return until === undefined || epoch === undefined ? null : { until: Number(until), epoch };
}

export function createCredentialThrottle(deps: {
  state: StateStore;
  now: () => number;
  secret: Uint8Array;
  settings: ThrottleSettings;
}): CredentialThrottle {
  const { state, now, settings: s } = deps;
  // The key imported once: an HMAC over raw key bytes imports them again on every call (several per attempt).
  const key = createSecretKey(deps.secret);
  const hash = (...parts: string[]) => createHmac('sha256', key).update(`watchword/v1/throttle\0${parts.join('\0')}`).digest('base64url').slice(0, 22);

  /**
   * Each account's counters carry its generation; clearing an account bumps it, orphaning every counter and lock of
   * that account at once (account+IP ones included, whose IPs nobody could list). The generation outlives them.
   */
  const generationKey = (account: string) => `thr:g:${hash('gen', account)}`;
  const generationTtl = () => s.failureWindowMs * 2 + s.backoffMaxMs;
  const scopesOf = (action: CredentialAction, subjects: CredentialSubjects, gen: string | null | undefined): Scope[] => {
    if (subjects.account === undefined) return [];
    return [
      { id: `${action}:ai:${hash(subjects.account, subjects.ip, gen ?? '0')}`, free: s.freeAttempts },
      { id: `${action}:a:${hash(subjects.account, gen ?? '0')}`, free: s.accountFreeAttempts },
    ];
  };
  const scopes = async (action: CredentialAction, subjects: CredentialSubjects): Promise<Scope[]> =>
    subjects.account === undefined ? [] : scopesOf(action, subjects, await state.get(generationKey(subjects.account)));
  const failKey = (scope: Scope, t: number) => `thr:f:${scope.id}:${Math.floor(t / s.failureWindowMs)}`;
  const lockKey = (scope: Scope) => `thr:l:${scope.id}`;
  const ipKeys = (ip: string, t: number) => {
    const h = hash('ip', ip);
    const w = Math.floor(t / s.ipBlockWindowMs);
    return { attempts: `thr:ip:n:${h}:${w}`, credits: `thr:ip:ok:${h}:${w}`, block: `thr:ip:b:${h}` };
  };

  /** Backoff after `excess` attempts beyond the free ones: base · 2^excess, capped (never a lockout). */
  const delay = (excess: number) => Math.min(s.backoffBaseMs * 2 ** Math.min(excess, 40), s.backoffMaxMs);

  const setLock = (scope: Scope, t: number, excess: number) => {
    const until = t + delay(excess);
    // The TTL outlives the lock and its failure window; the decision is `until` against the clock.
    return state.set(lockKey(scope), `${until} ${toBase64Url(randomBytes(12))}`, until - t + s.failureWindowMs);
  };

  const assertUnblocked = (block: string | null | undefined, t: number) => {
    const until = Number(block ?? 0);
    if (t < until) throw rateLimited(until - t);
  };
  const assertIpOpen = async (ip: string, t = now()) => assertUnblocked(await state.get(ipKeys(ip, t).block), t);

  /** assertIpOpen, then the account's generation and its scopes: the IP's block and the generation read in one operation. */
  const openScopes = async (action: CredentialAction, subjects: CredentialSubjects, t: number): Promise<{ list: Scope[]; generation: string | null }> => {
    const keys = [ipKeys(subjects.ip, t).block, ...(subjects.account === undefined ? [] : [generationKey(subjects.account)])];
    const [block, gen] = await state.getMany(keys);
    assertUnblocked(block, t);
    return { list: scopesOf(action, subjects, gen), generation: gen ?? null };
  };

  /**
   * Counts one failure for the IP (increment-then-check) and blocks the IP once `ipBlockFailures` have happened:
   * an attempt counted before the work is refused beyond the limit; a failure counted after the fact reaching it
   * blocks the next one. Either way at most `ipBlockFailures` failures per window.
   */
  const countIp = async (ip: string, t: number, afterTheFact: boolean): Promise<boolean> => {
    const keys = ipKeys(ip, t);
    const ttl = s.ipBlockWindowMs * 2;
    const { count: attempts, values } = await state.incrementAndRead(keys.attempts, ttl, [keys.credits]);
    const failures = attempts - Number(values[0] ?? 0);
    if (afterTheFact ? failures < s.ipBlockFailures : failures <= s.ipBlockFailures) return true;
    await state.set(keys.block, String(t + s.ipBlockMs), s.ipBlockMs + ttl);
    return false;
  };

  /** Rejects while any scope is in backoff; returns the locks seen (a lock that has expired may be claimed). */
  const assertScopesOpen = async (list: Scope[], t: number): Promise<(Lock | null)[]> => {
    const locks = list.length === 0 ? [] : (await state.getMany(list.map(lockKey))).map(parseLock);
    const wait = Math.max(0, ...locks.map((lock) => (lock ? lock.until - t : 0)));
    if (wait > 0) throw rateLimited(wait);
    return locks;
  };

  const remaining = async (scope: Scope, t: number, excess: number) => {
    const lock = parseLock(await state.get(lockKey(scope)));
    return lock && lock.until > t ? lock.until - t : delay(excess);
  };

  /**
   * Check-after-increment for one scope, `n` being this attempt's count in it. Attempts up to `free` pass; the last
   * free one arms the first backoff. Beyond, one attempt per expired lock passes: the one that claims the lock's
   * epoch (an atomic increment that returns 1), and it arms the next, longer, lock. Every other concurrent attempt is
   * refused.
   */
  const settle = async (scope: Scope, n: number, seen: Lock | null, t: number): Promise<void> => {
    if (n < scope.free) return;
    if (n === scope.free) return setLock(scope, t, 0);
    const excess = n - scope.free;
    if (seen === null || (await state.increment(`thr:c:${seen.epoch}`, s.failureWindowMs)) !== 1) {
      throw rateLimited(await remaining(scope, t, excess));
    }
    await setLock(scope, t, excess);
  };

  /**
   * Increment-then-check, scope after scope (account+IP, then account): a scope that refuses the attempt stops it
   * before the next one counts it, so one address's refused guesses do not push the account-wide backoff. All scopes
   * within their free attempts are counted in one state operation; one past them decides before the rest is counted.
   */
  const countScopes = async (list: Scope[], seen: (Lock | null)[], t: number): Promise<void> => {
    if (list.length === 0) return;
    const counts = await state.incrementWhile(list.map((scope) => failKey(scope, t)), s.failureWindowMs, list.map((scope) => scope.free));
    for (const [i, scope] of list.entries()) {
      const n = counts[i] ?? (await state.increment(failKey(scope, t), s.failureWindowMs));
      await settle(scope, n, seen[i] ?? null, t);
    }
  };

  const throttle: CredentialThrottle = {
    async begin(action, subjects) {
      if (!s.enabled) return { generation: null };
      const t = now();
      // Reads first: a throttled client is refused before anything is counted or computed.
      const { list, generation } = await openScopes(action, subjects, t);
      const seen = await assertScopesOpen(list, t);
      if (!(await countIp(subjects.ip, t, false))) throw rateLimited(s.ipBlockMs);
      await countScopes(list, seen, t);
      return { generation };
    },

    async succeeded(action, subjects, attempt) {
      if (!s.enabled) return;
      const t = now();
      const list = attempt === undefined ? await scopes(action, subjects) : scopesOf(action, subjects, attempt.generation);
      // One operation: the IP is credited and the account's counters and locks go.
      await state.incrementAndDelete(ipKeys(subjects.ip, t).credits, s.ipBlockWindowMs * 2, list.flatMap((scope) => [failKey(scope, t), lockKey(scope)]));
    },

    async check(action, subjects) {
      if (!s.enabled) return;
      const t = now();
      await assertScopesOpen((await openScopes(action, subjects, t)).list, t);
    },

    async failed(action, subjects) {
      if (!s.enabled) return;
      const t = now();
      await countIp(subjects.ip, t, true);
      // After the fact: every failure counts and extends the backoff (no claim — the secret is not guessable).
      for (const scope of await scopes(action, subjects)) {
        const n = await state.increment(failKey(scope, t), s.failureWindowMs);
        if (n >= scope.free) await setLock(scope, t, n - scope.free);
      }
    },

    async assertIpOpen(ip) {
      if (!s.enabled) return;
      await assertIpOpen(ip);
    },

    async clearAccount(account) {
      await state.increment(generationKey(account), generationTtl());
    },
  };
  return throttle;
}
