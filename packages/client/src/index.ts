export { HttpClient, type FetchLike } from './http.ts';
export { register, login, SecondFactorRequiredError, type RegisterResult, type LoginResult, type SecondFactorAnswer, type SecondFactorPrompt } from './auth.ts';
export { AccountSecurity, changePassword, proveMasterPassword, reauthenticate, recover, requestRecovery, resetVault, verifyEmail, type RecoverInput } from './account.ts';
export { Session, toStoredTokens, type RefreshCoordinator, type StoredSession, type StoredTokens } from './session.ts';
export { SealedResumeError, type SealedAccountKey } from './resume.ts';
export { ADD_MANY_IN_FLIGHT, Vault, type VaultItem, type SyncResult, type SyncDelta, type BatchedSyncOptions, type QueuedChange } from './vault.ts';
export { decryptBatch, DECRYPT_CHUNK, type Decrypted } from './decrypt-batch.ts';
export { decryptItems, type ItemKeys, type LiveItem } from './item-batch.ts';
export { LocalUnlockError, type LocalUnlockRecord } from './local-unlock.ts';
export { SealedTokensError, openTokens, sealTokens } from './sealed-tokens.ts';
export { PinUnlockError, PIN_MIN_LENGTH, PIN_MAX_LENGTH, openPinUnlock, pinAcceptable, sealForPin, type PinUnlockRecord } from './pin-unlock.ts';
export { VaultCacheError, MAX_VAULT_CACHE_LENGTH, openVaultSnapshot, sealVaultSnapshot, type VaultSnapshot } from './vault-cache.ts';
export { IndexedCacheError, INDEXED_CACHE_FORMAT, MAX_INDEXED_CACHE_LENGTH, OpenedIndexedCache, applySync, indexEntry, openIndexedCache, sealIndexedCache, searchText, type CachedSharedVault, type CacheIndexEntry, type CacheKeyFor, type CacheSync, type IndexedCacheData } from './indexed-cache.ts';
export { CachedVault, type CopyKey, type CopySyncResult } from './cached-vault.ts';
export {
  PASSKEY_PRF_SALT,
  PasskeyPrfUnsupportedError,
  PasskeyUnlockError,
  listPasskeys,
  registerPasskeyUnlock,
  removePasskey,
  signInWithPasskey,
  unlockWithPasskey,
  unlockWithPasskeyEntries,
  type PasskeyUnlockEntry,
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
export { Organisations, type FingerprintCheck, type OrgMember, type OrgVaultInfo } from './sharing/organisations.ts';
export { KeyPins, KeyChangedError, type PinStore } from './sharing/pins.ts';
export type { KeyRotation } from './sharing/rotation.ts';
export type { SharedVaultState } from './sharing/keyring.ts';
export { AdminClient } from './admin.ts';
export { OAuthAccountClient, OAuthAdminClient, OAuthInteractionClient, apiKeyAccessToken, type ApiKeyToken } from './oauth.ts';
export * from './password-policy.ts';
export { WatchwordError, generatePassword, folderSegments, folderFromSegments, VAULT_RESET_CONFIRMATION, type ItemContent, type StoredDpopKeyPair } from '@watchword/protocol';
export * from './import/index.ts';
