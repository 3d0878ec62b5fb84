/**
 * Shared vaults (issue 25): create (in an organisation), list, get, rename, delete (with its items: no member could
 * reach a trash of a vault that is gone), members, share / change access / unshare, key rotation. `vault:*` routes
 * are admitted by the caller's access (rbac/scope.ts) and decided again in the storage statements.
 */
import { api, WatchwordError } from '@watchword/protocol';
import { route } from '../../http/route.ts';
import { requireInteractiveAuth as requireAuth } from '../../http/authenticate.ts';
import type { App } from '../../http/types.ts';
import type { Context } from '../../context.ts';
import { auditOrg } from '../../audit/audit.ts';
import { orgScope } from '../../rbac/scope.ts';
import { toVault, toVaultMember } from './views.ts';
import { sharedItemRoutes } from './items.ts';

export function vaultRoutes(app: App, ctx: Context): void {
  sharedItemRoutes(app, ctx);

  route(app, api.vaults.create, async (request, reply) => {
    const { userId } = requireAuth(request);
    const { orgId } = orgScope(request.scope);
    const { id, encryptedName, wrappedKey } = request.body;
    const vault = await ctx.storage.sharedVaults.create({ id, orgId, encryptedName, wrappedKey, userId, now: ctx.now(), maxVaults: ctx.config.orgMaxVaults });
    if (vault === 'exists') throw new WatchwordError('VAULT_EXISTS');
    if (vault === 'limit') throw new WatchwordError('ORG_LIMIT_REACHED');
    await auditOrg(ctx, request, orgId, { action: 'vault.created', actorId: userId, targetId: vault.id, outcome: 'success' });
    return reply.code(201).send({ vault: toVault(vault) });
  });

  route(app, api.vaults.list, async (request) => {
    const { userId } = requireAuth(request);
    const { orgId, role } = orgScope(request.scope);
    return { vaults: await ctx.storage.sharedVaults.listForOrg(orgId, userId, role !== 'member') };
  });

  route(app, api.vaults.get, async (request) => {
    const { userId } = requireAuth(request);
    const vault = await ctx.storage.sharedVaults.forMember(userId, request.params.vaultId, 'read');
    if (!vault) throw new WatchwordError('VAULT_NOT_FOUND');
    return { vault: toVault(vault) };
  });

  route(app, api.vaults.rename, async (request) => {
    const { userId } = requireAuth(request);
    const vault = await ctx.storage.sharedVaults.rename(userId, request.params.vaultId, request.body.encryptedName, ctx.now());
    if (!vault) throw new WatchwordError('VAULT_NOT_FOUND');
    await auditOrg(ctx, request, vault.orgId, { action: 'vault.renamed', actorId: userId, targetId: vault.id, outcome: 'success' });
    return { vault: toVault(vault) };
  });

  route(app, api.vaults.delete, async (request) => {
    const { userId } = requireAuth(request);
    const vault = await ctx.storage.sharedVaults.forMember(userId, request.params.vaultId, 'manage');
    if (!vault || !(await ctx.storage.sharedVaults.delete(userId, vault.id))) throw new WatchwordError('VAULT_NOT_FOUND');
    await auditOrg(ctx, request, vault.orgId, { action: 'vault.deleted', actorId: userId, targetId: vault.id, outcome: 'success' });
    return { ok: true as const };
  });

  route(app, api.vaults.members, async (request) => {
    return { members: (await ctx.storage.sharedVaults.members(request.params.vaultId)).map(toVaultMember) };
  });

  route(app, api.vaults.share, async (request) => {
    const { userId } = requireAuth(request);
    const { vaultId, userId: targetId } = request.params;
    const result = await ctx.storage.sharedVaults.share({ actorId: userId, vaultId, targetId, ...request.body, now: ctx.now() });
    if (result === 'not_found') throw new WatchwordError('VAULT_NOT_FOUND');
    if (result === 'target_not_found') throw new WatchwordError('MEMBER_NOT_FOUND');
    if (result === 'key_version') throw new WatchwordError('KEY_VERSION_MISMATCH');
    await auditVault(request, userId, vaultId, 'vault.shared', { member: targetId, access: request.body.access });
    return { members: (await ctx.storage.sharedVaults.members(vaultId)).map(toVaultMember) };
  });

  route(app, api.vaults.access, async (request) => {
    const { userId } = requireAuth(request);
    const { vaultId, userId: targetId } = request.params;
    const result = await ctx.storage.sharedVaults.changeAccess({ actorId: userId, vaultId, targetId, access: request.body.access, now: ctx.now() });
    if (result === 'not_found') throw new WatchwordError('VAULT_NOT_FOUND');
    if (result === 'target_not_found') throw new WatchwordError('MEMBER_NOT_FOUND');
    if (result === 'last_manager') throw new WatchwordError('VAULT_LAST_MANAGER');
    await auditVault(request, userId, vaultId, 'vault.access_changed', { member: targetId, access: request.body.access });
    return { members: (await ctx.storage.sharedVaults.members(vaultId)).map(toVaultMember) };
  });

  route(app, api.vaults.unshare, async (request) => {
    const { userId } = requireAuth(request);
    const { vaultId, userId: targetId } = request.params;
    const result = await ctx.storage.sharedVaults.unshare({ actorId: userId, vaultId, targetId, now: ctx.now() });
    if (result === 'not_found') throw new WatchwordError('VAULT_NOT_FOUND');
    if (result === 'target_not_found') throw new WatchwordError('MEMBER_NOT_FOUND');
    if (result === 'last_manager') throw new WatchwordError('VAULT_LAST_MANAGER');
    await auditVault(request, userId, vaultId, 'vault.unshared', { member: targetId });
    return { members: (await ctx.storage.sharedVaults.members(vaultId)).map(toVaultMember) };
  });

  route(app, api.vaults.rotate, async (request) => {
    const { userId } = requireAuth(request);
    const { keyVersion, wrappedKeys, items = [] } = request.body;
    if (new Set(items.map((i) => i.id)).size !== items.length) throw new WatchwordError('VALIDATION_FAILED');
    const result = await ctx.storage.sharedVaults.rotate({ actorId: userId, vaultId: request.params.vaultId, keyVersion, wrappedKeys, items, now: ctx.now() });
    if (result === 'not_found') throw new WatchwordError('VAULT_NOT_FOUND');
    if (result === 'key_version') throw new WatchwordError('KEY_VERSION_MISMATCH');
    if (result === 'members') throw new WatchwordError('ROTATION_MEMBERS_MISMATCH');
    if ('conflict' in result) throw new WatchwordError('ITEM_CONFLICT');
    await auditOrg(ctx, request, result.orgId, { action: 'vault.key_rotated', actorId: userId, targetId: result.id, outcome: 'success', context: { keyVersion, items: items.length } });
    return { vault: toVault(result) };
  });

  /** A vault event, in the organisation the vault belongs to (read with the caller's own access). */
  async function auditVault(request: Parameters<typeof requireAuth>[0], userId: string, vaultId: string, action: 'vault.shared' | 'vault.access_changed' | 'vault.unshared', context: Record<string, string>) {
    const vault = await ctx.storage.sharedVaults.forMember(userId, vaultId, 'read');
    if (vault) await auditOrg(ctx, request, vault.orgId, { action, actorId: userId, targetId: vaultId, outcome: 'success', context });
  }
}
