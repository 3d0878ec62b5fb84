/**
 * Items of shared vaults (issue 25). Access is decided in the statements themselves: every read joins the caller's
 * `vault_members` row (any access), every write first bumps the vault's revision under the condition that the caller
 * holds `edit` or `manage` there — so a member removed a moment ago is refused by the database, on every instance,
 * whatever a route checked before. Optimistic concurrency as for personal items: an update names the revision it read
 * and loses (ITEM_CONFLICT) rather than overwrite a concurrent change. Each change takes the vault's next revision as
 * its `seq`, the cursor of the shared sync.
 */
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import { isUniqueViolation } from './errors.ts';
import type { Database, SharedItemsTable } from './schema.ts';
import { accessAtLeast, type SharedVaultView, createSharedVaultRepository } from './shared-vaults.ts';
import { bumpUserRevision } from './transaction.ts';
import type { StorageDriver } from './driver.ts';
import { preparedQuery } from './prepared.ts';
import { textParameter } from './text-parameter.ts';
import type { ItemRecord } from './items.ts';

export interface SharedItemRecord {
  id: string;
  vaultId: string;
  keyVersion: number;
  revision: number;
  seq: number;
  data: string | null;
  deletedAt: number | null;
  purged: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * Why a write was refused: no such vault for this caller, read-only access, a stale key version, a stale revision, or
 * new content while the vault owes a key rotation (a removed member still holds the current key).
 */
export type SharedWriteRefusal = 'not_found' | 'denied' | 'key_version' | 'conflict' | 'item_not_found' | 'rotation_pending';

export interface SharedSyncResult {
  vaults: SharedVaultView[];
  gone: string[];
  items: SharedItemRecord[];
}

export interface MoveInput {
  userId: string;
  from: { vaultId: string; id: string; revision: number };
  to: { vaultId: string; id: string; keyVersion: number | undefined; data: string };
  now: number;
}
export type MoveResult = { item: ItemRecord | SharedItemRecord; keyVersion: number | null } | SharedWriteRefusal | 'exists' | 'same_vault';

export interface SharedItemRepository {
  create(input: { userId: string; vaultId: string; id: string; keyVersion: number; data: string; now: number }): Promise<SharedItemRecord | SharedWriteRefusal | 'exists'>;
  /** The item, when `userId` may read the vault; undefined otherwise (missing, purged, or not reachable). */
  get(userId: string, vaultId: string, id: string): Promise<SharedItemRecord | undefined>;
  update(input: { userId: string; vaultId: string; id: string; expectedRevision: number; keyVersion: number; data: string; now: number }): Promise<SharedItemRecord | SharedWriteRefusal>;
  /** To / out of the trash, or purged (a tombstone). */
  transition(input: { userId: string; vaultId: string; id: string; to: 'trash' | 'restore' | 'purge'; now: number }): Promise<SharedItemRecord | SharedWriteRefusal>;
  /** The shared-vault sync for `userId` (see SharedSyncRequest in @watchword/protocol). */
  sync(userId: string, known: { vaultId: string; revision: number }[]): Promise<SharedSyncResult>;
  /** Moves an item between two vaults the caller may write (personal or shared), atomically. */
  move(input: MoveInput): Promise<MoveResult>;
}

type Trx = Transaction<Database>;

class Refused extends Error {
  readonly reason: SharedWriteRefusal | 'exists';
  constructor(reason: SharedWriteRefusal | 'exists') {
    super(reason);
    this.reason = reason;
  }
}

export function createSharedItemRepository(driver: Pick<StorageDriver, 'db' | 'direct'>): SharedItemRepository {
  const { db } = driver;
  const vaults = createSharedVaultRepository(driver);

  // The shared sync's reads, one vault at a time, compiled once (storage/prepared.ts): a vault new to the client
  // (its live items) and a vault the client holds up to `since` (every change after it, tombstones included). Access
  // is decided here too: the caller's membership row is joined. The two ids are cast text parameters
  // (storage/text-parameter.ts): bare, SQLite re-planned the statement on every execution — a delta read of one
  // vault took 42 µs, against 7 µs with the casts, same plan (better-sqlite3 loop; docs/performance.md "Shared vaults").
  // For the same reason `purged = 0` is a literal, not a bound constant.
  const columns = ['i.id', 'i.vault_id', 'i.key_version', 'i.revision', 'i.seq', 'i.data', 'i.deleted_at', 'i.purged', 'i.created_at', 'i.updated_at'] as const;
  const itemsOf = (userId: string, vaultId: string) =>
    db
      .selectFrom('shared_items as i')
      .innerJoin('vault_members as vm', (join) => join.onRef('vm.vault_id', '=', 'i.vault_id').on('vm.user_id', '=', textParameter(userId)))
      .select(columns)
      .where('i.vault_id', '=', textParameter(vaultId));
  const liveOf = preparedQuery<Selectable<SharedItemsTable>, [string, string]>(driver, 2, (userId, vaultId) => itemsOf(userId, vaultId).where('i.purged', '=', sql.lit(0)).orderBy('i.seq'));
  const changedOf = preparedQuery<Selectable<SharedItemsTable>, [string, string, number]>(driver, 3, (userId, vaultId, since) =>
    itemsOf(userId, vaultId).where('i.seq', '>', since as unknown as number).orderBy('i.seq'),
  );

  /**
   * The write gate: the vault's next revision, taken only if `userId` may edit it (one conditional UPDATE: the row
   * lock orders concurrent writers of one vault). Throws Refused('not_found' | 'denied').
   */
  const bumpVault = async (trx: Trx, userId: string, vaultId: string): Promise<{ seq: number; keyVersion: number; rotationPending: boolean }> => {
    const row = await trx
      .updateTable('shared_vaults')
      .set((eb) => ({ revision: eb('revision', '+', 1) }))
      .where('id', '=', vaultId)
      .where((eb) => eb.exists(eb.selectFrom('vault_members').select('user_id').where('vault_id', '=', vaultId).where('user_id', '=', userId).where('access', 'in', accessAtLeast('edit'))))
      .returning(['revision', 'key_version', 'rotation_pending_at'])
      .executeTakeFirst();
    if (row) return { seq: Number(row.revision), keyVersion: row.key_version, rotationPending: row.rotation_pending_at !== null };
    const reader = await trx.selectFrom('vault_members').select('access').where('vault_id', '=', vaultId).where('user_id', '=', userId).executeTakeFirst();
    throw new Refused(reader ? 'denied' : 'not_found');
  };

  /**
   * New content (a created, updated or moved-in item) goes only under the vault's current key, and not while a removed
   * member still holds that key: the writer waits for the rotation (docs/crypto.md, "Rotation after a removal").
   */
  const assertWritable = (vault: { keyVersion: number; rotationPending: boolean }, keyVersion: number | undefined) => {
    if (vault.rotationPending) throw new Refused('rotation_pending');
    if (vault.keyVersion !== keyVersion) throw new Refused('key_version');
  };

  const findLive = (q: Kysely<Database> | Trx, vaultId: string, id: string) =>
    q.selectFrom('shared_items').selectAll().where('id', '=', id).where('vault_id', '=', vaultId).where('purged', '=', 0).executeTakeFirst();

  /** Runs a write; a Refused thrown inside rolls back and becomes the result. */
  const write = <T>(fn: (trx: Trx) => Promise<T>): Promise<T | SharedWriteRefusal | 'exists'> =>
    db
      .transaction()
      .execute(fn)
      .catch((error: unknown) => {
        if (error instanceof Refused) return error.reason;
        if (isUniqueViolation(error)) return 'exists' as const;
        throw error;
      });

  /** The personal vault side of a move: the caller's own vault, or Refused('not_found'). */
  const isPersonal = async (trx: Trx, userId: string, vaultId: string) =>
    (await trx.selectFrom('vaults').select('id').where('id', '=', vaultId).where('owner_id', '=', userId).executeTakeFirst()) !== undefined;

  return {
    async create({ userId, vaultId, id, keyVersion, data, now }) {
      return write(async (trx) => {
        const vault = await bumpVault(trx, userId, vaultId);
        assertWritable(vault, keyVersion);
        const row = await trx
          .insertInto('shared_items')
          .values({ id, vault_id: vaultId, key_version: keyVersion, revision: 1, seq: vault.seq, data, deleted_at: null, purged: 0, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toSharedItem(row);
      }) as Promise<SharedItemRecord | SharedWriteRefusal | 'exists'>;
    },
    async get(userId, vaultId, id) {
      const row = await db
        .selectFrom('shared_items as i')
        .innerJoin('vault_members as vm', (join) => join.onRef('vm.vault_id', '=', 'i.vault_id').on('vm.user_id', '=', userId))
        .selectAll('i')
        .where('i.id', '=', id)
        .where('i.vault_id', '=', vaultId)
        .where('i.purged', '=', 0)
        .executeTakeFirst();
      return row === undefined ? undefined : toSharedItem(row);
    },
    async update({ userId, vaultId, id, expectedRevision, keyVersion, data, now }) {
      return write(async (trx) => {
        const vault = await bumpVault(trx, userId, vaultId);
        assertWritable(vault, keyVersion);
        const row = await trx
          .updateTable('shared_items')
          .set((eb) => ({ data, key_version: keyVersion, revision: eb('revision', '+', 1), seq: vault.seq, updated_at: now }))
          .where('id', '=', id)
          .where('vault_id', '=', vaultId)
          .where('revision', '=', expectedRevision)
          .where('purged', '=', 0)
          .returningAll()
          .executeTakeFirst();
        if (row) return toSharedItem(row);
        throw new Refused((await findLive(trx, vaultId, id)) ? 'conflict' : 'item_not_found');
      }) as Promise<SharedItemRecord | SharedWriteRefusal>;
    },
    async transition({ userId, vaultId, id, to, now }) {
      return write(async (trx) => {
        const vault = await bumpVault(trx, userId, vaultId);
        let q = trx.updateTable('shared_items').where('id', '=', id).where('vault_id', '=', vaultId).where('purged', '=', 0);
        if (to === 'trash') q = q.set({ deleted_at: now, seq: vault.seq, updated_at: now }).where('deleted_at', 'is', null);
        if (to === 'restore') q = q.set({ deleted_at: null, seq: vault.seq, updated_at: now }).where('deleted_at', 'is not', null);
        if (to === 'purge') q = q.set({ data: null, purged: 1, seq: vault.seq, updated_at: now });
        const row = await q.returningAll().executeTakeFirst();
        if (row) return toSharedItem(row);
        // Already in the asked state (trash twice, restore an active item): answer the item as it is, undo the bump.
        const current = await findLive(trx, vaultId, id);
        if (!current) throw new Refused('item_not_found');
        throw new Unchanged(toSharedItem(current));
      }).catch((error: unknown) => {
        if (error instanceof Unchanged) return error.item;
        throw error;
      }) as Promise<SharedItemRecord | SharedWriteRefusal>;
    },
    async sync(userId, known) {
      // The vaults first, then their items: an item changed in between comes with a seq above the revision reported
      // and is sent again next time — never skipped.
      const reachable = await vaults.listForUser(userId);
      const byId = new Map(reachable.map((v) => [v.id, v]));
      const cursors = new Map(known.map((k) => [k.vaultId, k.revision]));
      const gone = [...cursors.keys()].filter((id) => !byId.has(id)).sort();
      const fresh = reachable.filter((v) => !cursors.has(v.id)).map((v) => v.id);
      const deltas = reachable.filter((v) => cursors.has(v.id) && (cursors.get(v.id) ?? 0) < v.revision);
      if (fresh.length === 0 && deltas.length === 0) return { vaults: reachable, gone, items: [] };
      // By vault id, each vault's items by seq (the order the answer has always had).
      const reads = [...fresh.map((id) => ({ id, since: undefined })), ...deltas.map((v) => ({ id: v.id, since: cursors.get(v.id) ?? 0 }))]
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => (r.since === undefined ? liveOf(userId, r.id) : changedOf(userId, r.id, r.since)));
      const pages = await Promise.all(reads);
      return { vaults: reachable, gone, items: pages.flat().map(toSharedItem) };
    },
    async move({ userId, from, to, now }) {
      if (from.vaultId === to.vaultId) return 'same_vault';
      return write(async (trx) => {
        // Source: purge (a tombstone in its vault's sync), at the revision the client read.
        if (await isPersonal(trx, userId, from.vaultId)) {
          const seq = await bumpUserRevision(trx, userId);
          if (seq === undefined) throw new Refused('not_found');
          const purged = await trx
            .updateTable('items')
            .set({ data: null, purged: 1, seq, updated_at: now })
            .where('id', '=', from.id)
            .where('user_id', '=', userId)
            .where('vault_id', '=', from.vaultId)
            .where('revision', '=', from.revision)
            .where('purged', '=', 0)
            .executeTakeFirst();
          if (Number(purged.numUpdatedRows) !== 1) {
            const live = await trx.selectFrom('items').select('id').where('id', '=', from.id).where('user_id', '=', userId).where('vault_id', '=', from.vaultId).where('purged', '=', 0).executeTakeFirst();
            throw new Refused(live ? 'conflict' : 'item_not_found');
          }
        } else {
          const vault = await bumpVault(trx, userId, from.vaultId);
          const purged = await trx
            .updateTable('shared_items')
            .set({ data: null, purged: 1, seq: vault.seq, updated_at: now })
            .where('id', '=', from.id)
            .where('vault_id', '=', from.vaultId)
            .where('revision', '=', from.revision)
            .where('purged', '=', 0)
            .executeTakeFirst();
          if (Number(purged.numUpdatedRows) !== 1) throw new Refused((await findLive(trx, from.vaultId, from.id)) ? 'conflict' : 'item_not_found');
        }
        // Target: a new item, sealed by the client under the target vault's key.
        if (await isPersonal(trx, userId, to.vaultId)) {
          const seq = await bumpUserRevision(trx, userId);
          if (seq === undefined) throw new Refused('not_found');
          const row = await trx
            .insertInto('items')
            .values({ id: to.id, user_id: userId, vault_id: to.vaultId, revision: 1, seq, data: to.data, deleted_at: null, purged: 0, created_at: now, updated_at: now })
            .returningAll()
            .executeTakeFirstOrThrow();
          const item: ItemRecord = { id: row.id, userId: row.user_id, vaultId: row.vault_id, revision: Number(row.revision), seq: Number(row.seq), data: row.data, deletedAt: row.deleted_at, purged: row.purged === 1, createdAt: row.created_at, updatedAt: row.updated_at };
          return { item, keyVersion: null };
        }
        const vault = await bumpVault(trx, userId, to.vaultId);
        assertWritable(vault, to.keyVersion);
        const row = await trx
          .insertInto('shared_items')
          .values({ id: to.id, vault_id: to.vaultId, key_version: vault.keyVersion, revision: 1, seq: vault.seq, data: to.data, deleted_at: null, purged: 0, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { item: toSharedItem(row), keyVersion: vault.keyVersion };
      }) as Promise<MoveResult>;
    },
  };
}

class Unchanged extends Error {
  readonly item: SharedItemRecord;
  constructor(item: SharedItemRecord) {
    super('unchanged');
    this.item = item;
  }
}

export function toSharedItem(row: Selectable<SharedItemsTable>): SharedItemRecord {
  return {
    id: row.id,
    vaultId: row.vault_id,
    keyVersion: row.key_version,
    revision: Number(row.revision),
    seq: Number(row.seq),
    data: row.data,
    deletedAt: row.deleted_at,
    purged: row.purged === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
