export { build } from './app.ts';
export { loadConfig, redactConfig, type Config } from './config.ts';
export { openRuntime } from './runtime.ts';
export type { AppDeps } from './context.ts';
export type { App } from './http/types.ts';
// What AppDeps is built from, for an embedder (and the testkit) that assembles its own instead of openRuntime's.
export { openStorage } from './storage/index.ts';
export type { Storage } from './storage/types.ts';
export type { NewUser } from './storage/users.ts';
export type { NewVault } from './storage/vaults.ts';
export { openStateStore } from './state/index.ts';
export { MemoryStateStore } from './state/memory.ts';
export type { StateStore } from './state/types.ts';
export { loadServerSecrets } from './keys/server-secrets.ts';
export { loadSigningKeys } from './keys/signing-keys.ts';
