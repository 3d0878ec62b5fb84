import { MAX_FOLDER_CHARS, MAX_FOLDER_DEPTH } from './item-limits.ts';
import type { ItemContent } from './items.ts';

/**
 * The same rules as `ItemContentSchema` (items.ts), checked by hand: the check a client runs on every item it decrypts
 * from a sync, where TypeBox's `Value.Check` costs ~15 µs an item and this a fraction of one (docs/performance.md).
 * An item's ciphertext is authenticated under the vault key, so what opens was written by a holder of that key — but a
 * shared vault's other members are not this user, so what comes out is still checked before it is shown.
 * `test/item-shape.test.ts` holds the two checks to the same answers.
 */
export function isItemContentShape(value: unknown): value is ItemContent {
  if (!isRecord(value)) return false;
  for (const key in value) if (!CONTENT_KEYS.has(key)) return false;
  const v = value as Record<string, unknown>;
  if (!ITEM_TYPES.has(v.type as string)) return false;
  if (typeof v.name !== 'string' || v.name.length < 1 || v.name.length > 256) return false;
  if (!optText(v.notes, 10_000) || !optBool(v.favorite) || !optBool(v.archived) || !optText(v.folder, MAX_FOLDER_CHARS)) return false;
  if (v.folderPath !== undefined) {
    if (!stringArray(v.folderPath, 1, 128, MAX_FOLDER_DEPTH) || v.folderPath.length < 2) return false;
    // A nested folder's display path and its segments must agree (validateItemContent checks the same).
    if (v.folder !== v.folderPath.join('/')) return false;
  }
  if (v.tags !== undefined && !stringArray(v.tags, 1, 128, 50)) return false;
  if (!Array.isArray(v.fields) || v.fields.length > 200) return false;
  for (const field of v.fields) if (!isField(field)) return false;
  if (v.login !== undefined && !isLogin(v.login)) return false;
  if (v.card !== undefined && !isTextRecord(v.card, CARD_LIMITS)) return false;
  if (v.identity !== undefined && !isTextRecord(v.identity, IDENTITY_LIMITS)) return false;
  return true;
}

const ITEM_TYPES = new Set(['login', 'note', 'card', 'identity']);
const CONTENT_KEYS = new Set(['type', 'name', 'notes', 'favorite', 'archived', 'folder', 'folderPath', 'tags', 'fields', 'login', 'card', 'identity']);
const FIELD_KEYS = new Set(['name', 'value', 'hidden', 'kind']);
const CARD_LIMITS: Readonly<Record<string, number>> = { cardholder: 256, brand: 64, number: 64, expMonth: 2, expYear: 4, code: 16 };
const IDENTITY_LIMITS: Readonly<Record<string, number>> = {
  title: 64, firstName: 256, lastName: 256, email: 320, phone: 64, address: 1024, company: 256, username: 512, middleName: 256,
  city: 256, state: 256, postalCode: 64, country: 256, ssn: 64, passportNumber: 64, licenseNumber: 64,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// TypeBox counts a string's length in UTF-16 code units, as `String.length` does.
const optText = (value: unknown, max: number) => value === undefined || (typeof value === 'string' && value.length <= max);
const optBool = (value: unknown) => value === undefined || typeof value === 'boolean';

function stringArray(value: unknown, minLength: number, maxLength: number, maxItems: number): value is string[] {
  if (!Array.isArray(value) || value.length > maxItems) return false;
  for (const s of value) if (typeof s !== 'string' || s.length < minLength || s.length > maxLength) return false;
  return true;
}

function isField(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) if (!FIELD_KEYS.has(key)) return false;
  return (
    typeof value.name === 'string' && value.name.length <= 128 && typeof value.value === 'string' && value.value.length <= 4096 &&
    typeof value.hidden === 'boolean' && (value.kind === undefined || value.kind === 'text' || value.kind === 'boolean')
  );
}

function isLogin(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) if (key !== 'username' && key !== 'password' && key !== 'urls' && key !== 'totp') return false;
  return (
    optText(value.username, 512) && optText(value.password, 1024) && optText(value.totp, 512) &&
    (value.urls === undefined || stringArray(value.urls, 0, 2048, 50))
  );
}

function isTextRecord(value: unknown, limits: Readonly<Record<string, number>>): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) {
    const max = Object.hasOwn(limits, key) ? limits[key] : undefined;
    if (max === undefined || !optText(value[key], max)) return false;
  }
  return true;
}
