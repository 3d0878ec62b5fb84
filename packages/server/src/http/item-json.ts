/** Items written as JSON text by hand, for the sync answers (docs/performance.md "Full sync of large vaults"). */
import type { ItemRecord } from '../storage/items.ts';

/** The fields of the `Item` schema, which personal and shared item records both carry. */
export type ItemJsonFields = Pick<ItemRecord, 'id' | 'vaultId' | 'revision' | 'seq' | 'data' | 'deletedAt' | 'purged' | 'createdAt' | 'updatedAt'>;

/**
 * One item as the route's serializer writes it for the `Item` schema: its keys in the schema's order, strings through
 * JSON.stringify (so any character is escaped as JSON requires), integers, booleans and null as JSON writes them. The
 * same bytes as `JSON.stringify` of the item object, without building that object for every row.
 */
export function itemJson(r: ItemJsonFields, tail = ''): string {
  return `{"id":${JSON.stringify(r.id)},"vaultId":${JSON.stringify(r.vaultId)},"revision":${r.revision},"seq":${r.seq},"data":${r.data === null ? 'null' : JSON.stringify(r.data)},"deletedAt":${r.deletedAt === null ? 'null' : r.deletedAt},"purged":${r.purged},"createdAt":${r.createdAt},"updatedAt":${r.updatedAt}${tail}}`;
}

/** Room reserved per text in the scratch buffer before a list is written; a list that needs more grows it. */
const BYTES_PER_TEXT = 640;

/** Where lists are written before being copied out at their exact size; grown as a list needs, kept for the next. */
let scratch = Buffer.allocUnsafeSlow(0);

/**
 * `prefix`, then `count` texts each after a comma (the first too when `leadingComma`), then `suffix`, as one UTF-8
 * buffer: written straight into a scratch buffer kept between calls, then copied out at its exact size — no string of
 * the whole list is built, and the buffer handed out is no larger than its bytes (a sync's buffers are what a large
 * answer leaves for the GC: http/memory-bound.ts; docs/performance.md "The memory bound").
 */
export function joinedJsonBytes(list: { prefix?: string; suffix?: string; count: number; textAt: (n: number) => string; leadingComma: boolean }): Buffer {
  const prefix = list.prefix ?? '';
  const suffix = list.suffix ?? '';
  let offset = 0;
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: with 1 + 3 × its length in room, `write` never cuts a string
  // short, after a comma if one goes first.
  const write = (text: string, comma: boolean) => {
    if (offset + 1 + 3 * text.length > scratch.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(scratch.length * 2, offset + 1 + 3 * text.length, list.count * BYTES_PER_TEXT));
      scratch.copy(grown, 0, 0, offset);
      scratch = grown;
    }
    if (comma) scratch[offset++] = 0x2c; // ','
    offset += scratch.write(text, offset, 'utf8');
  };
  write(prefix, false);
  for (let n = 0; n < list.count; n++) write(list.textAt(n), n > 0 || list.leadingComma);
  write(suffix, false);
  const bytes = Buffer.allocUnsafeSlow(offset);
  scratch.copy(bytes, 0, 0, offset);
  return bytes;
}
