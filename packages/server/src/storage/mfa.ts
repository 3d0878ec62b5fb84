/** Second-factor state. Each "use" is one conditional UPDATE: a code or an assertion counts once, even across instances. */
import type { Kysely, Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from './errors.ts';
import type { StorageDriver } from './driver.ts';
import { preparedQuery } from './prepared.ts';
import type { Database, WebauthnCredentialsTable } from './schema.ts';

export interface TotpFactorRecord {
  userId: string;
  seedSealed: string;
  confirmedAt: number | null;
  lastStep: number;
  createdAt: number;
}

export interface WebauthnCredentialRecord {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  counter: number;
  transports: string[];
  aaguid: string;
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

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

    async listWebauthn(userId) {
      const rows = await db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toCredential);
    },

    async addWebauthn(c) {
      try {
        await db
          .insertInto('webauthn_credentials')
          .values({
            id: c.id,
            user_id: c.userId,
            name: c.name,
            public_key: c.publicKey,
            counter: c.counter,
            transports: JSON.stringify(c.transports),
            aaguid: c.aaguid,
            backed_up: c.backedUp ? 1 : 0,
            created_at: c.createdAt,
            last_used_at: null,
          })
          .execute();
        return 'added';
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },

    async useWebauthn(userId, id, expected, counter, now) {
      const row = await db
        .updateTable('webauthn_credentials')
        .set({ counter, last_used_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('counter', '=', expected)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async deleteWebauthn(userId, id) {
      const row = await db.deleteFrom('webauthn_credentials').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
      return row === undefined ? undefined : toCredential(row);
    },
  };
}

function toCredential(row: Selectable<WebauthnCredentialsTable>) {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    publicKey: row.public_key,
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    aaguid: row.aaguid,
    backedUp: row.backed_up === 1,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}
