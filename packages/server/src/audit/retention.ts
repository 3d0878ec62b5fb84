/**
 * Audit-log retention (security spec "Audit": retention configurable): events older than AUDIT_RETENTION_DAYS are
 * deleted — the only deletion the audit table ever sees (AuditRepository.prune). The server process runs it at
 * start-up and then every 6 hours; several instances may all run it (the DELETE is idempotent). Never started by
 * build(), so tests stay deterministic: they call `pruneAuditLog` with their own clock.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Storage } from '../storage/types.ts';

export const AUDIT_RETENTION_INTERVAL_MS = 6 * 3600_000;
const DAY_MS = 86_400_000;

export interface RetentionDeps {
  readonly storage: Pick<Storage, 'audit'>;
  readonly retentionDays: number;
  readonly now: () => number;
  readonly log: Pick<FastifyBaseLogger, 'info' | 'error'>;
}

/** Deletes every event older than the retention period (by `now`); logs and returns how many went. */
export async function pruneAuditLog(deps: RetentionDeps): Promise<number> {
  const before = deps.now() - deps.retentionDays * DAY_MS;
  const pruned = await deps.storage.audit.prune(before);
  deps.log.info({ event: 'audit_retention', pruned, before: new Date(before).toISOString(), retentionDays: deps.retentionDays }, `audit retention: pruned ${pruned} event(s)`);
  return pruned;
}

/**
 * Prunes now and then every `intervalMs` (default 6 hours) until `stop()`. The timer is unref'd (it never keeps
 * the process alive) and a failed run is logged, never thrown: the next run tries again. `first` settles when the
 * start-up run is over.
 */
export function startAuditRetention(deps: RetentionDeps, intervalMs = AUDIT_RETENTION_INTERVAL_MS): { first: Promise<void>; stop(): void } {
  let running: Promise<void> | null = null;
  const run = (): Promise<void> => {
    // One run at a time: a slow DELETE is not started again underneath itself.
    running ??= pruneAuditLog(deps).then(
      () => undefined,
      (error: unknown) => deps.log.error({ err: error, event: 'audit_retention' }, 'audit retention failed'),
    ).finally(() => {
      running = null;
    });
    return running;
  };
  const first = run();
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return { first, stop: () => clearInterval(timer) };
}
