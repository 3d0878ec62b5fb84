export { HttpClient, type FetchLike } from './http.ts';
export { register, login, type RegisterResult, type LoginResult } from './auth.ts';
export { Session, toStoredTokens, type StoredTokens } from './session.ts';
export { Vault, type VaultItem, type SyncResult } from './vault.ts';
export { WatchwordClient } from './client.ts';
export { WatchwordError, generatePassword, type ItemContent } from '@watchword/protocol';
