/**
 * Shared vaults and their items (issue 25). `vault:*` permissions are scoped to the vault of `:vaultId` and decided by
 * the caller's access in the storage query itself (read ⊂ edit ⊂ manage); a vault the caller cannot reach answers
 * VAULT_NOT_FOUND, as one that does not exist. Personal items keep their routes (items.ts).
 */
import {
  ChangeAccessRequest,
  CreateSharedItemRequest,
  CreateVaultRequest,
  DeleteItemQuery,
  ErrorResponse,
  MoveItemRequest,
  MoveItemResponse,
  OkResponse,
  OrgParams,
  OrgVaultListResponse,
  RenameVaultRequest,
  RotateVaultRequest,
  ShareVaultRequest,
  SharedItemResponse,
  SharedSyncQuery,
  SharedSyncRequest,
  SharedSyncResponse,
  SharedVaultResponse,
  UpdateSharedItemRequest,
  VaultItemParams,
  VaultMemberListResponse,
  VaultMemberParams,
  VaultParams,
} from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const vaultsRoutes = {
  /** Creates a shared vault in the organisation; the caller becomes its `manage` member. */
  create: defineRoute({ method: 'POST', path: '/api/v1/orgs/:orgId/vaults', permission: 'org:manage', rateLimit: 'write', tags: ['vaults'], params: OrgParams, body: CreateVaultRequest, response: { 201: SharedVaultResponse, ...errors } }),
  /** The organisation's vaults: all of them for owners and admins, the ones given to the caller for members. */
  list: defineRoute({ method: 'GET', path: '/api/v1/orgs/:orgId/vaults', permission: 'org:read', rateLimit: 'read', tags: ['vaults'], params: OrgParams, response: { 200: OrgVaultListResponse, ...errors } }),
  get: defineRoute({ method: 'GET', path: '/api/v1/vaults/:vaultId', permission: 'vault:read', rateLimit: 'read', tags: ['vaults'], params: VaultParams, response: { 200: SharedVaultResponse, ...errors } }),
  rename: defineRoute({ method: 'PATCH', path: '/api/v1/vaults/:vaultId', permission: 'vault:manage', rateLimit: 'write', tags: ['vaults'], params: VaultParams, body: RenameVaultRequest, response: { 200: SharedVaultResponse, ...errors } }),
  /** Deletes the vault with its items (they go with it, not to a trash: no member could reach that trash). */
  delete: defineRoute({ method: 'DELETE', path: '/api/v1/vaults/:vaultId', permission: 'vault:manage', rateLimit: 'write', tags: ['vaults'], params: VaultParams, response: { 200: OkResponse, ...errors } }),
  members: defineRoute({ method: 'GET', path: '/api/v1/vaults/:vaultId/members', permission: 'vault:read', rateLimit: 'read', tags: ['vaults'], params: VaultParams, response: { 200: VaultMemberListResponse, ...errors } }),
  /** Gives a confirmed organisation member access, with the current vault key sealed for them (or replaces their key). */
  share: defineRoute({ method: 'PUT', path: '/api/v1/vaults/:vaultId/members/:userId', permission: 'vault:manage', rateLimit: 'write', tags: ['vaults'], params: VaultMemberParams, body: ShareVaultRequest, response: { 200: VaultMemberListResponse, ...errors } }),
  access: defineRoute({ method: 'PATCH', path: '/api/v1/vaults/:vaultId/members/:userId', permission: 'vault:manage', rateLimit: 'write', tags: ['vaults'], params: VaultMemberParams, body: ChangeAccessRequest, response: { 200: VaultMemberListResponse, ...errors } }),
  /** Takes a member's access away at once; the next manager's client should rotate the key (POST …/rotate). */
  unshare: defineRoute({ method: 'DELETE', path: '/api/v1/vaults/:vaultId/members/:userId', permission: 'vault:manage', rateLimit: 'write', tags: ['vaults'], params: VaultMemberParams, response: { 200: VaultMemberListResponse, ...errors } }),
  rotate: defineRoute({ method: 'POST', path: '/api/v1/vaults/:vaultId/rotate', permission: 'vault:manage', rateLimit: 'write', tags: ['vaults'], params: VaultParams, body: RotateVaultRequest, response: { 200: SharedVaultResponse, ...errors } }),
  /** Every shared vault the caller reaches, what it no longer reaches, and the items changed since the revisions it holds. */
  sync: defineRoute({ method: 'POST', path: '/api/v1/vaults/sync', permission: 'account:self', rateLimit: 'read', tags: ['vaults'], body: SharedSyncRequest, response: { 200: SharedSyncResponse, ...errors } }),
  /** The same sync with the known vaults in the query (SharedSyncQuery), for up to 100 of them: what the SDK sends when they fit. */
  syncQuery: defineRoute({ method: 'GET', path: '/api/v1/vaults/sync', permission: 'account:self', rateLimit: 'read', tags: ['vaults'], query: SharedSyncQuery, response: { 200: SharedSyncResponse, ...errors } }),
  createItem: defineRoute({ method: 'POST', path: '/api/v1/vaults/:vaultId/items', permission: 'vault:edit', rateLimit: 'write', tags: ['vaults'], params: VaultParams, body: CreateSharedItemRequest, response: { 201: SharedItemResponse, ...errors } }),
  getItem: defineRoute({ method: 'GET', path: '/api/v1/vaults/:vaultId/items/:id', permission: 'vault:read', rateLimit: 'read', tags: ['vaults'], params: VaultItemParams, response: { 200: SharedItemResponse, ...errors } }),
  /** Optimistic concurrency: `revision` must be the current one (ITEM_CONFLICT otherwise), `keyVersion` the vault's current one. */
  updateItem: defineRoute({ method: 'PUT', path: '/api/v1/vaults/:vaultId/items/:id', permission: 'vault:edit', rateLimit: 'write', tags: ['vaults'], params: VaultItemParams, body: UpdateSharedItemRequest, response: { 200: SharedItemResponse, ...errors } }),
  removeItem: defineRoute({ method: 'DELETE', path: '/api/v1/vaults/:vaultId/items/:id', permission: 'vault:edit', rateLimit: 'write', tags: ['vaults'], params: VaultItemParams, query: DeleteItemQuery, response: { 200: SharedItemResponse, ...errors } }),
  restoreItem: defineRoute({ method: 'POST', path: '/api/v1/vaults/:vaultId/items/:id/restore', permission: 'vault:edit', rateLimit: 'write', tags: ['vaults'], params: VaultItemParams, response: { 200: SharedItemResponse, ...errors } }),
  /** Moves an item between any two vaults the caller may edit (see MoveItemRequest). */
  moveItem: defineRoute({ method: 'POST', path: '/api/v1/items/move', permission: 'account:self', rateLimit: 'write', tags: ['vaults'], body: MoveItemRequest, response: { 200: MoveItemResponse, ...errors } }),
} as const;
