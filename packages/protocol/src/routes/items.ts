/** Vault items: encrypted blobs the server stores by id, revision and sync sequence. */
import { CreateItemRequest, CreateItemsBatchRequest, DeleteItemQuery, ErrorResponse, ItemParams, ItemResponse, ItemsBatchResponse, ListItemsQuery, ListItemsResponse, UpdateItemRequest } from '../api/index.ts';
import { defineRoute } from './define.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const itemsRoutes = {
  list: defineRoute({ method: 'GET', path: '/api/v1/items', permission: 'account:self', rateLimit: 'read', tags: ['items'], query: ListItemsQuery, response: { 200: ListItemsResponse, ...errors } }),
  create: defineRoute({ method: 'POST', path: '/api/v1/items', permission: 'account:self', rateLimit: 'write', tags: ['items'], body: CreateItemRequest, response: { 201: ItemResponse, ...errors } }),
  createMany: defineRoute({ method: 'POST', path: '/api/v1/items/batch', permission: 'account:self', rateLimit: 'write', tags: ['items'], body: CreateItemsBatchRequest, response: { 201: ItemsBatchResponse, ...errors } }),
  get: defineRoute({ method: 'GET', path: '/api/v1/items/:id', permission: 'account:self', rateLimit: 'read', tags: ['items'], params: ItemParams, response: { 200: ItemResponse, ...errors } }),
  update: defineRoute({ method: 'PUT', path: '/api/v1/items/:id', permission: 'account:self', rateLimit: 'write', tags: ['items'], params: ItemParams, body: UpdateItemRequest, response: { 200: ItemResponse, ...errors } }),
  remove: defineRoute({ method: 'DELETE', path: '/api/v1/items/:id', permission: 'account:self', rateLimit: 'write', tags: ['items'], params: ItemParams, query: DeleteItemQuery, response: { 200: ItemResponse, ...errors } }),
  restore: defineRoute({ method: 'POST', path: '/api/v1/items/:id/restore', permission: 'account:self', rateLimit: 'write', tags: ['items'], params: ItemParams, response: { 200: ItemResponse, ...errors } }),
} as const;
