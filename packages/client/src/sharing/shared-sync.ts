/**
 * The one way the SDK asks for the shared-vault sync: a GET with the known vaults in the query while they fit
 * (MAX_SYNC_QUERY_VAULTS), the POST with a body beyond that. Both answer the same (SharedSyncResponse); the GET spares
 * the server reading and parsing a body on the most frequent request a client makes (docs/performance.md "Shared vaults").
 */
import { type KnownVault, MAX_SYNC_QUERY_VAULTS, type SharedSyncResponse, api, encodeKnownVaults } from '@watchword/protocol';
import type { Session } from '../session.ts';

export function pullSharedVaults(session: Pick<Session, 'call'>, known: KnownVault[]): Promise<SharedSyncResponse> {
  if (known.length > MAX_SYNC_QUERY_VAULTS) return session.call(api.vaults.sync, { body: { known } });
  const encoded = encodeKnownVaults(known);
  return session.call(api.vaults.syncQuery, { query: encoded === undefined ? {} : { known: encoded } });
}
