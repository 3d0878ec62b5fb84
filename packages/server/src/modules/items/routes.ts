import { Readable } from 'node:stream';
import {
  api,
  type Item,
  MAX_BATCH_BYTES,
  WatchwordError,
} from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import type { ItemRecord } from '../../storage/items.ts';
import { SYNC_PAGE, SYNC_READ_AHEAD, syncBody } from './sync-body.ts';

export { SYNC_PAGE } from './sync-body.ts';


/** The server sees ids, sizes, timestamps and revisions only: `data` is an envelope it cannot open. */
function toItem(record: ItemRecord): Item {
  return {
    id: record.id,
    vaultId: record.vaultId,
    revision: record.revision,
    seq: record.seq,
    data: record.data,
    deletedAt: record.deletedAt,
    purged: record.purged,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function found(record: ItemRecord | undefined): { item: Item } {
  // Another user's item answers exactly like a missing one.
  if (!record) throw new WatchwordError('ITEM_NOT_FOUND');
  return { item: toItem(record) };
}

export function itemRoutes(app: App, ctx: Context): void {
  route(app, api.items.list, async (request, reply) => {
    const { userId } = requireAuth(request);
    let since = request.query.since === undefined ? undefined : Number(request.query.since);
    let first = await ctx.storage.items.page(userId, { since, limit: SYNC_PAGE });
    // A cursor from the future (e.g. the server was restored from a backup) cannot be trusted: answer a full sync.
    if (since !== undefined && since > first.revision) {
      since = undefined;
      first = await ctx.storage.items.page(userId, { limit: SYNC_PAGE });
    }
    const full = since === undefined;
    if (first.items.length < SYNC_PAGE) return { revision: first.revision, full, items: first.items.map(toItem) };
    // More than a page: written page by page as it is read, never whole in memory.
    reply.type('application/json; charset=utf-8');
    // Up to SYNC_READ_AHEAD bytes are read ahead, so the next pages are read and written while the compressor (on
    // the thread pool) works on the last one, instead of taking turns with it.
    return reply.send(Readable.from(syncBody(ctx, userId, since, first), { objectMode: false, highWaterMark: SYNC_READ_AHEAD }));
  });

  route(app, api.items.create, async (request, reply) => {
    const { userId } = requireAuth(request);
    const { id, vaultId, data } = request.body;
    if (!(await ctx.storage.vaults.findForUser(userId, vaultId))) throw new WatchwordError('VAULT_NOT_FOUND');
    const created = await ctx.storage.items.create({ id, userId, vaultId, data, now: ctx.now() });
    if (created === 'exists') throw new WatchwordError('ITEM_EXISTS');
    return reply.code(201).send({ item: toItem(created) });
  });

  route(app, api.items.createMany, {
    // The one route that takes a larger body than BODY_LIMIT; read only once the token is verified (authenticate.ts).
    bodyLimit: MAX_BATCH_BYTES,
  }, async (request, reply) => {
    const { userId } = requireAuth(request);
    const ids = new Set(request.body.items.map((i) => i.id));
    if (ids.size !== request.body.items.length) throw new WatchwordError('VALIDATION_FAILED', { details: { field: '/items', reason: 'duplicate id' } });
    const created = await ctx.storage.items.createMany({ userId, items: request.body.items, now: ctx.now() });
    if (created === 'exists') throw new WatchwordError('ITEM_EXISTS');
    return reply.code(201).send({ items: created.map(toItem) });
  });

  route(app, api.items.get, async (request) => found(await ctx.storage.items.get(requireAuth(request).userId, request.params.id)));

  route(app, api.items.update, async (request) => {
    const { userId } = requireAuth(request);
    const result = await ctx.storage.items.update({
      id: request.params.id,
      userId,
      expectedRevision: request.body.revision,
      data: request.body.data,
      now: ctx.now(),
    });
    if (result.status === 'conflict') throw new WatchwordError('ITEM_CONFLICT', { details: { currentRevision: result.currentRevision } });
    if (result.status === 'not_found') throw new WatchwordError('ITEM_NOT_FOUND');
    return { item: toItem(result.item) };
  });

  route(app, api.items.remove, async (request) => {
    const { userId } = requireAuth(request);
    const now = ctx.now();
    const purge = request.query.purge === 'true';
    return found(purge ? await ctx.storage.items.purge(userId, request.params.id, now) : await ctx.storage.items.trash(userId, request.params.id, now));
  });

  route(app, api.items.restore, async (request) => found(await ctx.storage.items.restore(requireAuth(request).userId, request.params.id, ctx.now())));
}
