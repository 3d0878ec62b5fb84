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
