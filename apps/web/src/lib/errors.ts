import { PasskeyPrfUnsupportedError, PasskeyUnlockError, PasswordPolicyError, WatchwordError } from '@watchword/client';

/** An error whose message this page wrote for the person to read (no server or vault text in it). */
export class UserError extends Error {
  override name = 'UserError';
}

/** Codes after which the session is gone: the page drops everything and asks for a new login. */
const SESSION_ENDED = new Set(['INVALID_REFRESH_TOKEN', 'INVALID_TOKEN', 'UNAUTHENTICATED', 'ACCOUNT_DISABLED']);

export function isSessionEnded(error: unknown): boolean {
  return error instanceof WatchwordError && SESSION_ENDED.has(error.code);
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof WatchwordError ? error.code : undefined;
}

/** What to tell the person. Built from fixed texts and error codes only — never from server- or user-supplied text. */
export function describeError(error: unknown): string {
  if (error instanceof PasswordPolicyError) return error.message;
  if (error instanceof DOMException) {
    if (error.name === 'NotAllowedError') return 'The security key request was cancelled or timed out.';
    if (error.name === 'InvalidStateError') return 'This security key is already registered.';
    if (error.name === 'SecurityError') return 'The browser refused the security key request for this address.';
    return 'The browser refused the request.';
  }
  if (error instanceof Error && error.name === 'DecryptionError') return 'That key does not fit this account.';
  if (error instanceof PasskeyPrfUnsupportedError) {
    return 'This passkey (or this browser) does not support the PRF extension, so it cannot unlock the vault. Nothing was added; try another passkey or browser.';
  }
  if (error instanceof PasskeyUnlockError) return 'That passkey does not unlock this vault.';
  if (error instanceof UserError) return error.message;
  if (!(error instanceof WatchwordError)) return 'Something went wrong. Try again.';
  switch (error.code) {
    case 'INVALID_CREDENTIALS':
      return 'The e-mail address or master password is incorrect.';
    case 'INVALID_SECOND_FACTOR':
      return 'That code or security key was not accepted.';
    case 'HANDSHAKE_EXPIRED':
      return 'That took too long: start again.';
    case 'RATE_LIMITED': {
      const seconds = Number(error.details?.retryAfter);
      return Number.isFinite(seconds) && seconds > 0 ? `Too many attempts. Try again in ${Math.ceil(seconds)} seconds.` : 'Too many attempts. Try again later.';
    }
    case 'SERVICE_UNAVAILABLE':
    case 'STATE_UNAVAILABLE':
    case 'STORAGE_UNAVAILABLE':
      return 'The server cannot be reached right now. Try again shortly.';
    case 'INVALID_REFRESH_TOKEN':
    case 'INVALID_TOKEN':
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Log in again.';
    case 'INVALID_DPOP_PROOF':
      // The proofs name the page's origin; the server checks them against its PUBLIC_URL.
      return "The server refused this page's signed request. Open the vault at the server's public address (its PUBLIC_URL) and check this computer's clock.";
    case 'VALIDATION_FAILED':
      return 'Some of the input was not accepted. Check the fields and try again.';
    default:
      return error.message;
  }
}
