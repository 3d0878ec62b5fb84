import { type Kysely, type Selectable, type Transaction, type Updateable, sql } from 'kysely';
import { WatchwordError } from '@watchword/protocol';
import { isUniqueViolation } from './errors.ts';
import type { StorageDriver } from './driver.ts';
import { preparedQuery } from './prepared.ts';
import { integerParameter, textParameter } from './text-parameter.ts';
import type { Database, ItemsTable } from './schema.ts';
import { bumpUserRevision, transactionWithRollback } from './transaction.ts';

export interface ItemRecord {
  id: string;
  userId: string;
  vaultId: string;
  /** Per-item content revision, starts at 1, +1 on every content update. Bound into the ciphertext's AAD by clients. */
  revision: number;
  /** The owner's user revision at this item's last change (create, update, trash, restore, purge). */
  seq: number;
  /** Encrypted item envelope, base64url; null once purged. */
  data: string | null;
  /** Set while the item is in the trash. */
  deletedAt: number | null;
  /** True once purged: the row is a tombstone so delta sync can report the purge. */
  purged: boolean;
  createdAt: number;
  updatedAt: number;
}

export type ItemUpdateResult =
  | { status: 'updated'; item: ItemRecord }
  | { status: 'conflict'; currentRevision: number }
  | { status: 'not_found' };

export interface ItemListResult {
  /** The user's current revision (the cursor to pass as `since` next time). */
  revision: number;
  items: ItemRecord[];
}

export interface ItemRepository {
  /**
   * Inserts an item with revision 1 and seq = ++user.revision, in one transaction.
   * 'exists' when the id is already used (by anyone); nothing changes then.
   */
  create(input: { id: string; userId: string; vaultId: string; data: string; now: number }): Promise<ItemRecord | 'exists'>;
  /**
   * Inserts many items at once (bulk import), all or nothing, in one transaction: one bump of the user's revision
   * by the count, consecutive seqs in input order. 'exists' when any id is taken; VAULT_NOT_FOUND when any vault is
   * not the user's. Nothing changes in either case.
   */
  createMany(input: { userId: string; items: { id: string; vaultId: string; data: string }[]; now: number }): Promise<ItemRecord[] | 'exists'>;
  /**
   * Replaces the data iff the item is the user's, not purged, and its revision equals expectedRevision
   * (one conditional UPDATE: no lost update under concurrency). revision+1, seq = ++user.revision.
   */
  update(input: { id: string; userId: string; expectedRevision: number; data: string; now: number }): Promise<ItemUpdateResult>;
  /** Moves to / out of the trash (deletedAt set / cleared), bumps seq; undefined when not the user's or purged. */
  trash(userId: string, id: string, now: number): Promise<ItemRecord | undefined>;
  restore(userId: string, id: string, now: number): Promise<ItemRecord | undefined>;
  /** Purges: data = null, purged = true, bumps seq. undefined when not the user's or already purged. */
  purge(userId: string, id: string, now: number): Promise<ItemRecord | undefined>;
  /** The user's item (trashed included), undefined when missing, another user's, or purged. */
  get(userId: string, id: string): Promise<ItemRecord | undefined>;
  /**
   * since undefined: every non-purged item of the user (trash included), ordered by seq.
   * since = n: every item of the user with seq > n, purged tombstones included, ordered by seq.
   * One query for the items (no N+1); the revision read in the same transaction/snapshot.
   */
  list(userId: string, since?: number): Promise<ItemListResult>;
  /**
   * One page of a sync, for an answer streamed page by page: the items `list(userId, since)` would return with
   * seq > `after` (when given) and seq <= `upTo` (when given), at most `limit` of them, ordered by seq, and the
   * user's current revision. A user's seqs are unique (every change takes ++user.revision), so `after` is a keyset
   * cursor: the last seq of the previous page. revision 0 when the user does not exist.
   */
  page(userId: string, query: { since?: number; after?: number; upTo?: number; limit: number }): Promise<ItemListResult>;
}

export function createItemRepository(driver: StorageDriver): ItemRepository {
  const { db } = driver;
  /** Hot reads: compiled once (see prepared.ts). */
  // Columns named, not `*`: on PostgreSQL this runs as a named prepared statement (storage/postgres.ts), whose
  // result type must not change when a later migration adds a column while this server still runs.
  const getLive = preparedQuery<Selectable<ItemsTable>, [string, string]>(driver, 2, (userId, id) =>
    db
      .selectFrom('items')
      .select(['id', 'user_id', 'vault_id', 'revision', 'seq', 'data', 'deleted_at', 'purged', 'created_at', 'updated_at'])
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('purged', '=', 0),
  );

  /**
   * The user id of the sync queries as a text parameter (storage/text-parameter.ts): bare, it also bounds the items
   * index through the join, and SQLite re-planned these statements on every execution — four times the query itself
   * (docs/performance.md). The plan is the same: users by primary key, items by items_user_id_seq_idx.
   */
  const sameUser = textParameter;

  // Sync: the user's cursor and the items in ONE statement (one snapshot on both dialects): the user row LEFT JOINed
  // to the matching items, so the cursor arrives even when nothing changed (one row with null item columns).
  const syncColumns = [
    'users.revision as cursor',
    'items.id as id',
    'items.user_id as user_id',
    'items.vault_id as vault_id',
    'items.revision as revision',
    'items.seq as seq',
    'items.data as data',
    'items.deleted_at as deleted_at',
    'items.purged as purged',
    'items.created_at as created_at',
    'items.updated_at as updated_at',
  ] as const;
  type SyncRow = { cursor: number } & { [K in keyof Selectable<ItemsTable>]: Selectable<ItemsTable>[K] | null };
  const liveItems = preparedQuery<SyncRow, [string]>(driver, 1, (userId) =>
    db
      .selectFrom('users')
      .leftJoin('items', (join) => join.onRef('items.user_id', '=', 'users.id').on('items.purged', '=', 0))
      .select(syncColumns)
      .where('users.id', '=', sameUser(userId))
      .orderBy('items.seq'),
  );
  const changedItems = preparedQuery<SyncRow, [string, number]>(driver, 2, (userId, since) =>
    db
      .selectFrom('users')
      .leftJoin('items', (join) => join.onRef('items.user_id', '=', 'users.id').on('items.seq', '>', since as unknown as number))
      .select(syncColumns)
      .where('users.id', '=', sameUser(userId))
      .orderBy('items.seq'),
  );

  /**
   * One page of a streamed sync (`page`), compiled once per shape like the reads above: the user's cursor and at most
   * `limit` items with lower < seq <= upTo, by seq (keyset on items_user_id_seq_idx). Building and compiling the
   * query per page cost a third of a 50,000-item sync's reads (docs/performance.md "Full sync"). The limit is an
   * integer parameter and `purged = 0` a literal (storage/text-parameter.ts): bound bare, either had SQLite re-plan the
   * statement on every execution — the delta read took 30 µs against 6.5 µs (better-sqlite3 loop).
   */
  const pageOf = (live: boolean) =>
    preparedQuery<SyncRow, [string, number, number, number]>(driver, 4, (userId, lower, upTo, limit) =>
      db
        .selectFrom('users')
        .leftJoin('items', (join) => {
          const on = join
            .onRef('items.user_id', '=', 'users.id')
            .on('items.seq', '>', lower as unknown as number)
            .on('items.seq', '<=', upTo as unknown as number);
          return live ? on.on('items.purged', '=', sql.lit(0)) : on;
        })
        .select(syncColumns)
        .where('users.id', '=', sameUser(userId))
        .orderBy('items.seq')
        .limit(integerParameter(limit as unknown as number)),
    );
  const livePage = pageOf(true);
  const changedPage = pageOf(false);

  /** The user's non-purged item, inside trx. */
  const findLive = (trx: Kysely<Database> | Transaction<Database>, userId: string, id: string) =>
    trx
      .selectFrom('items')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('purged', '=', 0)
      .executeTakeFirst();

  /**
   * Trash / restore / purge: bump the user's revision and apply `set` to the user's live item when it is in
   * the state `from` expects. When it is not, roll back the bump and return the item as it is (or undefined).
   */
  const transition = (
    userId: string,
    id: string,
    now: number,
    from: 'active' | 'trashed' | 'any',
    set: Updateable<ItemsTable>,
  ): Promise<ItemRecord | undefined> =>
    transactionWithRollback(db, async (trx, rollbackWith) => {
      const seq = await bumpUserRevision(trx, userId);
      if (seq === undefined) return rollbackWith(undefined);
      let query = trx
        .updateTable('items')
        .set({ ...set, seq, updated_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('purged', '=', 0);
      if (from === 'active') query = query.where('deleted_at', 'is', null);
      if (from === 'trashed') query = query.where('deleted_at', 'is not', null);
      const row = await query.returningAll().executeTakeFirst();
      if (row !== undefined) return toItem(row);
      const current = from === 'any' ? undefined : await findLive(trx, userId, id);
      return rollbackWith(current === undefined ? undefined : toItem(current));
    });

  return {
    async create({ id, userId, vaultId, data, now }) {
      try {
        return await db.transaction().execute(async (trx) => {
          const vault = await trx
            .selectFrom('vaults')
            .select('id')
            .where('id', '=', vaultId)
            .where('owner_id', '=', userId)
            .executeTakeFirst();
          // Callers check the vault first; this keeps a caller bug from writing into someone else's vault.
          if (vault === undefined) throw new WatchwordError('VAULT_NOT_FOUND');
          const seq = await bumpUserRevision(trx, userId);
          if (seq === undefined) throw new WatchwordError('VAULT_NOT_FOUND');
          const row = await trx
            .insertInto('items')
            .values({
              id,
              user_id: userId,
              vault_id: vaultId,
              revision: 1,
              seq,
              data,
              deleted_at: null,
              purged: 0,
              created_at: now,
              updated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          return toItem(row);
        });
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },

    async createMany({ userId, items, now }) {
      if (items.length === 0) return [];
      try {
        return await db.transaction().execute(async (trx) => {
          const vaultIds = [...new Set(items.map((i) => i.vaultId))];
          const owned = await trx.selectFrom('vaults').select('id').where('owner_id', '=', userId).where('id', 'in', vaultIds).execute();
          if (owned.length !== vaultIds.length) throw new WatchwordError('VAULT_NOT_FOUND');
          // One lock, one bump by the count: seqs last-N+1 … last, in input order.
          const bumped = await trx
            .updateTable('users')
            .set((eb) => ({ revision: eb('revision', '+', items.length) }))
            .where('id', '=', userId)
            .returning('revision')
            .executeTakeFirst();
          if (bumped === undefined) throw new WatchwordError('VAULT_NOT_FOUND');
          const first = bumped.revision - items.length + 1;
          const rows = items.map((item, i) => ({
            id: item.id,
            user_id: userId,
            vault_id: item.vaultId,
            revision: 1,
            seq: first + i,
            data: item.data,
            deleted_at: null,
            purged: 0,
            created_at: now,
            updated_at: now,
          }));
          // 100 rows × 10 columns stays far below either dialect's bound-parameter limit. No RETURNING: every
          // column is written here, so the records are the rows as given (reading them back cost as much again).
          for (let i = 0; i < rows.length; i += 100) await trx.insertInto('items').values(rows.slice(i, i + 100)).execute();
          return rows.map(toItem);
        });
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists';
        throw error;
      }
    },

    update({ id, userId, expectedRevision, data, now }) {
      return transactionWithRollback<ItemUpdateResult>(db, async (trx, rollbackWith) => {
        const seq = await bumpUserRevision(trx, userId);
        if (seq === undefined) return rollbackWith<ItemUpdateResult>({ status: 'not_found' });
        // One conditional UPDATE: of concurrent writers holding the same expectedRevision exactly one matches.
        const row = await trx
          .updateTable('items')
          .set((eb) => ({ data, revision: eb('revision', '+', 1), seq, updated_at: now }))
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .where('revision', '=', expectedRevision)
          .where('purged', '=', 0)
          .returningAll()
          .executeTakeFirst();
        if (row !== undefined) return { status: 'updated', item: toItem(row) };
        const current = await findLive(trx, userId, id);
        return rollbackWith<ItemUpdateResult>(
          current === undefined ? { status: 'not_found' } : { status: 'conflict', currentRevision: current.revision },
        );
      });
    },

    trash: (userId, id, now) => transition(userId, id, now, 'active', { deleted_at: now }),
    restore: (userId, id, now) => transition(userId, id, now, 'trashed', { deleted_at: null }),
    purge: (userId, id, now) => transition(userId, id, now, 'any', { data: null, purged: 1 }),

    async get(userId, id) {
      const [row] = await getLive(userId, id);
      return row === undefined ? undefined : toItem(row);
    },

    async list(userId, since) {
      // One statement, so the cursor and the items come from one snapshot; no transaction needed.
      const rows = since === undefined ? await liveItems(userId) : await changedItems(userId, since);
      const first = rows[0];
      if (first === undefined) return { revision: 0, items: [] };
      const items = rows.filter((r) => r.id !== null).map((r) => toItem(r as Selectable<ItemsTable>));
      return { revision: first.cursor, items };
    },

    async page(userId, { since, after, upTo, limit }) {
      const lower = Math.max(since ?? -1, after ?? -1);
      const rows = await (since === undefined ? livePage : changedPage)(userId, lower, upTo ?? Number.MAX_SAFE_INTEGER, limit);
      const first = rows[0];
      if (first === undefined) return { revision: 0, items: [] };
      const items: ItemRecord[] = [];
      for (const row of rows) if (row.id !== null) items.push(toItem(row as Selectable<ItemsTable>));
      return { revision: first.cursor, items };
    },
  };
}

function toItem(row: Selectable<ItemsTable>): ItemRecord {
  return {
    id: row.id,
    userId: row.user_id,
    vaultId: row.vault_id,
    revision: row.revision,
    seq: row.seq,
    data: row.data,
    deletedAt: row.deleted_at,
    purged: row.purged === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
