/**
 * The static list of migrations, keyed by name (names sort in application order).
 * A custom provider instead of FileMigrationProvider: no filesystem scanning, works from any bundle.
 * Append-only: add new entries at the end, never edit or remove a shipped one.
 */
import type { Migration, MigrationProvider } from 'kysely/migration';
import * as initial from './2026-11-23T0001-initial.ts';
import * as refreshTokenFamilies from './2026-11-23T0002-refresh-token-families.ts';
import * as accountSecurity from './2026-11-23T0003-account-security.ts';
import * as rbac from './2026-11-23T0004-rbac.ts';
import * as sessionSecondFactor from './2026-11-24T0005-session-second-factor.ts';
import * as oauth from './2026-12-07T0006-oauth.ts';
import * as organisations from './2026-12-07T0007-organisations.ts';
import * as passkeyUnlock from './2026-12-07T0008-passkey-unlock.ts';
import * as vaultRotationPending from './2026-12-07T0009-vault-rotation-pending.ts';

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '2026-11-23T0001-initial': initial,
  '2026-11-23T0002-refresh-token-families': refreshTokenFamilies,
  '2026-11-23T0003-account-security': accountSecurity,
  '2026-11-23T0004-rbac': rbac,
  '2026-11-24T0005-session-second-factor': sessionSecondFactor,
  '2026-12-07T0006-oauth': oauth,
  '2026-12-07T0007-organisations': organisations,
  '2026-12-07T0008-passkey-unlock': passkeyUnlock,
  '2026-12-07T0009-vault-rotation-pending': vaultRotationPending,
});

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};
