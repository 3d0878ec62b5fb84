/**
 * The full or delta sync answer (`GET /api/v1/items`) written as JSON bytes page by page, for an answer streamed
 * rather than built whole in memory (docs/performance.md "Full sync of large vaults").
 */
import type { Context } from '../../context.ts';
import type { ItemListResult, ItemRecord } from '../../storage/items.ts';
import { itemJson, joinedJsonBytes } from '../../http/item-json.ts';

/** Items per page of a sync read; an answer of more than one page is streamed. */
export const SYNC_PAGE = 1000;


/** Bytes of a streamed answer read ahead of what the socket (or the compressor) has taken: about two pages. */
export const SYNC_READ_AHEAD = 1024 * 1024;

/**
 * A page of items as one UTF-8 buffer of its exact size, each item after a comma unless it is the answer's first
 * (http/item-json.ts `joinedJsonBytes`).
 */
export function pageBytes(records: readonly ItemRecord[], leadingComma: boolean): Buffer {
  return joinedJsonBytes({ count: records.length, textAt: (n) => itemJson(records[n] as ItemRecord), leadingComma });
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
