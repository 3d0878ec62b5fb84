/**
 * Thrown whenever an envelope cannot be opened: unknown version, wrong length, bad
 * base64url, wrong key, wrong AAD or a failed authentication tag. The message is fixed
 * and no cause is attached, so callers cannot (and need not) tell these cases apart.
 */
export class DecryptionError extends Error {
  readonly code = 'ERR_DECRYPTION_FAILED' as const;
  constructor() {
    super('decryption failed');
    this.name = 'DecryptionError';
  }
}
