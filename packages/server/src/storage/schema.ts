/**
 * Kysely table types (snake_case columns). Shared by both dialects; the migrations create exactly this.
 * Timestamps are integer milliseconds (bigint on PostgreSQL, parsed to safe JS numbers by the pool).
 * Booleans are stored as integer 0/1 on both dialects so rows look the same everywhere.
 */
import type { Generated } from 'kysely';

export interface MetaTable {
  key: string;
  value: string;
}

export interface UsersTable {
  id: string;
  email: string;
  opaque_record: string;
  kdf_version: number;
  kek_salt: string;
  wrapped_account_key: string;
  recovery_salt: string;
  recovery_wrapped_key: string;
  x25519_public_key: string;
  ed25519_public_key: string;
  wrapped_x25519_private_key: string;
  wrapped_ed25519_private_key: string;
  revision: Generated<number>;
  created_at: number;
  updated_at: number;
  recovery_verifier_hash: string | null;
  account_data: string | null;
  /** Bumped by every write of account_data (optimistic concurrency of PUT /api/v1/account/data). */
  account_data_revision: Generated<number>;
  email_verified_at: number | null;
  disabled_at: number | null;
  last_login_at: number | null;
  sharing_x25519_public_key: string | null;
  sharing_ed25519_public_key: string | null;
  sharing_key_signature: string | null;
  sharing_wrapped_private_keys: string | null;
  sharing_keys_at: number | null;
}

export interface VaultsTable {
  id: string;
  owner_id: string;
  kind: string;
  wrapped_key: string;
  created_at: number;
}

export interface ItemsTable {
  id: string;
  user_id: string;
  vault_id: string;
  revision: number;
  seq: number;
  data: string | null;
  deleted_at: number | null;
  /** 0 or 1. */
  purged: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  device_name: string;
  ip: string;
  user_agent: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  dpop_jkt: string | null;
  /** The second factor the session was signed in with ('totp' | 'backup_code' | 'webauthn'); null: password only. */
  second_factor: string | null;
}

/** Every refresh token of every family, hashed; rotated ones stay so their replay is recognised as reuse. */
export interface RefreshTokensTable {
  hash: string;
  session_id: string;
  created_at: number;
  rotated_at: number | null;
  successor_hash: string | null;
  /** The successor, sealed under a key derived from this token (AES-256-GCM); null until rotated. */
  successor_sealed: string | null;
}

export interface TotpFactorsTable {
  user_id: string;
  seed_sealed: string;
  confirmed_at: number | null;
  last_step: number;
  created_at: number;
}

export interface BackupCodesTable {
  id: string;
  user_id: string;
  /** Argon2id PHC string (salted). */
  hash: string;
  used_at: number | null;
  created_at: number;
}

export interface WebauthnCredentialsTable {
  id: string;
  user_id: string;
  name: string;
  public_key: string;
  counter: number;
  /** JSON array of transport hints. */
  transports: string;
  aaguid: string;
  /** 0 or 1. */
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

/** Passkeys that sign in and unlock (migration 0008). */
export interface PasskeyCredentialsTable {
  id: string;
  user_id: string;
  name: string;
  public_key: string;
  counter: number;
  /** JSON array of transport hints. */
  transports: string;
  aaguid: string;
  /** 0 or 1. */
  backed_up: number;
  /** The account key sealed by the client under the PRF-derived key; opaque here. */
  wrapped_account_key: string;
  created_at: number;
  last_used_at: number | null;
}

export interface EmailTokensTable {
  /** SHA-256 of the token, base64url. */
  hash: string;
  user_id: string;
  purpose: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  actor_id: string | null;
  action: string;
  target_id: string | null;
  ip: string;
  user_agent: string;
  outcome: string;
  request_id: string;
  /** JSON object; never a secret. */
  context: string;
  /** The organisation the event belongs to (organisation audit, GET /api/v1/orgs/:id/audit); null otherwise. */
  org_id: string | null;
}

export interface RolesTable {
  name: string;
  parent: string | null;
  description: string;
  /** 0 or 1. */
  builtin: number;
  created_at: number;
}

export interface RolePermissionsTable {
  role: string;
  permission: string;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
  granted_by: string | null;
  granted_at: number;
}

export interface OAuthClientsTable {
  client_id: string;
  kind: 'app' | 'apikey';
  name: string;
  public: number;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  post_logout_redirect_uris: string;
  /** Argon2id PHC string; null for public clients. */
  secret_hash: string | null;
  /** The account an API key acts for; null for applications. */
  owner_id: string | null;
  read_only: number;
  disabled_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
}

export interface OAuthConsentsTable {
  user_id: string;
  client_id: string;
  /** Space-separated granted scopes. */
  scopes: string;
  grant_id: string;
  granted_at: number;
}

export interface OidcRecordsTable {
  model: string;
  /** The record's id, or the SHA-256 (base64url) of a token's value for token models. */
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  expires_at: number;
  consumed_at: number | null;
}

export interface OrgsTable {
  id: string;
  name: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface OrgMembersTable {
  id: string;
  org_id: string;
  user_id: string | null;
  /** Normalised e-mail address the invitation was sent to (the account's address once accepted). */
  email: string;
  role: string;
  state: string;
  invited_by: string | null;
  invited_at: number;
  accepted_at: number | null;
  confirmed_at: number | null;
}

export interface SharedVaultsTable {
  id: string;
  org_id: string;
  encrypted_name: string;
  key_version: number;
  /** Bumped by every change of the vault's items (their seq) and of its key. */
  revision: Generated<number>;
  /** When a member lost access and the key has not been rotated since (null: nothing owed). */
  rotation_pending_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface VaultMembersTable {
  vault_id: string;
  user_id: string;
  access: string;
  key_version: number;
  wrapped_key: string;
  created_at: number;
  updated_at: number;
}

export interface SharedItemsTable {
  id: string;
  vault_id: string;
  key_version: number;
  revision: number;
  seq: number;
  data: string | null;
  deleted_at: number | null;
  /** 0 or 1. */
  purged: number;
  created_at: number;
  updated_at: number;
}

export interface Database {
  meta: MetaTable;
  users: UsersTable;
  vaults: VaultsTable;
  items: ItemsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  totp_factors: TotpFactorsTable;
  backup_codes: BackupCodesTable;
  webauthn_credentials: WebauthnCredentialsTable;
  passkey_credentials: PasskeyCredentialsTable;
  email_tokens: EmailTokensTable;
  audit_events: AuditEventsTable;
  roles: RolesTable;
  role_permissions: RolePermissionsTable;
  user_roles: UserRolesTable;
  oauth_clients: OAuthClientsTable;
  oauth_consents: OAuthConsentsTable;
  oidc_records: OidcRecordsTable;
  orgs: OrgsTable;
  org_members: OrgMembersTable;
  shared_vaults: SharedVaultsTable;
  vault_members: VaultMembersTable;
  shared_items: SharedItemsTable;
}
