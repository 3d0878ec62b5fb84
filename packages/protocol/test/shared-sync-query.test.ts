import { describe, expect, it } from 'vitest';
import Value from 'typebox/value';
import { MAX_SYNC_QUERY_VAULTS, SharedSyncQuery, decodeKnownVaults, encodeKnownVaults } from '../src/index.ts';

const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

describe('the query form of the shared sync (known=vaultId:revision,…)', () => {
  it('round-trips a list, and an empty list is no parameter at all', () => {
    const known = [
      { vaultId: id(1), revision: 0 },
      { vaultId: id(2), revision: 41 },
      { vaultId: id(3), revision: Number.MAX_SAFE_INTEGER },
    ];
    const encoded = encodeKnownVaults(known) as string;
    expect(encoded).toBe(`${id(1)}:0,${id(2)}:41,${id(3)}:${Number.MAX_SAFE_INTEGER}`);
    expect(Value.Check(SharedSyncQuery, { known: encoded })).toBe(true);
    expect(decodeKnownVaults(encoded)).toEqual(known);
    expect(encodeKnownVaults([])).toBeUndefined();
    expect(decodeKnownVaults(undefined)).toEqual([]);
  });

  it('takes exactly MAX_SYNC_QUERY_VAULTS vaults, in the schema and the parser alike', () => {
    const most = Array.from({ length: MAX_SYNC_QUERY_VAULTS }, (_, n) => ({ vaultId: id(n), revision: 2 ** 53 - 1 }));
    const encoded = encodeKnownVaults(most) as string;
    expect(Value.Check(SharedSyncQuery, { known: encoded })).toBe(true);
    expect(decodeKnownVaults(encoded)).toHaveLength(MAX_SYNC_QUERY_VAULTS);
    const one = `${encoded},${id(MAX_SYNC_QUERY_VAULTS)}:1`;
    expect(Value.Check(SharedSyncQuery, { known: one })).toBe(false);
    expect(decodeKnownVaults(one)).toBeUndefined();
  });

  it('refuses anything else: bad ids, bad revisions, duplicates, stray separators, unknown fields', () => {
    for (const known of ['', id(1), `${id(1)}:`, `${id(1)}:-1`, `${id(1)}:01`, `${id(1)}:1.5`, `${id(0xabcdef).toUpperCase()}:1`, `${id(1)}:1,`, `,${id(1)}:1`, `${id(1)}:1;${id(2)}:1`, `${id(1)}:1 `]) {
      expect([known, Value.Check(SharedSyncQuery, { known })]).toEqual([known, false]);
      expect([known, decodeKnownVaults(known)]).toEqual([known, undefined]);
    }
    // Well-formed, but outside what the parser accepts: past 2^53 − 1, or a vault named twice.
    for (const known of [`${id(1)}:9007199254740992`, `${id(1)}:1,${id(1)}:2`]) {
      expect(Value.Check(SharedSyncQuery, { known })).toBe(true);
      expect([known, decodeKnownVaults(known)]).toEqual([known, undefined]);
    }
    expect(Value.Check(SharedSyncQuery, { known: `${id(1)}:1`, since: '3' })).toBe(false);
  });
});
