import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { MetaRepository } from './types.ts';

export function createMetaRepository(db: Kysely<Database>): MetaRepository {
  return {
    async get(key) {
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async set(key, value) {
      await db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },
  };
}
