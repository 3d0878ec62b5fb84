/** Driver error classification by stable error code (never by message text). */

const UNIQUE_CODES = new Set([
  'SQLITE_CONSTRAINT_PRIMARYKEY', // better-sqlite3 extended result codes
  'SQLITE_CONSTRAINT_UNIQUE',
  '23505', // PostgreSQL unique_violation (primary keys included)
]);

export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && UNIQUE_CODES.has(code);
}

/**
 * SQLite result codes that mean the database cannot serve now, not that the request was wrong: the disk is full or
 * failing, the file cannot be opened or written, or another process holds the lock past `busy_timeout`.
 * https://www.sqlite.org/rescode.html — better-sqlite3 reports the extended code (`SQLITE_IOERR_WRITE`, …).
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(FULL|IOERR|CANTOPEN|BUSY|READONLY|NOMEM|PROTOCOL)(_|$)/;

/**
 * PostgreSQL SQLSTATE classes that mean the same (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * 08 connection exception, 53 insufficient resources (53100 disk_full, 53300 too_many_connections),
 * 57 operator intervention (57P01 admin_shutdown, 57P03 cannot_connect_now, 57014 query_canceled by
 * statement_timeout), 58 system error (58030 io_error). A constraint violation (23…) or a syntax error is not one.
 */
const PG_UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);

/** Socket-level failures Node reports while reaching a database server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Whether a driver error means the database is unavailable (an outage: answered 503 STORAGE_UNAVAILABLE) rather
 * than a fault of the request or the code (answered as before). By stable code only, never by message text.
 */
export function isStorageUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  if (code === undefined) return false;
  if (SQLITE_UNAVAILABLE.test(code) || NETWORK_CODES.has(code)) return true;
  return /^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE_CLASSES.has(code.slice(0, 2));
}

/** The driver's error code (`SQLITE_FULL`, a SQLSTATE, `ECONNREFUSED`), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
