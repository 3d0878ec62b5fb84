import { PasswordPolicyError, SecondFactorRequiredError } from '@watchword/client';
import { type ErrorCode, WatchwordError } from '@watchword/protocol';

import { EXIT } from './exit-codes.ts';

export { EXIT };

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: EXIT.usage,
  MALFORMED_JSON: EXIT.usage,
  UNKNOWN_FIELD: EXIT.usage,
  PAYLOAD_TOO_LARGE: EXIT.usage,
  UNAUTHENTICATED: EXIT.auth,
  INVALID_TOKEN: EXIT.auth,
  INVALID_CREDENTIALS: EXIT.auth,
  INVALID_REFRESH_TOKEN: EXIT.auth,
  HANDSHAKE_EXPIRED: EXIT.auth,
  FORBIDDEN: EXIT.auth,
  SECOND_FACTOR_REQUIRED: EXIT.auth,
  INVALID_DPOP_PROOF: EXIT.auth,
  INVALID_SECOND_FACTOR: EXIT.auth,
  REAUTH_REQUIRED: EXIT.auth,
  INVALID_EMAIL_TOKEN: EXIT.auth,
  NOT_FOUND: EXIT.notFound,
  ITEM_NOT_FOUND: EXIT.notFound,
  VAULT_NOT_FOUND: EXIT.notFound,
  ITEM_CONFLICT: EXIT.notFound,
  ITEM_EXISTS: EXIT.notFound,
  FACTOR_ALREADY_ENABLED: EXIT.notFound,
  FACTOR_NOT_FOUND: EXIT.notFound,
  USER_NOT_FOUND: EXIT.notFound,
  ROLE_NOT_FOUND: EXIT.notFound,
  ROLE_EXISTS: EXIT.notFound,
  LAST_OWNER: EXIT.notFound,
  ACCOUNT_DISABLED: EXIT.auth,
  IMPORT_UNREADABLE: EXIT.usage,
  IMPORT_UNKNOWN_FORMAT: EXIT.usage,
  IMPORT_TOO_LARGE: EXIT.usage,
  IMPORT_PASSWORD_REQUIRED: EXIT.auth,
  IMPORT_WRONG_PASSWORD: EXIT.auth,
  API_KEY_READ_ONLY: EXIT.auth,
  ORG_NOT_FOUND: EXIT.notFound,
  MEMBER_NOT_FOUND: EXIT.notFound,
  ORG_EXISTS: EXIT.notFound,
  VAULT_EXISTS: EXIT.notFound,
  ORG_LIMIT_REACHED: EXIT.notFound,
  ORG_LAST_OWNER: EXIT.notFound,
  MEMBER_STATE_INVALID: EXIT.notFound,
  KEY_VERSION_MISMATCH: EXIT.notFound,
  VAULT_ACCESS_DENIED: EXIT.auth,
  EMAIL_NOT_VERIFIED: EXIT.auth,
};

/** A CLI-level failure: one line for the user and an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  // The policy's message is built from fixed strings only: it never contains the password.
  if (error instanceof PasswordPolicyError) return { message: `${error.message} [${error.code}]`, exitCode: EXIT.usage };
  if (error instanceof SecondFactorRequiredError) {
    return { message: 'this account needs a second factor: pass --code <code> (authenticator or backup code)', exitCode: EXIT.auth };
  }
  if (error instanceof WatchwordError) {
    const hint =
      error.code === 'INVALID_REFRESH_TOKEN' || error.code === 'INVALID_TOKEN' ? ' Run `ww login`.'
      : error.code === 'ITEM_CONFLICT'
        ? ` (the server has revision ${String(error.details?.currentRevision ?? '?')}): nothing was overwritten; see the new version with \`ww get <item>\`, then repeat the change`
      : error.code === 'RATE_LIMITED' && error.details?.retryAfter !== undefined ? ` (retry in ${String(error.details.retryAfter)} s)`
      : error.code === 'API_KEY_READ_ONLY' ? ' Nothing was changed: a read-only key cannot change anything (use a read-write key, or `ww login` with the master password).'
      : '';
    return { message: `${error.message}${hint} [${error.code}]`, exitCode: BY_CODE[error.code] ?? EXIT.other };
  }
  if (error instanceof Error && error.name === 'DecryptionError') {
    return { message: 'could not decrypt: the key is wrong or the data was tampered with', exitCode: EXIT.auth };
  }
  return { message: 'unexpected error', exitCode: EXIT.other };
}
