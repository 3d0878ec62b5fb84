import { describe, expect, it } from 'vitest';
import { MAX_SYNC_QUERY_VAULTS, type RouteSpec, type SharedSyncResponse, api, decodeKnownVaults } from '@watchword/protocol';
import { pullSharedVaults } from '../src/sharing/shared-sync.ts';

/** Which form of the shared sync the SDK sends (the server's answer to both is tested in packages/server/test/orgs). */
describe('pullSharedVaults', () => {
  const answer: SharedSyncResponse = { vaults: [], gone: [], items: [] };
  const recorder = () => {
    const calls: { spec: RouteSpec; input: unknown }[] = [];
    const session = { call: async (spec: RouteSpec, input: unknown) => (calls.push({ spec, input }), answer) };
    return { calls, session: session as unknown as Parameters<typeof pullSharedVaults>[0] };
  };
  const known = (n: number) => Array.from({ length: n }, (_, i) => ({ vaultId: `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`, revision: i }));

  it('a GET with the known vaults in the query while they fit, none for a first sync', async () => {
    const { calls, session } = recorder();
    expect(await pullSharedVaults(session, [])).toBe(answer);
    expect(await pullSharedVaults(session, known(MAX_SYNC_QUERY_VAULTS))).toBe(answer);
    expect(calls.map((c) => c.spec)).toEqual([api.vaults.syncQuery, api.vaults.syncQuery]);
    expect(calls[0]?.input).toEqual({ query: {} });
    expect(decodeKnownVaults((calls[1]?.input as { query: { known: string } }).query.known)).toEqual(known(MAX_SYNC_QUERY_VAULTS));
  });

  it('the POST with a body beyond MAX_SYNC_QUERY_VAULTS', async () => {
    const { calls, session } = recorder();
    await pullSharedVaults(session, known(MAX_SYNC_QUERY_VAULTS + 1));
    expect(calls.map((c) => c.spec)).toEqual([api.vaults.sync]);
    expect(calls[0]?.input).toEqual({ body: { known: known(MAX_SYNC_QUERY_VAULTS + 1) } });
  });
});
