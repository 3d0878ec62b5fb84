import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

/**
 * The web vault's one IndexedDB database (through `idb`, a small well-kept promise wrapper over the IndexedDB API).
 * Every object store is declared here, so the schema version has one owner. Nothing in it is a secret in the clear:
 * keys are non-extractable CryptoKeys (stored by structured clone) and everything else is sealed (docs/web-vault.md).
 *
 * - `session`: the persisted session of this browser profile (key `current`).
 * - `device-unlock`: this device's unlock records (master-password verifier, PIN, passkey PRF), keyed by `userId:method`.
 * - `vault-cache`: the encrypted copy of the vault, keyed by user id.
 * - `outbox`: changes made offline, waiting to be sent (auto-incremented keys keep their order).
 */
export interface WebVaultDb extends DBSchema {
  session: { key: string; value: unknown };
  'device-unlock': { key: string; value: unknown };
  'vault-cache': { key: string; value: unknown };
  outbox: { key: number; value: unknown };
}

const NAME = 'watchword';
const VERSION = 1;

let opening: Promise<IDBPDatabase<WebVaultDb>> | undefined;

/** Opens (once per page) the web vault's database, creating its stores on first use. */
export function database(): Promise<IDBPDatabase<WebVaultDb>> {
  opening ??= openDB<WebVaultDb>(NAME, VERSION, {
    upgrade(db) {
      for (const store of ['session', 'device-unlock', 'vault-cache'] as const) {
        if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
      }
      if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { autoIncrement: true });
    },
  });
  return opening;
}
