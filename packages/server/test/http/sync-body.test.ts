import { describe, expect, it } from 'vitest';
import { pageBytes } from '../../src/modules/items/sync-body.ts';
import { itemJson, joinedJsonBytes } from '../../src/http/item-json.ts';
import type { ItemRecord } from '../../src/storage/items.ts';

/** The item as the route's schema serializer writes it: the Item schema's keys, in its order. */
const asItem = (r: ItemRecord) => ({ id: r.id, vaultId: r.vaultId, revision: r.revision, seq: r.seq, data: r.data, deletedAt: r.deletedAt, purged: r.purged, createdAt: r.createdAt, updatedAt: r.updatedAt });

const record = (n: number, over: Partial<ItemRecord> = {}): ItemRecord => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: 'user',
  vaultId: '11111111-1111-4111-8111-111111111111',
  revision: n + 1,
  seq: 1000 + n,
  data: `ciphertext-${n}`,
  deletedAt: null,
  purged: false,
  createdAt: 1_765_000_000_000 + n,
  updatedAt: 1_765_000_000_500 + n,
  ...over,
});

describe('the streamed sync body, written by hand', () => {
  it('writes each item as JSON.stringify of the schema-ordered item would, for every value kind', () => {
    const records = [
      record(1),
      record(2, { deletedAt: 1_765_000_001_000 }),
      record(3, { data: null, purged: true }),
      // Characters JSON must escape, and ones it must not: the hand-written form escapes through JSON.stringify.
      record(4, { data: 'quote " backslash \\ newline \n tab \t nul \u0000 é ☃ 😀' }),
    ];
    for (const r of records) expect(itemJson(r)).toBe(JSON.stringify(asItem(r)));
  });

  it('a page is the items joined by commas, in UTF-8, with a leading comma after the first page', () => {
    const records = [record(1), record(2, { data: 'naïve ☃' }), record(3, { data: null, purged: true })];
    const joined = records.map((r) => JSON.stringify(asItem(r))).join(',');
    expect(pageBytes(records, false).toString('utf8')).toBe(joined);
    expect(pageBytes(records, true).toString('utf8')).toBe(`,${joined}`);
    expect(pageBytes([], true).length).toBe(0);
  });

  it('grows its buffer for items larger than the room reserved per item, and keeps every byte', () => {
    // Each far above the reserve (640 bytes), and multi-byte, so the page's buffer must grow several times.
    const records = Array.from({ length: 40 }, (_, n) => record(n, { data: `${'☃'.repeat(5_000)}${n}` }));
    const bytes = pageBytes(records, false);
    expect(bytes.toString('utf8')).toBe(records.map((r) => JSON.stringify(asItem(r))).join(','));
    expect(JSON.parse(`[${bytes.toString('utf8')}]`)).toHaveLength(40);
  });

  it('each page is a buffer of its own at its exact size: the next page does not write over it', () => {
    const first = pageBytes([record(1), record(2)], false);
    const text = first.toString('utf8');
    // Its memory is its own and no larger than the page (not a slice of a reserve, nor of a pool).
    expect(first.buffer.byteLength).toBe(first.length);
    expect(first.byteOffset).toBe(0);
    const second = pageBytes(Array.from({ length: 200 }, (_, n) => record(n + 10, { data: 'x'.repeat(300) })), true);
    expect(second.buffer.byteLength).toBe(second.length);
    expect(first.toString('utf8')).toBe(text);
  });

  it('joinedJsonBytes: prefix, texts and suffix in UTF-8, the buffer grown for what the reserve does not hold', () => {
    const texts = ['"a"', '"☃"', `"${'é'.repeat(2_000)}"`];
    const suffix = `]${'😀'.repeat(3_000)}}`;
    const bytes = joinedJsonBytes({ prefix: '{"x":[', suffix, count: texts.length, textAt: (n) => texts[n] as string, leadingComma: false });
    expect(bytes.toString('utf8')).toBe(`{"x":[${texts.join(',')}${suffix}`);
    expect(bytes.buffer.byteLength).toBe(bytes.length);
    expect(joinedJsonBytes({ count: 0, textAt: () => 'x', leadingComma: true }).length).toBe(0);
  });
});
