import type { Kysely, QueryCreator, Selectable, Transaction } from 'kysely';
import type { MfaMethod } from '@watchword/protocol';
import type { Database, SessionsTable } from './schema.ts';
import { auditRow } from './audit.ts';
import type { StorageDriver } from './driver.ts';
import { preparedQuery, preparedWrites } from './prepared.ts';
import type { AuditEventRecord } from './audit.ts';
import { transactionWithRollback } from './transaction.ts';
import { OperatorError } from '../operator-errors.ts';

/** One login on one device: a refresh-token family. The tokens themselves live in `refresh_tokens`, hashed. */
export interface SessionRecord {
  id: string;
  userId: string;
  deviceName: string;
  ip: string;
  userAgent: string;
  createdAt: number;
  lastUsedAt: number;
  /** Absolute expiry. */
  expiresAt: number;
  revokedAt: number | null;
  /** RFC 7638 thumbprint of the DPoP key the session is bound to (RFC 9449 §5), or null for bearer sessions. */
  dpopJkt: string | null;
  /** The second factor the login passed; null for a password-only login. Kept by every refresh of the session. */
  secondFactor: MfaMethod | null;
}

export type NewSession = Omit<SessionRecord, 'lastUsedAt' | 'revokedAt'> & {
  /** SHA-256 of the first refresh token of the family, base64url. */
  refreshHash: string;
};

export interface RotateInput {
  /** SHA-256 of the presented refresh token. */
  presentedHash: string;
  /** SHA-256 of its successor. */
  newHash: string;
  /** The successor sealed under a key only the presented token yields (returned again inside the grace window). */
  sealedSuccessor: string;
  now: number;
  /** A session unused for this long is over. */
  idleTimeoutMs: number;
  /** How long a rotated token may still be presented to get the same successor (concurrent duplicates, retries). */
  graceMs: number;
}

export type RotateResult =
  /** The presented token was current: it is now rotated and newHash is the family's current token. */
  | { status: 'rotated'; session: SessionRecord }
  /** Rotated moments ago (within graceMs) and its successor is still current: hand out that same successor. */
  | { status: 'grace'; session: SessionRecord; sealedSuccessor: string }
  /**
   * A rotated token presented again, outside the grace window or after its successor was used: the caller revokes
   * the family (RFC 9700 §4.14.2).
   */
  | { status: 'reused'; session: SessionRecord }
  /** Unknown token, or its session is revoked, expired or idle. Nothing changed. */
  | { status: 'invalid' };

export interface SessionRepository {
  /**
   * A login's writes in one transaction (one durable commit per login): the session and its first refresh token,
   * the user's last login time, and the login's audit event.
   */
  create(session: NewSession, loginEvent: AuditEventRecord): Promise<void>;
  findById(id: string): Promise<SessionRecord | undefined>;
  /**
   * Rotates in one transaction: a conditional UPDATE marks the presented token rotated only if it was current
   * (so of N concurrent rotations exactly one wins), inserts the successor and touches the session. A session of a
   * disabled account does not rotate ('invalid').
   */
  rotate(input: RotateInput): Promise<RotateResult>;
  /** Every session of the user (revoked and expired ones too), oldest first. */
  listForUser(userId: string): Promise<SessionRecord[]>;
  /** Sets revokedAt if not yet revoked; returns whether the session is (now) revoked and belongs to userId. */
  revoke(userId: string, id: string, now: number): Promise<boolean>;
  /** Revokes every live session of the user; returns the ids newly revoked. */
  revokeAllForUser(userId: string, now: number): Promise<string[]>;
  /** Sessions revoked at or after `since` (to rebuild the access-token denylist after a restart). */
  listRevokedSince(since: number): Promise<string[]>;
}

/** A session is live while it is not revoked, not past its absolute expiry and not idle too long. */
function isLive(s: SessionRecord, now: number, idleTimeoutMs: number): boolean {
  return s.revokedAt === null && s.expiresAt > now && s.lastUsedAt + idleTimeoutMs > now;
}

async function loadSession(trx: Transaction<Database> | Kysely<Database>, id: string): Promise<SessionRecord | undefined> {
  const row = await trx.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toSession(row);
}

/**
 * The session, for a rotation: undefined when it is gone or its account is disabled. Disabling revokes an account's
 * sessions, but a login whose gate was read just before may still insert one afterwards; it must not refresh.
 */
async function loadRotatable(trx: Transaction<Database>, id: string): Promise<SessionRecord | undefined> {
  const row = await trx
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select('users.disabled_at as user_disabled_at')
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  return row === undefined || row.user_disabled_at !== null ? undefined : toSession(row);
}

const sessionRow = (session: NewSession) => ({
  id: session.id,
  user_id: session.userId,
  device_name: session.deviceName,
  ip: session.ip,
  user_agent: session.userAgent,
  created_at: session.createdAt,
  last_used_at: session.createdAt,
  expires_at: session.expiresAt,
  revoked_at: null,
  dpop_jkt: session.dpopJkt,
  second_factor: session.secondFactor,
});

type OpenArgs = [session: NewSession, event: AuditEventRecord];

/** A login's values, in the order of the markers below: every field of the new session, then of its audit event. */
const SESSION = ['id', 'userId', 'refreshHash', 'deviceName', 'ip', 'userAgent', 'createdAt', 'expiresAt', 'dpopJkt', 'secondFactor'] as const;
// Every field of a new session is bound: one left out here would silently be stored as null.
const complete: Exclude<keyof NewSession, (typeof SESSION)[number]> extends never ? true : never = true;
void complete;
const EVENT = ['id', 'at', 'actorId', 'action', 'targetId', 'ip', 'userAgent', 'outcome', 'requestId', 'context'] as const;
const LOGIN_ARITY = SESSION.length + EVENT.length;

/** The markers as the session and the event the statements are built from (each value a marker, bound at each run). */
function loginMarkers(markers: readonly string[]): { session: NewSession; event: AuditEventRecord } {
  // The builder's column types do not apply to markers.
  const session = Object.fromEntries(SESSION.map((field, i) => [field, markers[i]])) as unknown as NewSession;
  const event = Object.fromEntries(EVENT.map((field, i) => [field, markers[SESSION.length + i]])) as unknown as AuditEventRecord;
  return { session, event };
}

/** One login's values for those markers (the event's context as the JSON text it is stored as). */
const loginValues = (session: NewSession, event: AuditEventRecord): unknown[] => [
  ...SESSION.map((field) => session[field]),
  ...EVENT.map((field) => (field === 'context' ? JSON.stringify(event.context) : event[field])),
];

/** The audit row with its context already the marker of the JSON text (auditRow would encode the marker). */
const markedAuditRow = (event: AuditEventRecord) => ({ ...auditRow(event), context: event.context as unknown as string });

/** A login's first three writes, on either dialect (`q`: the database, or a PostgreSQL CTE's query creator). */
const insertSession = (q: QueryCreator<Database>, session: NewSession) => q.insertInto('sessions').values(sessionRow(session));
const insertFirstToken = (q: QueryCreator<Database>, session: NewSession) =>
  q.insertInto('refresh_tokens').values({ hash: session.refreshHash, session_id: session.id, created_at: session.createdAt });
const touchLastLogin = (q: QueryCreator<Database>, session: NewSession) => q.updateTable('users').set({ last_login_at: session.createdAt }).where('id', '=', session.userId);

/**
 * With data-modifying CTEs (PostgreSQL): a login's writes — the session, its first refresh token, the user's last login time and the login's
 * audit event — as ONE statement of data-modifying CTEs, which PostgreSQL runs atomically as a whole (PostgreSQL
 * manual §7.8.4; the foreign keys are checked at the end of the statement, when the session row exists). Compiled
 * once and run as a named prepared statement (storage/postgres.ts): one round trip per login instead of BEGIN, four
 * statements and COMMIT. Without them (SQLite): see groupedOpenSession.
 */
function cteOpenSession(driver: StorageDriver): (...args: OpenArgs) => Promise<unknown> {
  const { db } = driver;
  const run = preparedQuery<never, unknown[]>(driver, LOGIN_ARITY, (...markers) => {
    const { session, event } = loginMarkers(markers);
    return db
      .with('new_session', (q) => insertSession(q, session))
      .with('first_token', (q) => insertFirstToken(q, session))
      .with('last_login', (q) => touchLastLogin(q, session))
      .insertInto('audit_events')
      .values(markedAuditRow(event));
  });
  return (session, event) => run(...loginValues(session, event));
}

/**
 * Without data-modifying CTEs (SQLite): the same four writes, compiled once, as one write group — on SQLite one
 * transaction run synchronously by the driver (storage/prepared.ts `preparedWrites`): no query building and no
 * asynchronous transaction per login.
 */
function groupedOpenSession(driver: StorageDriver): (...args: OpenArgs) => Promise<unknown> {
  const { db } = driver;
  const run = preparedWrites<unknown[]>(driver, LOGIN_ARITY, (...markers) => {
    const { session, event } = loginMarkers(markers);
    return [insertSession(db, session), insertFirstToken(db, session), touchLastLogin(db, session), db.insertInto('audit_events').values(markedAuditRow(event))];
  });
  return (session, event) => run(...loginValues(session, event));
}

export function createSessionRepository(driver: StorageDriver): SessionRepository {
  const { db } = driver;
  const open = driver.dataModifyingCtes ? cteOpenSession(driver) : groupedOpenSession(driver);
  return {
    async create(session, loginEvent) {
      await open(session, loginEvent);
    },

    findById: (id) => loadSession(db, id),

    async rotate(input) {
      const { presentedHash, newHash, sealedSuccessor, now, idleTimeoutMs, graceMs } = input;
      return transactionWithRollback<RotateResult>(db, async (trx, rollbackWith) => {
        // One conditional UPDATE: of N concurrent rotations of the same token exactly one matches `rotated_at IS NULL`.
        const won = await trx
          .updateTable('refresh_tokens')
          .set({ rotated_at: now, successor_hash: newHash, successor_sealed: sealedSuccessor })
          .where('hash', '=', presentedHash)
          .where('rotated_at', 'is', null)
          .returning('session_id')
          .executeTakeFirst();
        if (won !== undefined) {
          const session = await loadRotatable(trx, won.session_id);
          if (!session || !isLive(session, now, idleTimeoutMs)) return rollbackWith({ status: 'invalid' });
          await trx.insertInto('refresh_tokens').values({ hash: newHash, session_id: session.id, created_at: now }).execute();
          await trx.updateTable('sessions').set({ last_used_at: now }).where('id', '=', session.id).execute();
          return { status: 'rotated', session: { ...session, lastUsedAt: now } };
        }
        const token = await trx.selectFrom('refresh_tokens').selectAll().where('hash', '=', presentedHash).executeTakeFirst();
        if (token === undefined || token.rotated_at === null) return { status: 'invalid' };
        const session = await loadRotatable(trx, token.session_id);
        if (!session) return { status: 'invalid' };
        if (session.revokedAt !== null) return { status: 'reused', session };
        if (now - token.rotated_at <= graceMs && token.successor_hash !== null && token.successor_sealed !== null && isLive(session, now, idleTimeoutMs)) {
          // Only while the successor is itself still current: never resurrect a token that has moved on.
          const successor = await trx
            .selectFrom('refresh_tokens')
            .select('hash')
            .where('hash', '=', token.successor_hash)
            .where('rotated_at', 'is', null)
            .executeTakeFirst();
          if (successor !== undefined) return { status: 'grace', session, sealedSuccessor: token.successor_sealed };
        }
        // A rotated token again, and not a duplicate of a rotation still in progress (its successor has been used, or
        // the grace window is over): someone holds a copy. Reuse, whose caller revokes the family (design brief).
        return { status: 'reused', session };
      });
    },

    async listForUser(userId) {
      const rows = await db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toSession);
    },

    async revoke(userId, id, now) {
      const updated = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (updated !== undefined) return true;
      const already = await db
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is not', null)
        .executeTakeFirst();
      return already !== undefined;
    },

    async revokeAllForUser(userId, now) {
      const rows = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },

    async listRevokedSince(since) {
      const rows = await db.selectFrom('sessions').select('id').where('revoked_at', '>=', since).execute();
      return rows.map((r) => r.id);
    },
  };
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    deviceName: row.device_name,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    dpopJkt: row.dpop_jkt,
    secondFactor: toSecondFactor(row.second_factor),
  };
}

function toSecondFactor(value: string | null): MfaMethod | null {
  if (value === null) return null;
  if (value === 'totp' || value === 'backup_code' || value === 'webauthn') return value;
  throw new OperatorError('WW_DATABASE_CONTENT_INVALID', 'sessions.second_factor holds an unknown value');
}
