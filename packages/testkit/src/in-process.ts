/** Test helpers that run the server in the test's own process: the app on `inject`, and storages of each dialect. */
export { type Backend, type TestApp, backendsUnderTest, createTestApp } from './app.ts';
export { type OpenedStorage, openFreshStorage, openMigratedStorage, sampleUser, sampleVault } from './storage.ts';
