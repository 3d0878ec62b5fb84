import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { buildAad } from './aad.ts';
import { importAesKey, openBytes, sealBytes } from './crypto/aead.ts';
import { fromUtf8, utf8 } from './encoding.ts';
import { WatchwordError } from './errors.ts';
import { MAX_FOLDER_CHARS, MAX_FOLDER_DEPTH } from './item-limits.ts';
import { isItemContentShape } from './item-shape.ts';

/**
 * The plaintext item model. Everything about an item — type, name, URLs, fields —
 * lives inside the ciphertext (design.md §1); the server sees ids, sizes, timestamps
 * and revisions only. Every string is bounded and unknown properties are rejected.
 */
const strict = { additionalProperties: false } as const;
export { MAX_FOLDER_CHARS, MAX_FOLDER_DEPTH };
const Text = (maxLength: number) => Type.String({ maxLength });

export const ItemTypeSchema = Type.Union([
  Type.Literal('login'),
  Type.Literal('note'),
  Type.Literal('card'),
  Type.Literal('identity'),
]);

/**
 * A custom field. `hidden` means the value is concealed on screen (a secret); `kind` says how the value reads:
 * `text` (the default when absent) or `boolean` (the value is `"true"` or `"false"`).
 */
export const ItemFieldSchema = Type.Object(
  {
    name: Text(128),
    value: Text(4096),
    hidden: Type.Boolean(),
    kind: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('boolean')])),
  },
  strict,
);

export const LoginDataSchema = Type.Object(
  {
    username: Type.Optional(Text(512)),
    password: Type.Optional(Text(1024)),
    urls: Type.Optional(Type.Array(Text(2048), { maxItems: 50 })),
    totp: Type.Optional(Text(512)),
  },
  strict,
);

export const CardDataSchema = Type.Object(
  {
    cardholder: Type.Optional(Text(256)),
    brand: Type.Optional(Text(64)),
    number: Type.Optional(Text(64)),
    expMonth: Type.Optional(Text(2)),
    expYear: Type.Optional(Text(4)),
    code: Type.Optional(Text(16)),
  },
  strict,
);

export const IdentityDataSchema = Type.Object(
  {
    title: Type.Optional(Text(64)),
    firstName: Type.Optional(Text(256)),
    lastName: Type.Optional(Text(256)),
    email: Type.Optional(Text(320)),
    phone: Type.Optional(Text(64)),
    address: Type.Optional(Text(1024)),
    company: Type.Optional(Text(256)),
    username: Type.Optional(Text(512)),
    middleName: Type.Optional(Text(256)),
    city: Type.Optional(Text(256)),
    state: Type.Optional(Text(256)),
    postalCode: Type.Optional(Text(64)),
    country: Type.Optional(Text(256)),
    ssn: Type.Optional(Text(64)),
    passportNumber: Type.Optional(Text(64)),
    licenseNumber: Type.Optional(Text(64)),
  },
  strict,
);

export const ItemContentSchema = Type.Object(
  {
    type: ItemTypeSchema,
    name: Type.String({ minLength: 1, maxLength: 256 }),
    notes: Type.Optional(Text(10_000)),
    favorite: Type.Optional(Type.Boolean()),
    /** Kept out of everyday lists, still searchable and restorable (1Password's and Proton's "archived"). */
    archived: Type.Optional(Type.Boolean()),
    /** The folder as shown: a single name, or a nested path joined with "/" (then `folderPath` holds its segments). */
    folder: Type.Optional(Text(MAX_FOLDER_CHARS)),
    /** A nested folder, root first: set only when the folder has more than one level; `folder` is its segments joined with "/". */
    folderPath: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 2, maxItems: MAX_FOLDER_DEPTH })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50 })),
    fields: Type.Array(ItemFieldSchema, { maxItems: 200 }),
    login: Type.Optional(LoginDataSchema),
    card: Type.Optional(CardDataSchema),
    identity: Type.Optional(IdentityDataSchema),
  },
  strict,
);

export type ItemType = Static<typeof ItemTypeSchema>;
export type ItemField = Static<typeof ItemFieldSchema>;
export type ItemContent = Static<typeof ItemContentSchema>;

/** The segments of an item's folder, root first (empty when it has none). */
export function folderSegments(content: Pick<ItemContent, 'folder' | 'folderPath'>): string[] {
  if (content.folderPath) return [...content.folderPath];
  return content.folder ? [content.folder] : [];
}

/** The `folder` / `folderPath` pair for a folder given as segments (root first; empty segments dropped). */
export function folderFromSegments(segments: readonly string[]): Pick<ItemContent, 'folder' | 'folderPath'> {
  const path = segments.filter((s) => s !== '');
  if (path.length === 0) return {};
  if (path.length === 1) return { folder: path[0] as string };
  return { folder: path.join('/'), folderPath: path };
}

/**
 * Upper bound of the UTF-8 JSON plaintext. The schema alone allows more (multi-byte
 * characters, JSON escapes), so the encoded size is checked too; 256 KiB keeps the
 * envelope (≈ 4/3 · (29 + n) base64url characters) under the API's `MAX_ITEM_DATA`.
 */
export const MAX_ITEM_PLAINTEXT_BYTES = 256 * 1024;

/**
 * Checks an untrusted value against {@link ItemContentSchema}.
 * @throws {WatchwordError} `VALIDATION_FAILED`, `details.field` = JSON Pointer (RFC 6901)
 * of the first offending value.
 */
export function validateItemContent(value: unknown): ItemContent {
  // The same rules by hand first (a fraction of Value.Check's ~15 µs; item-shape.ts): most values are valid, and only
  // a refused one needs TypeBox, for the pointer to what is wrong.
  if (isItemContentShape(value)) return value;
  if (Value.Check(ItemContentSchema, value)) {
    // A nested folder's display path and its segments must agree, so older clients group it the same way.
    if (value.folderPath !== undefined && value.folder !== value.folderPath.join('/')) {
      throw new WatchwordError('VALIDATION_FAILED', { details: { field: '/folderPath' } });
    }
    return value;
  }
  const [first] = Value.Errors(ItemContentSchema, value);
  throw new WatchwordError('VALIDATION_FAILED', { details: { field: first?.instancePath ?? '' } });
}

interface ItemSlot {
  /** The vault key: its 32 bytes, or the AES-GCM CryptoKey made from them once (for many items in a row). */
  vaultKey: Uint8Array | CryptoKey;
  /** The account whose personal vault holds the item; not part of a shared vault's AAD (every member reads it). */
  userId: string;
  vaultId: string;
  itemId: string;
  revision: number;
  /**
   * The version of a shared vault's key the item is sealed under; absent for a personal vault's item. With it, the
   * AAD is the shared-vault form below.
   */
  keyVersion?: number | undefined;
}

/**
 * Validates and encrypts an item for one slot. The AAD binds the slot, so the server cannot move a blob to another
 * item or vault (or back to the vault it was moved from) or replay an old revision:
 * - personal vault: `"watchword/v1/item\0" userId "\0" vaultId "\0" itemId "\0" revision` (unchanged since v1);
 * - shared vault: `"watchword/v1/shared-item\0" vaultId "\0" keyVersion "\0" itemId "\0" revision` — every member
 *   reads it, so no user id; the key version says which of the vault's keys seals it, and a blob relabelled with
 *   another version does not open.
 */
export async function encryptItem(input: ItemSlot & { content: ItemContent }): Promise<string> {
  const content = validateItemContent(input.content);
  const plaintext = utf8(JSON.stringify(content));
  if (plaintext.length > MAX_ITEM_PLAINTEXT_BYTES) {
    throw new WatchwordError('VALIDATION_FAILED', { details: { field: '', reason: 'too large' } });
  }
  return sealBytes(await aesKey(input.vaultKey), plaintext, itemAad(input));
}

/**
 * Decrypts an item stored in the given slot and validates what comes out (validateItemContent: the schema's rules by
 * hand, TypeBox only for what they refuse).
 * @throws {DecryptionError} if the blob belongs to another slot, key or was altered.
 * @throws {WatchwordError} `VALIDATION_FAILED` if it decrypts but is not a valid item.
 */
export function decryptItem(input: ItemSlot & { data: string }): Promise<ItemContent> {
  // A promise chain, with no await for a key that is already a CryptoKey (decryptBatch, the web vault's worker):
  // see openBytes. Errors are still rejections, never synchronous throws.
  let aad: Uint8Array;
  try {
    aad = itemAad(input);
  } catch (error) {
    return Promise.reject(error);
  }
  const opened = input.vaultKey instanceof Uint8Array ? importAesKey(input.vaultKey).then((key) => openBytes(key, input.data, aad)) : openBytes(input.vaultKey, input.data, aad);
  return opened.then(parseItemContent);
}

/** The JSON of a decrypted item, checked (validateItemContent). */
function parseItemContent(plaintext: Uint8Array): ItemContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(plaintext));
  } catch {
    throw new WatchwordError('VALIDATION_FAILED', { details: { field: '' } });
  }
  return validateItemContent(parsed);
}

const aesKey = (key: Uint8Array | CryptoKey): Promise<CryptoKey> => (key instanceof Uint8Array ? importAesKey(key) : Promise.resolve(key));

function itemAad({ userId, vaultId, itemId, revision, keyVersion }: ItemSlot): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError('revision must be a non-negative integer');
  if (keyVersion !== undefined) {
    if (!Number.isSafeInteger(keyVersion) || keyVersion < 1) throw new RangeError('keyVersion must be a positive integer');
    return buildAad('watchword/v1/shared-item', vaultId, String(keyVersion), itemId, String(revision));
  }
  return buildAad('watchword/v1/item', userId, vaultId, itemId, String(revision));
}
