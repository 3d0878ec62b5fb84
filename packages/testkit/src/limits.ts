/** Rate-limit settings for test servers, in-process (createTestApp) or as processes (startServerProcess). */

/**
 * Volume limits out of the way for tests that exercise features (many requests in one frozen-clock minute).
 * The credential throttle keeps its defaults. Throttling tests pass REALISTIC_LIMITS to get the shipped defaults.
 */
export const GENEROUS_LIMITS: Record<string, string> = {
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  RATE_LIMIT_WRITE_PER_MINUTE: '100000',
  RATE_LIMIT_READ_PER_MINUTE: '100000',
};
/** The shipped defaults (an empty value means "default"). */
export const REALISTIC_LIMITS: Record<string, string> = { RATE_LIMIT_AUTH_PER_MINUTE: '', RATE_LIMIT_WRITE_PER_MINUTE: '', RATE_LIMIT_READ_PER_MINUTE: '' };
