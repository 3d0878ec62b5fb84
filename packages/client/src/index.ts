export { HttpClient, type FetchLike } from './http.ts';
export { register, login, SecondFactorRequiredError, type RegisterResult, type LoginResult, type SecondFactorAnswer, type SecondFactorPrompt } from './auth.ts';
export { AccountSecurity, changePassword, proveMasterPassword, reauthenticate, recover, requestRecovery, resetVault, verifyEmail, type RecoverInput } from './account.ts';
export { Session, toStoredTokens, type StoredTokens } from './session.ts';
export { Vault, type VaultItem, type SyncResult } from './vault.ts';
export { WatchwordClient } from './client.ts';
export { AdminClient } from './admin.ts';
export * from './password-policy.ts';
export { WatchwordError, generatePassword, VAULT_RESET_CONFIRMATION, type ItemContent } from '@watchword/protocol';
