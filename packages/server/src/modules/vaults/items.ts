/**
 * Items of shared vaults (issue 25), the shared sync and moves between vaults. Every statement decides access by
 * itself (storage/shared-items.ts); the routes map its refusals onto the catalogue.
 */
import type { FastifyReply } from 'fastify';
import { type KnownVault, api, decodeKnownVaults, namesEachVaultOnce, WatchwordError } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireInteractiveAuth as requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import type { SharedItemRecord } from '../../storage/shared-items.ts';
import type { ItemRecord } from '../../storage/items.ts';
import { itemOrThrow, sharedSyncJson, toSharedItem, toVault } from './views.ts';

export function sharedItemRoutes(app: App, ctx: Context): void {
  /** Both forms of the sync: the known vaults from the POST's body or the GET's query. */
  const sync = async (userId: string, known: KnownVault[], reply: FastifyReply) => {
    const result = await ctx.storage.sharedItems.sync(userId, known);
    reply.type('application/json; charset=utf-8');
    return reply.send(sharedSyncJson(result.vaults, result.gone, result.items));
  };

  route(app, api.vaults.sync, async (request, reply) => {
    const { userId } = requireAuth(request);
    const known = request.body.known;
    if (!namesEachVaultOnce(known)) throw new WatchwordError('VALIDATION_FAILED');
    return sync(userId, known, reply);
  });

  route(app, api.vaults.syncQuery, async (request, reply) => {
    const { userId } = requireAuth(request);
    const known = decodeKnownVaults(request.query.known);
    if (!known) throw new WatchwordError('VALIDATION_FAILED');
    return sync(userId, known, reply);
  });

  route(app, api.vaults.createItem, async (request, reply) => {
    const { userId } = requireAuth(request);
    const item = itemOrThrow(await ctx.storage.sharedItems.create({ userId, vaultId: request.params.vaultId, ...request.body, now: ctx.now() }));
    return reply.code(201).send({ item: toSharedItem(item) });
  });

  route(app, api.vaults.getItem, async (request) => {
    const { userId } = requireAuth(request);
    const item = await ctx.storage.sharedItems.get(userId, request.params.vaultId, request.params.id);
    if (!item) throw new WatchwordError('ITEM_NOT_FOUND');
    return { item: toSharedItem(item) };
  });

  route(app, api.vaults.updateItem, async (request) => {
    const { userId } = requireAuth(request);
    const { vaultId, id } = request.params;
    const { revision, keyVersion, data } = request.body;
    const item = itemOrThrow(await ctx.storage.sharedItems.update({ userId, vaultId, id, expectedRevision: revision, keyVersion, data, now: ctx.now() }));
    return { item: toSharedItem(item) };
  });

  route(app, api.vaults.removeItem, async (request) => {
    const { userId } = requireAuth(request);
    const to = request.query.purge === 'true' ? 'purge' : 'trash';
    const item = itemOrThrow(await ctx.storage.sharedItems.transition({ userId, vaultId: request.params.vaultId, id: request.params.id, to, now: ctx.now() }));
    return { item: toSharedItem(item) };
  });

  route(app, api.vaults.restoreItem, async (request) => {
    const { userId } = requireAuth(request);
    const item = itemOrThrow(await ctx.storage.sharedItems.transition({ userId, vaultId: request.params.vaultId, id: request.params.id, to: 'restore', now: ctx.now() }));
    return { item: toSharedItem(item) };
  });

  route(app, api.vaults.moveItem, async (request) => {
    const { userId } = requireAuth(request);
    const { from, to } = request.body;
    const result = await ctx.storage.sharedItems.move({ userId, from, to: { ...to, keyVersion: to.keyVersion }, now: ctx.now() });
    if (result === 'same_vault') throw new WatchwordError('VALIDATION_FAILED');
    const moved = itemOrThrow(result);
    const item = moved.item;
    return {
      item: {
        id: item.id,
        vaultId: item.vaultId,
        revision: item.revision,
        seq: item.seq,
        data: item.data,
        deletedAt: item.deletedAt,
        purged: item.purged,
        createdAt: item.createdAt,
        updatedAt: item.updatedAt,
      } satisfies Omit<ItemRecord, 'userId'> | Omit<SharedItemRecord, 'keyVersion'>,
      keyVersion: moved.keyVersion,
    };
  });
}
