/**
 * The full or delta sync answer (`GET /api/v1/items`) written as JSON bytes page by page, for an answer streamed
 * rather than built whole in memory (docs/performance.md "Full sync of large vaults").
 */
import type { Context } from '../../context.ts';
import type { ItemListResult, ItemRecord } from '../../storage/items.ts';
import { itemJson } from '../../http/item-json.ts';

/** Items per page of a sync read; an answer of more than one page is streamed. */
export const SYNC_PAGE = 1000;


/** Bytes of a streamed answer read ahead of what the socket (or the compressor) has taken: about two pages. */
export const SYNC_READ_AHEAD = 1024 * 1024;

/** Room reserved per item in the scratch buffer before a page is written; a page that needs more grows it. */
const BYTES_PER_ITEM = 640;

/** Where pages are written before being copied out at their exact size; grown as a page needs, kept for the next. */
let scratch = Buffer.allocUnsafeSlow(0);

/**
 * A page of items as one UTF-8 buffer, each item after a comma unless it is the answer's first. Written straight
 * into a scratch buffer, then copied out at its exact size: the buffer handed to the answer was the 640 bytes per item
 * reserved, ~1.5× a typical page, and the answer's buffers are what a large sync leaves for the GC
 * (http/memory-bound.ts; docs/performance.md "The memory bound").
 */
export function pageBytes(records: readonly ItemRecord[], leadingComma: boolean): Buffer {
  if (scratch.length < records.length * BYTES_PER_ITEM + 1) scratch = Buffer.allocUnsafeSlow(records.length * BYTES_PER_ITEM + 1);
  let offset = 0;
  let separator = leadingComma;
  for (const record of records) {
    const text = itemJson(record);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: with this much room `write` never cuts an item short.
    const room = 1 + 3 * text.length;
    if (offset + room > scratch.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(scratch.length * 2, offset + room));
      scratch.copy(grown, 0, 0, offset);
      scratch = grown;
    }
    if (separator) scratch[offset++] = 0x2c; // ','
    separator = true;
    offset += scratch.write(text, offset, 'utf8');
  }
  const page = Buffer.allocUnsafeSlow(offset);
  scratch.copy(page, 0, 0, offset);
  return page;
}

/**
 * The sync answer as JSON bytes, one page at a time: the bytes the route's serializer writes for ListItemsResponse.
 * Every page after the first is bounded by the first page's revision (`upTo`): a change made while the answer
 * streams has a higher seq and is left to the next delta sync from that revision, as it would be had it come
 * after a one-statement read. A page read that fails ends the stream unfinished (the connection is reset), so a
 * client never takes a truncated answer for a whole one. The next page is read only when the consumer asks for
 * more (Readable.from pulls), so at most a page or two is held at once.
 */
export async function* syncBody(ctx: Context, userId: string, since: number | undefined, first: ItemListResult): AsyncGenerator<Buffer> {
  yield Buffer.from(`{"revision":${JSON.stringify(first.revision)},"full":${since === undefined},"items":[`);
  let page = first;
  let leadingComma = false;
  for (;;) {
    if (page.items.length > 0) yield pageBytes(page.items, leadingComma);
    leadingComma = true;
    const last = page.items.at(-1);
    if (page.items.length < SYNC_PAGE || last === undefined) break;
    page = await ctx.storage.items.page(userId, { ...(since === undefined ? {} : { since }), after: last.seq, upTo: first.revision, limit: SYNC_PAGE });
  }
  yield Buffer.from(']}');
}
