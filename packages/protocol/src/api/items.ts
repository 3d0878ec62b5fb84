import Type, { type Static } from 'typebox';
import { B64, Timestamp, Uuid, strict } from './common.ts';

/** Upper bound of one encrypted item envelope (base64url characters). */
export const MAX_ITEM_DATA = 400_000;
const ItemData = B64(MAX_ITEM_DATA, 'Encrypted item envelope (AES-256-GCM), base64url');

export const Item = Type.Object(
  {
    id: Uuid,
    vaultId: Uuid,
    revision: Type.Integer({ minimum: 1, description: 'Per-item content revision, bound into the AAD' }),
    seq: Type.Integer({ minimum: 0, description: 'Account revision at the last change (sync cursor)' }),
    // Nullable as a JSON Schema type array rather than anyOf: the same values, but the server's serializer
    // (fast-json-stringify) handles a type array directly, where anyOf costs a validation per value.
    data: Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: MAX_ITEM_DATA }),
    deletedAt: Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0 }),
    purged: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  strict,
);
export type Item = Static<typeof Item>;

export const ItemParams = Type.Object({ id: Uuid }, strict);

export const ListItemsQuery = Type.Object(
  { since: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$', description: 'Account revision from a previous sync' })) },
  strict,
);
export type ListItemsQuery = Static<typeof ListItemsQuery>;

export const ListItemsResponse = Type.Object(
  { revision: Type.Integer({ minimum: 0 }), full: Type.Boolean(), items: Type.Array(Item) },
  strict,
);
export type ListItemsResponse = Static<typeof ListItemsResponse>;

export const CreateItemRequest = Type.Object({ id: Uuid, vaultId: Uuid, data: ItemData }, strict);
export type CreateItemRequest = Static<typeof CreateItemRequest>;

export const UpdateItemRequest = Type.Object(
  { revision: Type.Integer({ minimum: 1, maximum: 2 ** 31, description: 'The revision the client last saw' }), data: ItemData },
  strict,
);
export type UpdateItemRequest = Static<typeof UpdateItemRequest>;

export const DeleteItemQuery = Type.Object(
  { purge: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  strict,
);
export type DeleteItemQuery = Static<typeof DeleteItemQuery>;

export const ItemResponse = Type.Object({ item: Item }, strict);
export type ItemResponse = Static<typeof ItemResponse>;

/** Bulk import: up to this many items per request (the SDK splits larger imports). */
export const MAX_BATCH_ITEMS = 500;
/**
 * Bulk import: and up to this many bytes of request body (the SDK also splits by size). A full batch of the largest
 * items would be ~200 MB; no request should make the server hold that much. One largest item fits many times over.
 */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export const CreateItemsBatchRequest = Type.Object(
  { items: Type.Array(CreateItemRequest, { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  strict,
);
export type CreateItemsBatchRequest = Static<typeof CreateItemsBatchRequest>;

export const ItemsBatchResponse = Type.Object({ items: Type.Array(Item) }, strict);
export type ItemsBatchResponse = Static<typeof ItemsBatchResponse>;
