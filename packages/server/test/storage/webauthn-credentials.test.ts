/**
 * The WebAuthn credential store, run against both tables that use it (security keys and passkeys) on every dialect:
 * one set of statements must behave the same over each table, and keep each table's own columns.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, createTestDatabase, type Dialect, dialectsUnderTest, type TempDir, type TestDatabase } from '@watchword/testkit';
import { sampleUser, sampleVault } from '@watchword/testkit/app';
import type { StorageDriver } from '../../src/storage/driver.ts';
import { migrateToLatest } from '../../src/storage/migrate.ts';
import { securityKeyCredentials } from '../../src/storage/mfa.ts';
import { passkeyCredentials } from '../../src/storage/passkeys.ts';
import { openPostgresPool } from '../../src/storage/postgres.ts';
import { openSqlite } from '../../src/storage/sqlite.ts';
import { createUserRepository } from '../../src/storage/users.ts';
import { type CredentialRecord, type CredentialStore, createCredentialStore } from '../../src/storage/webauthn-credentials.ts';

const T0 = 1_763_900_000_000; // beyond 2^31 on purpose: bigint columns must come back as exact numbers

async function openDriver(dialect: Dialect): Promise<{ driver: StorageDriver; dispose(): Promise<void> }> {
  if (dialect === 'postgres') {
    const database: TestDatabase = await createTestDatabase();
    const driver = openPostgresPool({ url: database.url, poolSize: 5 });
    return { driver, dispose: async () => (await driver.db.destroy(), await database.drop()) };
  }
  const dir: TempDir = await createTempDir();
  const driver = openSqlite(dir.path);
  return { driver, dispose: async () => (await driver.db.destroy(), await dir.remove()) };
}

/** Each table under test: its store and a fresh record of it for an account. */
interface TableCase<R extends CredentialRecord> {
  name: string;
  store(driver: StorageDriver): CredentialStore<R>;
  record(userId: string, id?: string, createdAt?: number): Omit<R, 'lastUsedAt'>;
}

const shared = (userId: string, id: string, createdAt: number) => ({
  id, userId, name: 'Key', publicKey: 'cGs', counter: 3, transports: ['usb', 'nfc'], aaguid: '00000000-0000-0000-0000-000000000000', backedUp: true, createdAt,
});

const tables: TableCase<CredentialRecord & { wrappedAccountKey?: string }>[] = [
  {
    name: 'webauthn_credentials',
    store: (driver) => createCredentialStore(driver.db, securityKeyCredentials),
    record: (userId, id = `cred-${randomUUID()}`, createdAt = T0) => shared(userId, id, createdAt),
  },
  {
    name: 'passkey_credentials',
    store: (driver) => createCredentialStore(driver.db, passkeyCredentials),
    record: (userId, id = `cred-${randomUUID()}`, createdAt = T0) => ({ ...shared(userId, id, createdAt), wrappedAccountKey: `d3JhcHBlZA-${id}` }),
  },
];

for (const dialect of dialectsUnderTest()) {
  describe(`WebAuthn credential store (${dialect})`, () => {
    let opened: Awaited<ReturnType<typeof openDriver>>;
    let driver: StorageDriver;
    beforeAll(async () => {
      opened = await openDriver(dialect);
      driver = opened.driver;
      await migrateToLatest(driver.db);
    });
    afterAll(async () => opened?.dispose());

    async function account(): Promise<string> {
      const user = sampleUser();
      expect(await createUserRepository(driver).create(user, sampleVault(), T0)).toBe('created');
      return user.id;
    }

    for (const table of tables) {
      describe(table.name, () => {
        /** Two accounts and a credential of the first, added. */
        async function added() {
          const [owner, other] = [await account(), await account()];
          const store = table.store(driver);
          const record = table.record(owner);
          expect(await store.add(record)).toBe('added');
          return { owner, other, store, record };
        }

        it('adds a credential once (its id is unique across accounts) and reads it back exactly, own columns included', async () => {
          const { owner, other, store, record } = await added();
          expect(await store.add(table.record(other, record.id))).toBe('exists');
          expect(await store.find(record.id)).toEqual({ ...record, lastUsedAt: null });
          expect(await store.find(`cred-${randomUUID()}`)).toBeUndefined();
          expect(await store.list(other)).toEqual([]);
          expect(await store.count(other)).toBe(0);
          expect(await store.list(owner)).toEqual([{ ...record, lastUsedAt: null }]);
        });

        it("lists an account's credentials oldest first (then by id) and counts them", async () => {
          const owner = await account();
          const store = table.store(driver);
          const newest = table.record(owner, `c-${randomUUID()}`, T0 + 2);
          const oldB = table.record(owner, `b-${randomUUID()}`, T0);
          const oldA = table.record(owner, `a-${randomUUID()}`, T0);
          for (const r of [newest, oldB, oldA]) expect(await store.add(r)).toBe('added');
          expect((await store.list(owner)).map((c) => c.id)).toEqual([oldA.id, oldB.id, newest.id]);
          expect(await store.count(owner)).toBe(3);
        });

        it('moves the counter only from the value read, for its owner, once among concurrent uses', async () => {
          const { owner, other, store, record } = await added();
          expect(await store.use(owner, record.id, 2, 9, T0 + 1)).toBe(false);
          expect(await store.use(other, record.id, 3, 9, T0 + 1)).toBe(false);
          const uses = await Promise.all([4, 5, 6].map((counter) => store.use(owner, record.id, 3, counter, T0 + 1)));
          expect(uses.filter(Boolean)).toHaveLength(1);
          const after = await store.find(record.id);
          expect(after?.counter).toBe(3 + 1 + uses.indexOf(true));
          expect(after?.lastUsedAt).toBe(T0 + 1);
        });

        it('deletes only for the owner and returns the credential deleted', async () => {
          const { owner, other, store, record } = await added();
          expect(await store.delete(other, record.id)).toBeUndefined();
          expect(await store.delete(owner, record.id)).toEqual({ ...record, lastUsedAt: null });
          expect(await store.delete(owner, record.id)).toBeUndefined();
          expect(await store.find(record.id)).toBeUndefined();
        });
      });
    }

    it('keeps the two tables apart: the same credential id in each, each read, used and deleted on its own', async () => {
      const owner = await account();
      const [keys, passkeys] = tables.map((t) => t.store(driver)) as [CredentialStore<CredentialRecord>, CredentialStore<CredentialRecord>];
      const id = `cred-${randomUUID()}`;
      const key = tables[0]!.record(owner, id);
      const passkey = tables[1]!.record(owner, id);
      expect(await keys.add(key)).toBe('added');
      expect(await passkeys.add(passkey)).toBe('added');
      expect(await passkeys.use(owner, id, 3, 4, T0 + 1)).toBe(true);
      expect(await keys.find(id)).toEqual({ ...key, lastUsedAt: null });
      expect(await keys.delete(owner, id)).toBeDefined();
      expect(await passkeys.find(id)).toEqual({ ...passkey, counter: 4, lastUsedAt: T0 + 1 });
    });
  });
}
