export { HttpClient, type FetchLike } from './http.ts';
export { register, login, SecondFactorRequiredError, type RegisterResult, type LoginResult, type SecondFactorAnswer, type SecondFactorPrompt } from './auth.ts';
export { AccountSecurity, changePassword, proveMasterPassword, reauthenticate, recover, requestRecovery, resetVault, verifyEmail, type RecoverInput } from './account.ts';
export { Session, toStoredTokens, type RefreshCoordinator, type StoredSession, type StoredTokens } from './session.ts';
export { SealedResumeError, type SealedAccountKey } from './resume.ts';
export { Vault, type VaultItem, type SyncResult } from './vault.ts';
export { LocalUnlockError, type LocalUnlockRecord } from './local-unlock.ts';
export { SealedTokensError, openTokens, sealTokens } from './sealed-tokens.ts';
export { PinUnlockError, PIN_MIN_LENGTH, PIN_MAX_LENGTH, openPinUnlock, pinAcceptable, sealForPin, type PinUnlockRecord } from './pin-unlock.ts';
export { VaultCacheError, MAX_VAULT_CACHE_LENGTH, type VaultSnapshot } from './vault-cache.ts';
export {
  PASSKEY_PRF_SALT,
  PasskeyPrfUnsupportedError,
  PasskeyUnlockError,
  listPasskeys,
  registerPasskeyUnlock,
  removePasskey,
  signInWithPasskey,
  unlockWithPasskey,
  unwrapAccountKeyWithPasskey,
  wrapAccountKeyForPasskey,
  type PasskeyAssertion,
  type PasskeyCreate,
  type PasskeyCreation,
  type PasskeyCreationOptions,
  type PasskeyGet,
  type PasskeyRequestOptions,
} from './passkey-unlock.ts';
export { WatchwordClient } from './client.ts';
export { AdminClient } from './admin.ts';
export { OAuthAccountClient, OAuthAdminClient, OAuthInteractionClient, apiKeyAccessToken, type ApiKeyToken } from './oauth.ts';
export * from './password-policy.ts';
export { WatchwordError, generatePassword, folderSegments, folderFromSegments, VAULT_RESET_CONFIRMATION, type ItemContent, type StoredDpopKeyPair } from '@watchword/protocol';
export * from './import/index.ts';
