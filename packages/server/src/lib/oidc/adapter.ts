/**
 * oidc-provider's storage adapter over Watchword's storage (both dialects; table `oidc_records`), and its view of the
 * registered clients (table `oauth_clients`).
 *
 * Every record that a bearer value names — tokens, codes, the provider's session and interaction cookies — is keyed
 * by the SHA-256 of that value, and the value itself (`jti`) is taken out of the stored payload and put back on
 * read: a database dump holds no usable token (security spec "At rest": tokens hashed). Grants keep their ids.
 * `consume` stamps `consumed_at`, which `find` returns as `consumed`: a replayed code or rotated refresh token is
 * then refused by the provider and its grant revoked (`revokeByGrantId` deletes the model's records of the grant).
 */
import type { OAuthClientRecord } from '../../storage/oauth.ts';
import type { Storage } from '../../storage/types.ts';
import { sha256Base64Url } from '../../tokens/sha256.ts';

type Payload = Record<string, unknown>;

/** Models whose id is never a bearer value. */
const PLAIN_IDS = new Set(['Grant', 'ReplayDetection']);
/** Marks an id that is already a stored key (a SHA-256 is never a real id: those have no `~`). */
const STORED_KEY = '~stored~';

/** The client metadata oidc-provider validates (OIDC Dynamic Client Registration §2 names). */
export function clientMetadata(client: OAuthClientRecord, idTokenAlg: string): Payload {
  if (client.kind === 'apikey') {
    return {
      client_id: client.clientId,
      client_name: client.name,
      client_secret: client.secretHash,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // Whom its tokens act for, and whether they may change anything (lib/oidc/provider.ts, the JWT customizer).
      ww_owner: client.ownerId,
      ww_read_only: client.readOnly,
    };
  }
  return {
    client_id: client.clientId,
    client_name: client.name,
    ...(client.public ? { token_endpoint_auth_method: 'none', dpop_bound_access_tokens: true } : { client_secret: client.secretHash, token_endpoint_auth_method: 'client_secret_basic' }),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    id_token_signed_response_alg: idTokenAlg,
  };
}

export interface AdapterDeps {
  readonly storage: Storage;
  readonly now: () => number;
  /** The algorithm ID tokens are signed with (the current signing key's). */
  readonly idTokenAlg: () => string;
}

export interface OidcAdapter {
  upsert(id: string, payload: Payload, expiresIn: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** The adapter class oidc-provider instantiates once per model name. */
export function adapterClass(deps: AdapterDeps): new (model: string) => OidcAdapter {
  const repo = deps.storage.oauth;
  return class WatchwordOidcAdapter implements OidcAdapter {
    readonly #model: string;
    constructor(model: string) {
      this.#model = model;
    }

    #key(id: string): string {
      if (PLAIN_IDS.has(this.#model)) return id;
      // A record found by uid carries its stored key instead of its id (see findByUid).
      return id.startsWith(STORED_KEY) ? id.slice(STORED_KEY.length) : sha256Base64Url(id);
    }

    async upsert(id: string, payload: Payload, expiresIn: number): Promise<void> {
      if (this.#model === 'Client') throw new Error('clients are registered through the admin API, not the provider');
      const { jti: _jti, ...rest } = payload;
      await repo.upsertRecord(this.#model, this.#key(id), {
        payload: JSON.stringify(rest),
        // A grant is filed under its own id, so revoking a grant by id takes the grant record too.
        grantId: this.#model === 'Grant' ? id : typeof payload.grantId === 'string' ? payload.grantId : null,
        uid: typeof payload.uid === 'string' ? payload.uid : null,
        expiresAt: deps.now() + Math.max(1, expiresIn) * 1000,
      });
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.#model === 'Client') {
        const client = await repo.findClient(id);
        if (!client || client.disabledAt !== null) return undefined;
        return clientMetadata(client, deps.idTokenAlg());
      }
      const record = await repo.findRecord(this.#model, this.#key(id), deps.now());
      if (!record) return undefined;
      const payload = JSON.parse(record.payload) as Payload;
      return { ...payload, jti: id, ...(record.consumedAt !== null ? { consumed: Math.floor(record.consumedAt / 1000) } : {}) };
    }

    async findByUserCode(): Promise<Payload | undefined> {
      // The device flow is not enabled.
      return undefined;
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const found = await repo.findRecordByUid(this.#model, uid, deps.now());
      if (!found) return undefined;
      // Only the hash of the id is stored, so the record comes back named by that stored key (marked): saving it
      // again writes the same row. The provider never sets a cookie from a session it found this way.
      const payload = JSON.parse(found.record.payload) as Payload;
      return { ...payload, jti: `${STORED_KEY}${found.id}`, ...(found.record.consumedAt !== null ? { consumed: Math.floor(found.record.consumedAt / 1000) } : {}) };
    }

    async consume(id: string): Promise<void> {
      await repo.consumeRecord(this.#model, this.#key(id), deps.now());
    }

    async destroy(id: string): Promise<void> {
      await repo.destroyRecord(this.#model, this.#key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await repo.revokeGrant(grantId, this.#model);
    }
  };
}
