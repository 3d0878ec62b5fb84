/** Items written as JSON text by hand, for the sync answers (docs/performance.md "Full sync of large vaults"). */
import type { ItemRecord } from '../storage/items.ts';

/** The fields of the `Item` schema, which personal and shared item records both carry. */
export type ItemJsonFields = Pick<ItemRecord, 'id' | 'vaultId' | 'revision' | 'seq' | 'data' | 'deletedAt' | 'purged' | 'createdAt' | 'updatedAt'>;

/**
 * One item as the route's serializer writes it for the `Item` schema: its keys in the schema's order, strings through
 * JSON.stringify (so any character is escaped as JSON requires), integers, booleans and null as JSON writes them. The
 * same bytes as `JSON.stringify` of the item object, without building that object for every row.
 */
export function itemJson(r: ItemJsonFields): string {
  return `{"id":${JSON.stringify(r.id)},"vaultId":${JSON.stringify(r.vaultId)},"revision":${r.revision},"seq":${r.seq},"data":${r.data === null ? 'null' : JSON.stringify(r.data)},"deletedAt":${r.deletedAt === null ? 'null' : r.deletedAt},"purged":${r.purged},"createdAt":${r.createdAt},"updatedAt":${r.updatedAt}}`;
}
