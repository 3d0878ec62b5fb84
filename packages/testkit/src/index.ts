/**
 * The test helpers that load no server code: backing services under test, temp dirs, free ports, server processes,
 * the mail outbox, the secret scan, a software WebAuthn authenticator. The in-process test app and storages are
 * `@watchword/testkit/app` (they load the server).
 */
export { serviceUrl } from './env.ts';
export { freePort } from './free-port.ts';
export { GENEROUS_LIMITS, REALISTIC_LIMITS } from './limits.ts';
export { parseMail } from './mime.ts';
export { outboxMail, unseenMailLink } from './outbox.ts';
export { type Dialect, type TestDatabase, createTestDatabase, dialectsUnderTest, pgAvailable, testDatabaseUrl } from './pg.ts';
export { type StateKind, deleteKeysWithPrefix, rawRedis, redisAvailable, stateKindsUnderTest, testRedisUrl, uniqueKeyPrefix } from './redis.ts';
export { deleteRedisKeysWithPrefix } from './redis-prefix.ts';
export { findSecrets, secretNeedles } from './secret-scan.ts';
export { type ServerProcess, SOURCE_ENTRY, startServerProcess } from './server-process.ts';
export * from './soft-authenticator.ts';
export { type TempDir, createTempDir } from './tmp.ts';
export { FIXTURES, fixture, folderOf, NOTE_TEXT, passImportItems, type PassImportShape, sorted } from './import-fixtures.ts';
