/** Second-factor state. Each "use" is one conditional UPDATE: a code or an assertion counts once, even across instances. */
import { randomUUID } from 'node:crypto';
import type { StorageDriver } from './driver.ts';
import { preparedQuery } from './prepared.ts';
import { type CredentialRecord, type CredentialTableSpec, createCredentialStore } from './webauthn-credentials.ts';

export interface TotpFactorRecord {
  userId: string;
  seedSealed: string;
  confirmedAt: number | null;
  lastStep: number;
  createdAt: number;
}

/** A security key registered as a second factor. */
export type WebauthnCredentialRecord = CredentialRecord;

/** The security-key table: the shared credential columns and nothing more. */
export const securityKeyCredentials: CredentialTableSpec<'webauthn_credentials', WebauthnCredentialRecord> = {
  table: 'webauthn_credentials',
  ownColumns: () => ({}),
  ownFields: () => ({}),
};

export interface BackupCodeRecord {
  id: string;
  hash: string;
}

/** Whether the user has logged in before at all ('first'), with this device name and user agent ('known'), or not ('new'). */
export type DeviceHistory = 'first' | 'known' | 'new';

/** The device a login comes from, as its sessions record it. */
export interface LoginDevice {
  readonly name: string;
  readonly userAgent: string;
}

/** What a login needs to know once the password is proven, read in one statement. */
export interface LoginGate {
  /** The account is disabled (or gone): no session. */
  disabled: boolean;
  /** A confirmed TOTP seed or a registered security key: the login needs a second factor. */
  secondFactor: boolean;
  /** The login's device against the account's sessions (the new-device notice). */
  device: DeviceHistory;
  /**
   * The account's OPAQUE record now (null: no account). A login proven against another record (one its start read
   * before a password change, recovery or vault reset) must not open a session.
   */
  opaqueRecord: string | null;
}

/** Second factors. Every "use" is one conditional UPDATE, so a code or assertion counts once across instances. */
export interface MfaRepository {
  /** The account's login gate in one statement (disabled, second factor, device history, record) — every login reads it. */
  loginGate(userId: string, device: LoginDevice): Promise<LoginGate>;
  getTotp(userId: string): Promise<TotpFactorRecord | undefined>;
  /** Starts (or restarts) an enrolment: replaces an unconfirmed seed; 'active' when a confirmed one exists. */
  putPendingTotp(userId: string, seedSealed: string, now: number): Promise<'pending' | 'active'>;
  /** Activates the pending seed and records `step` as used; false if there was none pending or it changed. */
  confirmTotp(userId: string, seedSealed: string, step: number, now: number): Promise<boolean>;
  /** Records `step` as used iff it is newer than the last used one (single use, RFC 6238 §5.2). */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  deleteTotp(userId: string): Promise<boolean>;

  /** Replaces every backup code of the user (regeneration invalidates the old set). */
  replaceBackupCodes(userId: string, hashes: string[], now: number): Promise<void>;
  listUnusedBackupCodes(userId: string): Promise<BackupCodeRecord[]>;
  /** Marks one code used iff still unused. */
  useBackupCode(userId: string, id: string, now: number): Promise<boolean>;
  deleteBackupCodes(userId: string): Promise<void>;

  listWebauthn(userId: string): Promise<WebauthnCredentialRecord[]>;
  /** 'exists' when the credential id is already registered (to anyone). */
  addWebauthn(credential: Omit<WebauthnCredentialRecord, 'lastUsedAt'>): Promise<'added' | 'exists'>;
  /** Stores the new signature counter iff the stored one is still `expected` (no concurrent double use). */
  useWebauthn(userId: string, id: string, expected: number, counter: number, now: number): Promise<boolean>;
  deleteWebauthn(userId: string, id: string): Promise<WebauthnCredentialRecord | undefined>;
}

export function createMfaRepository(driver: StorageDriver): MfaRepository {
  const { db } = driver;
  const webauthn = createCredentialStore(db, securityKeyCredentials);
  // The user row with four EXISTS probes: one round trip, compiled once (every login reads it).
  type GateRow = { disabled_at: number | null; opaque_record: string; totp: unknown; webauthn: unknown; same_device: unknown; any_session: unknown };
  const gate = preparedQuery<GateRow, [string, string, string]>(driver, 3, (userId, deviceName, userAgent) =>
    db
      .selectFrom('users')
      .select((eb) => [
        'users.disabled_at',
        'users.opaque_record',
        eb.exists(eb.selectFrom('totp_factors').select('user_id').where('user_id', '=', userId).where('confirmed_at', 'is not', null)).as('totp'),
        eb.exists(eb.selectFrom('webauthn_credentials').select('id').where('user_id', '=', userId)).as('webauthn'),
        eb
          .exists(eb.selectFrom('sessions').select('id').where('user_id', '=', userId).where('device_name', '=', deviceName).where('user_agent', '=', userAgent))
          .as('same_device'),
        eb.exists(eb.selectFrom('sessions').select('id').where('user_id', '=', userId)).as('any_session'),
      ])
      .where('users.id', '=', userId),
  );
  return {
    async loginGate(userId, device) {
      const [row] = await gate(userId, device.name, device.userAgent);
      // No row (a deleted account) answers "disabled".
      if (row === undefined) return { disabled: true, secondFactor: false, device: 'first', opaqueRecord: null };
      // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
      const history = Boolean(row.same_device) ? 'known' : Boolean(row.any_session) ? 'new' : 'first';
      return { disabled: row.disabled_at !== null, secondFactor: Boolean(row.totp) || Boolean(row.webauthn), device: history, opaqueRecord: row.opaque_record };
    },

    async getTotp(userId) {
      const row = await db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).executeTakeFirst();
      if (row === undefined) return undefined;
      return { userId: row.user_id, seedSealed: row.seed_sealed, confirmedAt: row.confirmed_at, lastStep: row.last_step, createdAt: row.created_at };
    },

    putPendingTotp(userId, seedSealed, now) {
      return db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('totp_factors').select('confirmed_at').where('user_id', '=', userId).executeTakeFirst();
        if (current !== undefined && current.confirmed_at !== null) return 'active' as const;
        await trx.deleteFrom('totp_factors').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
        await trx.insertInto('totp_factors').values({ user_id: userId, seed_sealed: seedSealed, confirmed_at: null, last_step: 0, created_at: now }).execute();
        return 'pending' as const;
      });
    },

    async confirmTotp(userId, seedSealed, step, now) {
      const row = await db
        .updateTable('totp_factors')
        .set({ confirmed_at: now, last_step: step })
        .where('user_id', '=', userId)
        .where('seed_sealed', '=', seedSealed)
        .where('confirmed_at', 'is', null)
        .returning('user_id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async useTotpStep(userId, step) {
      const row = await db
        .updateTable('totp_factors')
        .set({ last_step: step })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .where('last_step', '<', step)
        .returning('user_id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async deleteTotp(userId) {
      const row = await db.deleteFrom('totp_factors').where('user_id', '=', userId).returning('user_id').executeTakeFirst();
      return row !== undefined;
    },

    async replaceBackupCodes(userId, hashes, now) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
        if (hashes.length > 0) {
          await trx
            .insertInto('backup_codes')
            .values(hashes.map((hash) => ({ id: randomUUID(), user_id: userId, hash, used_at: null, created_at: now })))
            .execute();
        }
      });
    },

    async listUnusedBackupCodes(userId) {
      return db.selectFrom('backup_codes').select(['id', 'hash']).where('user_id', '=', userId).where('used_at', 'is', null).orderBy('id').execute();
    },

    async useBackupCode(userId, id, now) {
      const row = await db
        .updateTable('backup_codes')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async deleteBackupCodes(userId) {
      await db.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
    },

    listWebauthn: (userId) => webauthn.list(userId),
    addWebauthn: (credential) => webauthn.add(credential),
    useWebauthn: (userId, id, expected, counter, now) => webauthn.use(userId, id, expected, counter, now),
    deleteWebauthn: (userId, id) => webauthn.delete(userId, id),
  };
}
