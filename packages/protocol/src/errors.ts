/**
 * The one catalogue of error codes shared by server, SDK and CLI.
 * Clients switch on `code`, never on `message`. Messages are generic on purpose:
 * they must not reveal whether an account exists or why a credential failed.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNKNOWN_FIELD: { status: 400, message: 'The request contains a field that is not allowed.' },
  BODY_TOO_DEEP: { status: 400, message: 'The request body is nested too deeply.' },
  HOST_NOT_ALLOWED: { status: 400, message: 'The Host header does not name this server.' },
  UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  INVALID_TOKEN: { status: 401, message: 'The access token is invalid or has expired.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The e-mail address or master password is incorrect.' },
  INVALID_DPOP_PROOF: { status: 401, message: 'The DPoP proof is invalid.' },
  USE_DPOP_NONCE: { status: 401, message: 'A DPoP nonce is required; retry with the nonce from the DPoP-Nonce header.' },
  INVALID_REFRESH_TOKEN: { status: 401, message: 'The session has ended; log in again.' },
  HANDSHAKE_EXPIRED: { status: 401, message: 'The authentication handshake expired or was already used; start again.' },
  INVALID_SECOND_FACTOR: { status: 401, message: 'The second-factor code or security key was not accepted.' },
  ACCOUNT_DISABLED: { status: 403, message: 'This account is disabled; contact the administrator.' },
  REAUTH_REQUIRED: { status: 401, message: 'Confirm your master password again to do this.' },
  INVALID_EMAIL_TOKEN: { status: 400, message: 'The link or code is invalid, expired or already used.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  SECOND_FACTOR_REQUIRED: { status: 403, message: 'Administration needs a session signed in with a second factor: enable one, then log in again.' },
  USER_NOT_FOUND: { status: 404, message: 'The account does not exist.' },
  ROLE_NOT_FOUND: { status: 404, message: 'The role does not exist.' },
  ROLE_EXISTS: { status: 409, message: 'A role with this name already exists.' },
  LAST_OWNER: { status: 409, message: 'The last owner cannot lose the owner role, be disabled or be deleted.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  OAUTH_CLIENT_NOT_FOUND: { status: 404, message: 'The application does not exist.' },
  OAUTH_INTERACTION_EXPIRED: { status: 400, message: 'The sign-in request expired or was already finished; start again from the application.' },
  API_KEY_READ_ONLY: { status: 403, message: 'This API key is read-only.' },
  ITEM_NOT_FOUND: { status: 404, message: 'The item does not exist.' },
  VAULT_NOT_FOUND: { status: 404, message: 'The vault does not exist.' },
  ORG_NOT_FOUND: { status: 404, message: 'The organisation does not exist.' },
  MEMBER_NOT_FOUND: { status: 404, message: 'The member does not exist.' },
  ORG_EXISTS: { status: 409, message: 'An organisation with this id already exists.' },
  VAULT_EXISTS: { status: 409, message: 'A vault with this id already exists.' },
  ORG_LIMIT_REACHED: { status: 409, message: 'The organisation has reached its limit of members or vaults.' },
  ORG_LAST_OWNER: { status: 409, message: 'The last owner of an organisation cannot leave it, be removed or lose the owner role.' },
  MEMBER_STATE_INVALID: { status: 409, message: 'The member is not in the state this step needs (invited, accepted, confirmed).' },
  KEYS_REQUIRED: { status: 409, message: 'Register your sharing keys first.' },
  KEYS_ALREADY_REGISTERED: { status: 409, message: 'Sharing keys are already registered; confirm your master password again to replace them.' },
  INVALID_KEY_SIGNATURE: { status: 400, message: 'The key signature does not verify.' },
  EMAIL_NOT_VERIFIED: { status: 409, message: 'Verify your e-mail address first.' },
  KEY_VERSION_MISMATCH: { status: 409, message: 'The vault key changed; sync and try again.' },
  VAULT_LAST_MANAGER: { status: 409, message: 'A shared vault keeps at least one member who manages it.' },
  VAULT_ROTATION_PENDING: { status: 409, message: 'A member lost access to this vault and its key has not been rotated yet; a member who manages the vault must sync first.' },
  ACCOUNT_DATA_CONFLICT: { status: 409, message: 'The account data was changed elsewhere; read it again and retry.' },
  ROTATION_MEMBERS_MISMATCH: { status: 409, message: 'A key rotation must seal the new key for exactly the current members; sync and try again.' },
  VAULT_ACCESS_DENIED: { status: 403, message: 'Your access to this vault does not allow this.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  ITEM_CONFLICT: { status: 409, message: 'The item was changed elsewhere; sync and try again.' },
  FACTOR_ALREADY_ENABLED: { status: 409, message: 'This second factor is already enabled.' },
  PASSKEY_EXISTS: { status: 409, message: 'This passkey is already registered.' },
  PASSKEY_LIMIT: { status: 409, message: 'This account has as many passkeys as it may have; remove one first.' },
  PASSKEY_NOT_FOUND: { status: 404, message: 'The passkey does not exist.' },
  FACTOR_NOT_FOUND: { status: 404, message: 'The second factor does not exist.' },
  ITEM_EXISTS: { status: 409, message: 'An item with this id already exists.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request content type is not supported.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; try again later.' },
  IMPORT_UNREADABLE: { status: 400, message: 'The import file is malformed, truncated or not of the format given; nothing was imported.' },
  IMPORT_UNKNOWN_FORMAT: { status: 400, message: 'The import file is of no format Watchword knows; name the format to force one.' },
  IMPORT_TOO_LARGE: { status: 413, message: 'The import file is beyond the limits of an import (size, entries or items); nothing was imported.' },
  IMPORT_PASSWORD_REQUIRED: { status: 401, message: 'The import file is encrypted: give its password.' },
  IMPORT_WRONG_PASSWORD: { status: 401, message: 'The password does not open the import file.' },
  IMPORT_INCOMPLETE: { status: 500, message: 'The import failed part-way; the items it had stored were removed again.' },
  INTERNAL: { status: 500, message: 'Something went wrong on the server.' },
  STATE_UNAVAILABLE: { status: 503, message: 'A backing service is unavailable; try again shortly.' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; try again shortly.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is unavailable; try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The JSON body of every error response: `{ error: { code, message, requestId } }`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId?: string; details?: Record<string, unknown> };
}

/** An error carrying a catalogue code; thrown by the server and rethrown by the SDK. */
export class WatchwordError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, options: { message?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(options.message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WatchwordError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = options.details;
  }
}
