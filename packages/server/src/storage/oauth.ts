/**
 * OAuth clients and API keys, remembered consents, and the OpenID provider's records (lib/oidc/adapter.ts).
 * Secrets are never stored: a client's or API key's secret is an Argon2id hash; token records are keyed by the
 * SHA-256 of the token (the adapter hashes before it calls here).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, OAuthClientsTable } from './schema.ts';

export interface OAuthClientRecord {
  clientId: string;
  kind: 'app' | 'apikey';
  name: string;
  public: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  secretHash: string | null;
  ownerId: string | null;
  readOnly: boolean;
  disabledAt: number | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
}

export interface ConsentRecord {
  userId: string;
  clientId: string;
  scopes: string[];
  grantId: string;
  grantedAt: number;
}

export interface OidcRecord {
  payload: string;
  expiresAt: number;
  consumedAt: number | null;
}

export interface OAuthRepository {
  createClient(client: OAuthClientRecord): Promise<void>;
  findClient(clientId: string): Promise<OAuthClientRecord | undefined>;
  listClients(kind: 'app'): Promise<OAuthClientRecord[]>;
  listApiKeys(ownerId: string): Promise<OAuthClientRecord[]>;
  /** Sets the secret hash; false when no such client. */
  setSecret(clientId: string, secretHash: string, now: number): Promise<boolean>;
  setDisabled(clientId: string, disabledAt: number | null, now: number): Promise<boolean>;
  /** Deletes the client (and, by cascade, the consents given to it); `ownerId` restricts it to that owner's keys. */
  deleteClient(clientId: string, ownerId?: string): Promise<boolean>;
  touchClient(clientId: string, now: number): Promise<void>;

  findConsent(userId: string, clientId: string): Promise<ConsentRecord | undefined>;
  upsertConsent(consent: ConsentRecord): Promise<void>;
  listConsents(userId: string): Promise<ConsentRecord[]>;
  /** Removes it and returns it (its grant is then revoked by the caller). */
  deleteConsent(userId: string, clientId: string): Promise<ConsentRecord | undefined>;

  upsertRecord(model: string, id: string, record: { payload: string; grantId: string | null; uid: string | null; expiresAt: number }): Promise<void>;
  findRecord(model: string, id: string, now: number): Promise<OidcRecord | undefined>;
  findRecordByUid(model: string, uid: string, now: number): Promise<{ id: string; record: OidcRecord } | undefined>;
  consumeRecord(model: string, id: string, now: number): Promise<void>;
  destroyRecord(model: string, id: string): Promise<void>;
  /** Deletes every record of the grant: of one model, or of every model, the grant included (consent revoked). */
  revokeGrant(grantId: string, model?: string): Promise<number>;
  /** Ids of the grants of a client (its deletion or disabling revokes them). */
  grantsOfClient(clientId: string): Promise<string[]>;
  pruneRecords(now: number): Promise<number>;
}

const toClient = (r: Selectable<OAuthClientsTable>): OAuthClientRecord => ({
  clientId: r.client_id,
  kind: r.kind,
  name: r.name,
  public: r.public === 1,
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
  secretHash: r.secret_hash,
  ownerId: r.owner_id,
  readOnly: r.read_only === 1,
  disabledAt: r.disabled_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastUsedAt: r.last_used_at,
});

export function createOAuthRepository(db: Kysely<Database>): OAuthRepository {
  return {
    async createClient(c) {
      await db
        .insertInto('oauth_clients')
        .values({
          client_id: c.clientId,
          kind: c.kind,
          name: c.name,
          public: c.public ? 1 : 0,
          redirect_uris: JSON.stringify(c.redirectUris),
          post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
          secret_hash: c.secretHash,
          owner_id: c.ownerId,
          read_only: c.readOnly ? 1 : 0,
          disabled_at: c.disabledAt,
          created_by: c.createdBy,
          created_at: c.createdAt,
          updated_at: c.updatedAt,
          last_used_at: c.lastUsedAt,
        })
        .execute();
    },
    async findClient(clientId) {
      const row = await db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row ? toClient(row) : undefined;
    },
    async listClients(kind) {
      return (await db.selectFrom('oauth_clients').selectAll().where('kind', '=', kind).orderBy('created_at').orderBy('client_id').limit(1000).execute()).map(toClient);
    },
    async listApiKeys(ownerId) {
      return (await db.selectFrom('oauth_clients').selectAll().where('kind', '=', 'apikey').where('owner_id', '=', ownerId).orderBy('created_at').limit(100).execute()).map(toClient);
    },
    async setSecret(clientId, secretHash, now) {
      const r = await db.updateTable('oauth_clients').set({ secret_hash: secretHash, updated_at: now }).where('client_id', '=', clientId).where('public', '=', 0).executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
    async setDisabled(clientId, disabledAt, now) {
      const r = await db.updateTable('oauth_clients').set({ disabled_at: disabledAt, updated_at: now }).where('client_id', '=', clientId).executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
    async deleteClient(clientId, ownerId) {
      let q = db.deleteFrom('oauth_clients').where('client_id', '=', clientId);
      if (ownerId !== undefined) q = q.where('owner_id', '=', ownerId).where('kind', '=', 'apikey');
      const r = await q.executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
    async touchClient(clientId, now) {
      await db.updateTable('oauth_clients').set({ last_used_at: now }).where('client_id', '=', clientId).execute();
    },

    async findConsent(userId, clientId) {
      const row = await db.selectFrom('oauth_consents').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return row ? { userId: row.user_id, clientId: row.client_id, scopes: row.scopes.split(' ').filter(Boolean), grantId: row.grant_id, grantedAt: row.granted_at } : undefined;
    },
    async upsertConsent(c) {
      await db
        .insertInto('oauth_consents')
        .values({ user_id: c.userId, client_id: c.clientId, scopes: c.scopes.join(' '), grant_id: c.grantId, granted_at: c.grantedAt })
        .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scopes: c.scopes.join(' '), grant_id: c.grantId, granted_at: c.grantedAt }))
        .execute();
    },
    async listConsents(userId) {
      const rows = await db.selectFrom('oauth_consents').selectAll().where('user_id', '=', userId).orderBy('granted_at').limit(1000).execute();
      return rows.map((row) => ({ userId: row.user_id, clientId: row.client_id, scopes: row.scopes.split(' ').filter(Boolean), grantId: row.grant_id, grantedAt: row.granted_at }));
    },
    async deleteConsent(userId, clientId) {
      const row = await db.deleteFrom('oauth_consents').where('user_id', '=', userId).where('client_id', '=', clientId).returningAll().executeTakeFirst();
      return row ? { userId: row.user_id, clientId: row.client_id, scopes: row.scopes.split(' ').filter(Boolean), grantId: row.grant_id, grantedAt: row.granted_at } : undefined;
    },

    async upsertRecord(model, id, r) {
      await db
        .insertInto('oidc_records')
        .values({ model, id, payload: r.payload, grant_id: r.grantId, uid: r.uid, expires_at: r.expiresAt, consumed_at: null })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({ payload: r.payload, grant_id: r.grantId, uid: r.uid, expires_at: r.expiresAt }))
        .execute();
    },
    async findRecord(model, id, now) {
      const row = await db.selectFrom('oidc_records').select(['payload', 'expires_at', 'consumed_at']).where('model', '=', model).where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
      return row ? { payload: row.payload, expiresAt: row.expires_at, consumedAt: row.consumed_at } : undefined;
    },
    async findRecordByUid(model, uid, now) {
      const row = await db.selectFrom('oidc_records').select(['id', 'payload', 'expires_at', 'consumed_at']).where('model', '=', model).where('uid', '=', uid).where('expires_at', '>', now).executeTakeFirst();
      return row ? { id: row.id, record: { payload: row.payload, expiresAt: row.expires_at, consumedAt: row.consumed_at } } : undefined;
    },
    async consumeRecord(model, id, now) {
      await db.updateTable('oidc_records').set({ consumed_at: now }).where('model', '=', model).where('id', '=', id).where('consumed_at', 'is', null).execute();
    },
    async destroyRecord(model, id) {
      await db.deleteFrom('oidc_records').where('model', '=', model).where('id', '=', id).execute();
    },
    async revokeGrant(grantId, model) {
      let q = db.deleteFrom('oidc_records').where('grant_id', '=', grantId);
      if (model !== undefined) q = q.where('model', '=', model);
      const r = await q.executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async grantsOfClient(clientId) {
      const rows = await db.selectFrom('oauth_consents').select('grant_id').where('client_id', '=', clientId).execute();
      return rows.map((r) => r.grant_id);
    },
    async pruneRecords(now) {
      const r = await db.deleteFrom('oidc_records').where('expires_at', '<=', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
