/**
 * Which real backing services the tests run against. Locally a missing URL means "SQLite / memory only";
 * on CI (process.env.CI set) a missing URL is an error: CI must never silently skip PostgreSQL or Redis.
 */
export function serviceUrl(variable: 'TEST_DATABASE_URL' | 'TEST_REDIS_URL'): string | undefined {
  const url = process.env[variable];
  if (url !== undefined && url !== '') return url;
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error(`${variable} must be set on CI: the shared suites must run against the real service`);
  }
  return undefined;
}
