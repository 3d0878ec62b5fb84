/**
 * The shared sync's answer is written by hand (modules/vaults/views.ts sharedSyncJson): it must be the same JSON as the
 * object answer the route's schema describes, for every shape of vault and item — and valid against that schema.
 */
import { describe, expect, it } from 'vitest';
import Value from 'typebox/value';
import { SharedSyncResponse } from '@watchword/protocol';
import { sharedSyncJson, toSharedItem, toVault } from '../../src/modules/vaults/views.ts';
import type { SharedVaultView } from '../../src/storage/shared-vaults.ts';
import type { SharedItemRecord } from '../../src/storage/shared-items.ts';

const vault = (over: Partial<SharedVaultView> = {}): SharedVaultView => ({
  id: '0b0f5f3e-6a55-4d3f-9c55-0d3c2f7d8a11',
  orgId: '6a1d2c3b-4e5f-4a7b-8c9d-0e1f2a3b4c5d',
  encryptedName: 'bmFtZQc2VhbGVk_-',
  keyVersion: 2,
  revision: 41,
  access: 'edit',
  memberKeyVersion: 2,
  wrappedKey: 'd3JhcHBlZAa2V5',
  rotationPendingSince: null,
  createdAt: 1_765_000_000_000,
  ...over,
});

const item = (over: Partial<SharedItemRecord> = {}): SharedItemRecord => ({
  id: '7c1e0a4b-2f3d-4e5a-9b6c-1d2e3f4a5b6c',
  vaultId: '0b0f5f3e-6a55-4d3f-9c55-0d3c2f7d8a11',
  keyVersion: 1,
  revision: 3,
  seq: 40,
  data: 'djEbm9uY2UY2lwaGVydGV4dA',
  deletedAt: null,
  purged: false,
  createdAt: 1_765_000_000_001,
  updatedAt: 1_765_000_000_002,
  ...over,
});

const objectForm = (vaults: SharedVaultView[], gone: string[], items: SharedItemRecord[]) =>
  JSON.stringify({ vaults: vaults.map(toVault), gone, items: items.map(toSharedItem) });

describe('the shared sync answer written by hand', () => {
  const cases: [string, SharedVaultView[], string[], SharedItemRecord[]][] = [
    ['nothing reached', [], [], []],
    ['only vaults gone', [], ['0b0f5f3e-6a55-4d3f-9c55-0d3c2f7d8a11', 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b'], []],
    ['vaults, one owing a rotation, no items', [vault(), vault({ id: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b', rotationPendingSince: 1_765_000_000_500, access: 'manage' })], [], []],
    [
      'live, trashed and purged items',
      [vault()],
      [],
      [item(), item({ id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', deletedAt: 1_765_000_000_100, seq: 41 }), item({ id: 'b1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', data: null, purged: true, seq: 42, keyVersion: 2 })],
    ],
  ];
  for (const [name, vaults, gone, items] of cases) {
    it(`${name}: the same bytes as the object answer, and valid against SharedSyncResponse`, () => {
      const bytes = sharedSyncJson(vaults, gone, items).toString('utf8');
      expect(bytes).toBe(objectForm(vaults, gone, items));
      expect(Value.Check(SharedSyncResponse, JSON.parse(bytes))).toBe(true);
    });
  }
});
