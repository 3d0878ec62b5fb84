/**
 * Runs fn in a transaction that can end early with a result while rolling everything back
 * (e.g. an item update that lost the race must not keep its bump of the user's revision).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

class Rollback {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

export type RollbackWith = <T>(value: T) => never;

export async function transactionWithRollback<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>, rollbackWith: RollbackWith) => Promise<T>,
): Promise<T> {
  const rollbackWith: RollbackWith = (value) => {
    throw new Rollback(value);
  };
  try {
    return await db.transaction().execute((trx) => fn(trx, rollbackWith));
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
}

/**
 * Bumps the user's revision and returns the new value (the seq for the item being changed).
 * Taking this row lock first in every item write gives one lock order (user, then item): no deadlocks,
 * and seq values are handed out in commit order per user.
 */
export async function bumpUserRevision(trx: Transaction<Database>, userId: string): Promise<number | undefined> {
  const row = await trx
    .updateTable('users')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('id', '=', userId)
    .returning('revision')
    .executeTakeFirst();
  return row?.revision;
}
