/** Fresh storages for the shared suite: a temp SQLite file, or a freshly created PostgreSQL database. */
import { randomUUID } from 'node:crypto';
import { type NewUser, type NewVault, type Storage, openStorage } from '@watchword/server';
import { createTestDatabase, type Dialect } from './pg.ts';
import { createTempDir } from './tmp.ts';

export interface OpenedStorage {
  storage: Storage;
  dataDir: string;
  dispose(): Promise<void>;
}

/** An empty, not yet migrated storage of the given dialect. */
export async function openFreshStorage(dialect: Dialect): Promise<OpenedStorage> {
  const dir = await createTempDir();
  const database = dialect === 'postgres' ? await createTestDatabase() : undefined;
  const storage = await openStorage({ databaseUrl: database?.url, dataDir: dir.path, poolSize: 30 });
  return {
    storage,
    dataDir: dir.path,
    async dispose() {
      await storage.close();
      await database?.drop();
      await dir.remove();
    },
  };
}

/** Fresh, migrated storage (what integration tests start from). */
export async function openMigratedStorage(dialect: Dialect): Promise<OpenedStorage> {
  const opened = await openFreshStorage(dialect);
  await opened.storage.migrateToLatest();
  return opened;
}

export function sampleUser(overrides: Partial<NewUser> = {}): NewUser {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    email: `${id}@example.test`,
    opaqueRecord: 'b3BhcXVlLXJlY29yZA',
    kdfVersion: 1,
    kekSalt: 'a2VrLXNhbHQ',
    wrappedAccountKey: 'd3JhcHBlZC1hY2NvdW50LWtleQ',
    recoverySalt: 'cmVjb3Zlcnktc2FsdA',
    recoveryWrappedKey: 'cmVjb3Zlcnktd3JhcHBlZA',
    x25519PublicKey: 'eDI1NTE5LXB1Yg',
    ed25519PublicKey: 'ZWQyNTUxOS1wdWI',
    wrappedX25519PrivateKey: 'eDI1NTE5LXByaXY',
    wrappedEd25519PrivateKey: 'ZWQyNTUxOS1wcml2',
    ...overrides,
  };
}

export function sampleVault(overrides: Partial<NewVault> = {}): NewVault {
  return { id: randomUUID(), kind: 'personal', wrappedKey: 'dmF1bHQta2V5', ...overrides };
}
