/**
 * Organisations and shared vaults (issue 25): the request and answer schemas. The server stores who may reach what
 * and opaque, client-sealed blobs; it never holds a key it could use (docs/threat-model.md, "Shared vaults").
 */
import Type, { type Static } from 'typebox';
import { B64, Email, Timestamp, UUID_PATTERN, Uuid, strict } from './common.ts';
import { Item, MAX_ITEM_DATA } from './items.ts';

/** A raw 32-byte public key (X25519 or Ed25519), base64url without padding: exactly 43 characters. */
export const RawPublicKey = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', minLength: 43, maxLength: 43, description: 'Raw 32-byte public key, base64url' });
/** An Ed25519 signature (64 bytes), base64url without padding: exactly 86 characters. */
export const Ed25519Signature = Type.String({ pattern: '^[A-Za-z0-9_-]{86}$', minLength: 86, maxLength: 86, description: 'Ed25519 signature, base64url' });
/** The client-sealed private halves of the sharing key pair (opaque to the server). */
export const MAX_WRAPPED_PRIVATE_KEYS = 8192;
/** One vault key sealed for one member with HPKE (RFC 9180) — opaque to the server. */
export const MAX_WRAPPED_VAULT_KEY = 4096;
const WrappedVaultKey = B64(MAX_WRAPPED_VAULT_KEY, 'The vault key sealed for one member (HPKE, RFC 9180), base64url');
/** A vault name sealed under the vault key by the client. */
export const MAX_ENCRYPTED_NAME = 1024;
const EncryptedName = B64(MAX_ENCRYPTED_NAME, 'The vault name sealed under the vault key, base64url');
/** Organisation names are visible to the server (an invitee sees the name before holding any key). */
export const OrgName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'Organisation name (plain text, seen by the server)' });
export const KeyVersion = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: 'Version of the vault key an item or a wrapped key belongs to' });

export const ORG_ROLES = ['owner', 'admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const OrgRoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
/** Roles an invitation or a role change may give (ownership is given by changing an accepted member's role). */
export const MEMBER_STATES = ['invited', 'accepted', 'confirmed'] as const;
export type MemberState = (typeof MEMBER_STATES)[number];
export const MemberStateSchema = Type.Union([Type.Literal('invited'), Type.Literal('accepted'), Type.Literal('confirmed')]);
export const VAULT_ACCESS = ['read', 'edit', 'manage'] as const;
export type VaultAccess = (typeof VAULT_ACCESS)[number];
export const VaultAccessSchema = Type.Union([Type.Literal('read'), Type.Literal('edit'), Type.Literal('manage')]);

// ——— User key pair (sharing keys) ———

/**
 * The user's sharing keys. `keySignature` is Ed25519 (by `ed25519PublicKey`) over the domain-separated message
 * `sharingKeyMessage(userId, x25519PublicKey)` (keys.ts in this package); the server verifies it on registration.
 */
export const RegisterKeysRequest = Type.Object(
  {
    x25519PublicKey: RawPublicKey,
    ed25519PublicKey: RawPublicKey,
    keySignature: Ed25519Signature,
    wrappedPrivateKeys: B64(MAX_WRAPPED_PRIVATE_KEYS, 'Both private keys sealed by the client under the account key, base64url'),
    /** Replacing registered keys needs a fresh authentication (POST /api/v1/auth/reauth/finish). */
    reauthToken: Type.Optional(B64(64)),
  },
  strict,
);
export type RegisterKeysRequest = Static<typeof RegisterKeysRequest>;

export const PublicKeys = Type.Object(
  { userId: Uuid, x25519PublicKey: RawPublicKey, ed25519PublicKey: RawPublicKey, keySignature: Ed25519Signature, registeredAt: Timestamp },
  strict,
);
export type PublicKeys = Static<typeof PublicKeys>;

/** The caller's own sharing keys, with the sealed private halves (the account response carries the same). */
export const OwnKeys = Type.Object(
  {
    x25519PublicKey: RawPublicKey,
    ed25519PublicKey: RawPublicKey,
    keySignature: Ed25519Signature,
    wrappedPrivateKeys: B64(MAX_WRAPPED_PRIVATE_KEYS),
    registeredAt: Timestamp,
  },
  strict,
);
export type OwnKeys = Static<typeof OwnKeys>;
export const OwnKeysResponse = Type.Object({ keys: Type.Union([OwnKeys, Type.Null()]) }, strict);
export type OwnKeysResponse = Static<typeof OwnKeysResponse>;
export const PublicKeysResponse = Type.Object({ keys: PublicKeys }, strict);
export type PublicKeysResponse = Static<typeof PublicKeysResponse>;
export const UserParams = Type.Object({ userId: Uuid }, strict);

// ——— Organisations ———

export const OrgParams = Type.Object({ orgId: Uuid }, strict);
export const MemberParams = Type.Object({ orgId: Uuid, memberId: Uuid }, strict);

export const Org = Type.Object(
  {
    id: Uuid,
    name: OrgName,
    /** The caller's own role and state in it. */
    role: OrgRoleSchema,
    state: MemberStateSchema,
    memberCount: Type.Integer({ minimum: 0 }),
    vaultCount: Type.Integer({ minimum: 0 }),
    createdAt: Timestamp,
  },
  strict,
);
export type Org = Static<typeof Org>;
export const OrgResponse = Type.Object({ org: Org }, strict);
export type OrgResponse = Static<typeof OrgResponse>;
export const OrgListResponse = Type.Object({ orgs: Type.Array(Org) }, strict);
export type OrgListResponse = Static<typeof OrgListResponse>;

export const CreateOrgRequest = Type.Object({ id: Uuid, name: OrgName }, strict);
export type CreateOrgRequest = Static<typeof CreateOrgRequest>;
export const RenameOrgRequest = Type.Object({ name: OrgName }, strict);
export type RenameOrgRequest = Static<typeof RenameOrgRequest>;

/** Always answered the same way (202), whether or not an account holds the address (no enumeration). */
export const InviteRequest = Type.Object({ email: Email, role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }, strict);
export type InviteRequest = Static<typeof InviteRequest>;

/** An invitation addressed to the caller's (verified) e-mail address. */
export const Invitation = Type.Object(
  { orgId: Uuid, orgName: OrgName, memberId: Uuid, role: OrgRoleSchema, invitedAt: Timestamp },
  strict,
);
export type Invitation = Static<typeof Invitation>;
export const InvitationListResponse = Type.Object({ invitations: Type.Array(Invitation) }, strict);
export type InvitationListResponse = Static<typeof InvitationListResponse>;

export const Member = Type.Object(
  {
    id: Uuid,
    /** null while invited (the invitation names an e-mail address, not an account). */
    userId: Type.Union([Uuid, Type.Null()]),
    email: Type.String({ maxLength: 254 }),
    role: OrgRoleSchema,
    state: MemberStateSchema,
    /** The member's public keys once accepted, for the confirmation fingerprint. */
    keys: Type.Union([PublicKeys, Type.Null()]),
    invitedAt: Timestamp,
    acceptedAt: Type.Union([Timestamp, Type.Null()]),
    confirmedAt: Type.Union([Timestamp, Type.Null()]),
  },
  strict,
);
export type Member = Static<typeof Member>;
export const MemberListResponse = Type.Object({ members: Type.Array(Member) }, strict);
export type MemberListResponse = Static<typeof MemberListResponse>;
export const MemberResponse = Type.Object({ member: Member }, strict);
export type MemberResponse = Static<typeof MemberResponse>;

/** One vault key handed to a member: the vault, the access given, and the key (of the vault's current version) sealed for them. */
export const VaultGrant = Type.Object({ vaultId: Uuid, access: VaultAccessSchema, keyVersion: KeyVersion, wrappedKey: WrappedVaultKey }, strict);
export type VaultGrant = Static<typeof VaultGrant>;
export const MAX_GRANTS = 200;
export const ConfirmMemberRequest = Type.Object({ grants: Type.Array(VaultGrant, { maxItems: MAX_GRANTS }) }, strict);
export type ConfirmMemberRequest = Static<typeof ConfirmMemberRequest>;
export const ChangeRoleRequest = Type.Object({ role: OrgRoleSchema }, strict);
export type ChangeRoleRequest = Static<typeof ChangeRoleRequest>;

export const OrgAuditQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Events strictly before this time (ms), for paging' })),
    limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,1}|100)$' })),
  },
  strict,
);
export type OrgAuditQuery = Static<typeof OrgAuditQuery>;
export const OrgAuditEvent = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    at: Timestamp,
    action: Type.String({ maxLength: 64 }),
    actorId: Type.Union([Uuid, Type.Null()]),
    /** The member, vault or organisation acted on. */
    targetId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
    metadata: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  },
  strict,
);
export type OrgAuditEvent = Static<typeof OrgAuditEvent>;
export const OrgAuditResponse = Type.Object({ events: Type.Array(OrgAuditEvent) }, strict);
export type OrgAuditResponse = Static<typeof OrgAuditResponse>;

// ——— Shared vaults ———

export const VaultParams = Type.Object({ vaultId: Uuid }, strict);
export const VaultMemberParams = Type.Object({ vaultId: Uuid, userId: Uuid }, strict);
export const VaultItemParams = Type.Object({ vaultId: Uuid, id: Uuid }, strict);

/** A shared vault as one member sees it: with that member's access and sealed key. */
export const SharedVault = Type.Object(
  {
    id: Uuid,
    orgId: Uuid,
    encryptedName: EncryptedName,
    /** The vault's current key version: items written now must carry it. */
    keyVersion: KeyVersion,
    /** The vault's change counter (the cursor of its items in POST /api/v1/vaults/sync). */
    revision: Type.Integer({ minimum: 0 }),
    access: VaultAccessSchema,
    /** The caller's sealed key, and its version (older than keyVersion until a rotation wraps the new key for them). */
    memberKeyVersion: KeyVersion,
    wrappedKey: WrappedVaultKey,
    /**
     * Since when the vault owes a key rotation (a member lost access; the current key is one they held), or null.
     * While set, new content is refused (VAULT_ROTATION_PENDING); a member with `manage` rotates (POST …/rotate).
     */
    rotationPendingSince: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
  },
  strict,
);
export type SharedVault = Static<typeof SharedVault>;
export const SharedVaultResponse = Type.Object({ vault: SharedVault }, strict);
export type SharedVaultResponse = Static<typeof SharedVaultResponse>;

/** A vault of an organisation as its owners and admins see it (whether or not they are members of it). */
export const OrgVault = Type.Object(
  {
    id: Uuid,
    orgId: Uuid,
    encryptedName: EncryptedName,
    keyVersion: KeyVersion,
    memberCount: Type.Integer({ minimum: 0 }),
    access: Type.Union([VaultAccessSchema, Type.Null()]),
    /** As in SharedVault: since when a key rotation is owed, or null. */
    rotationPendingSince: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
  },
  strict,
);
export type OrgVault = Static<typeof OrgVault>;
export const OrgVaultListResponse = Type.Object({ vaults: Type.Array(OrgVault) }, strict);
export type OrgVaultListResponse = Static<typeof OrgVaultListResponse>;

/** The creator becomes a `manage` member, with the key sealed for itself (key version 1). */
export const CreateVaultRequest = Type.Object({ id: Uuid, encryptedName: EncryptedName, wrappedKey: WrappedVaultKey }, strict);
export type CreateVaultRequest = Static<typeof CreateVaultRequest>;
export const RenameVaultRequest = Type.Object({ encryptedName: EncryptedName }, strict);
export type RenameVaultRequest = Static<typeof RenameVaultRequest>;

export const VaultMember = Type.Object(
  { userId: Uuid, email: Type.String({ maxLength: 254 }), access: VaultAccessSchema, keyVersion: KeyVersion, keys: Type.Union([PublicKeys, Type.Null()]) },
  strict,
);
export type VaultMember = Static<typeof VaultMember>;
export const VaultMemberListResponse = Type.Object({ members: Type.Array(VaultMember) }, strict);
export type VaultMemberListResponse = Static<typeof VaultMemberListResponse>;

/** Adds (or re-keys) a confirmed organisation member: the vault key of `keyVersion` (the current one) sealed for them. */
export const ShareVaultRequest = Type.Object({ access: VaultAccessSchema, keyVersion: KeyVersion, wrappedKey: WrappedVaultKey }, strict);
export type ShareVaultRequest = Static<typeof ShareVaultRequest>;
export const ChangeAccessRequest = Type.Object({ access: VaultAccessSchema }, strict);
export type ChangeAccessRequest = Static<typeof ChangeAccessRequest>;

export const MAX_ROTATE_ITEMS = 500;
/**
 * Key rotation: `keyVersion` must be the current one + 1 (a compare-and-swap: of two managers rotating at once, one
 * gets KEY_VERSION_MISMATCH and syncs again); `wrappedKeys` must name every remaining member exactly once
 * (the caller included). Items re-encrypted under the new key may come in the same batch (each with the revision the
 * client read; a conflict refuses the whole rotation); items not re-encrypted keep their older key version.
 */
export const RotateVaultRequest = Type.Object(
  {
    keyVersion: KeyVersion,
    wrappedKeys: Type.Array(Type.Object({ userId: Uuid, wrappedKey: WrappedVaultKey }, strict), { minItems: 1, maxItems: 1000 }),
    items: Type.Optional(
      Type.Array(Type.Object({ id: Uuid, revision: Type.Integer({ minimum: 1, maximum: 2 ** 31 }), data: B64(MAX_ITEM_DATA) }, strict), { maxItems: MAX_ROTATE_ITEMS }),
    ),
  },
  strict,
);
export type RotateVaultRequest = Static<typeof RotateVaultRequest>;

// ——— Shared items ———

/** An item of a shared vault: an item (see items.ts) with the version of the vault key it is sealed under. */
export const SharedItem = Type.Object({ ...Item.properties, keyVersion: KeyVersion }, strict);
export type SharedItem = Static<typeof SharedItem>;
export const SharedItemResponse = Type.Object({ item: SharedItem }, strict);
export type SharedItemResponse = Static<typeof SharedItemResponse>;
export const CreateSharedItemRequest = Type.Object({ id: Uuid, keyVersion: KeyVersion, data: B64(MAX_ITEM_DATA) }, strict);
export type CreateSharedItemRequest = Static<typeof CreateSharedItemRequest>;
export const UpdateSharedItemRequest = Type.Object(
  { revision: Type.Integer({ minimum: 1, maximum: 2 ** 31, description: 'The revision the client last saw' }), keyVersion: KeyVersion, data: B64(MAX_ITEM_DATA) },
  strict,
);
export type UpdateSharedItemRequest = Static<typeof UpdateSharedItemRequest>;

/**
 * Moves an item between vaults (personal ↔ shared, shared ↔ shared), atomically: the source item is purged (a
 * tombstone in its vault's sync) and the target item created under a new id, re-encrypted by the client under the
 * target vault's key (the AAD binds vault and item id). Needs `edit` on both sides (the personal vault: its owner).
 */
export const MoveItemRequest = Type.Object(
  {
    from: Type.Object({ vaultId: Uuid, id: Uuid, revision: Type.Integer({ minimum: 1, maximum: 2 ** 31 }) }, strict),
    to: Type.Object({ vaultId: Uuid, id: Uuid, keyVersion: Type.Optional(KeyVersion), data: B64(MAX_ITEM_DATA) }, strict),
  },
  strict,
);
export type MoveItemRequest = Static<typeof MoveItemRequest>;
export const MoveItemResponse = Type.Object({ item: Item, keyVersion: Type.Union([KeyVersion, Type.Null()]) }, strict);
export type MoveItemResponse = Static<typeof MoveItemResponse>;

// ——— Sync of shared vaults ———

export const MAX_SYNC_VAULTS = 1000;
/**
 * The shared-vault sync: the client sends the revision it holds of each shared vault; the answer lists every vault the
 * caller reaches now (with its access and sealed key), the vaults it named that it no longer reaches (`gone`: drop
 * their items and keys), and the items changed since (all items of a vault not named; tombstones included). Personal
 * items keep their own sync (GET /api/v1/items).
 */
export const SharedSyncRequest = Type.Object(
  { known: Type.Array(Type.Object({ vaultId: Uuid, revision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }, strict), { maxItems: MAX_SYNC_VAULTS }) },
  strict,
);
export type SharedSyncRequest = Static<typeof SharedSyncRequest>;
export const SharedSyncResponse = Type.Object(
  { vaults: Type.Array(SharedVault), gone: Type.Array(Uuid), items: Type.Array(SharedItem) },
  strict,
);
export type SharedSyncResponse = Static<typeof SharedSyncResponse>;

/**
 * Most vaults the query form of the sync (GET /api/v1/vaults/sync?known=…) takes: ~5.4 KB of URL at 100, well inside
 * every server's and proxy's URL limit. More vaults go in the POST's body.
 */
export const MAX_SYNC_QUERY_VAULTS = 100;
/** A vault id and a revision: the entry of the query form, for the schema and the parser alike. */
const KNOWN_REVISION = '0|[1-9][0-9]{0,15}';
const KNOWN_ENTRY = `${UUID_PATTERN}:(?:${KNOWN_REVISION})`;
/** One vault as `vaultId:revision`, comma-separated. The revision's own bound (2^53 − 1) is checked on parsing. */
const KNOWN_LIST_MAX_LENGTH = MAX_SYNC_QUERY_VAULTS * (36 + 1 + 16 + 1);
/**
 * The same sync as SharedSyncRequest with the known vaults in the query, for up to MAX_SYNC_QUERY_VAULTS of them: a GET
 * with nothing to read after its headers cost the server ~30–40 µs less per request than the POST with a body
 * (docs/performance.md "Shared vaults"). Absent: no vault known (a first sync).
 */
export const SharedSyncQuery = Type.Object(
  { known: Type.Optional(Type.String({ pattern: `^${KNOWN_ENTRY}(?:,${KNOWN_ENTRY}){0,${MAX_SYNC_QUERY_VAULTS - 1}}$`, maxLength: KNOWN_LIST_MAX_LENGTH })) },
  strict,
);
export type SharedSyncQuery = Static<typeof SharedSyncQuery>;

export type KnownVault = SharedSyncRequest['known'][number];

const KNOWN_ENTRY_EXACT = new RegExp(`^(${UUID_PATTERN}):(${KNOWN_REVISION})$`);

/** Whether `known` names each vault once: both forms of the sync refuse a list that names one twice. */
export function namesEachVaultOnce(known: readonly KnownVault[]): boolean {
  return new Set(known.map((k) => k.vaultId)).size === known.length;
}

/** The query form of `known` (see SharedSyncQuery); undefined for an empty list. */
export function encodeKnownVaults(known: readonly KnownVault[]): string | undefined {
  return known.length === 0 ? undefined : known.map((k) => `${k.vaultId}:${k.revision}`).join(',');
}

/**
 * `known` back from the query form, or undefined when it is not one: more than MAX_SYNC_QUERY_VAULTS entries, a
 * malformed entry, a revision above 2^53 − 1, or a vault named twice. The schema checks the form already; this is the
 * one parser of it, for the server.
 */
export function decodeKnownVaults(value: string | undefined): KnownVault[] | undefined {
  if (value === undefined) return [];
  if (value.length > KNOWN_LIST_MAX_LENGTH) return undefined;
  const entries = value.split(',');
  if (entries.length > MAX_SYNC_QUERY_VAULTS) return undefined;
  const known: KnownVault[] = [];
  for (const entry of entries) {
    const match = KNOWN_ENTRY_EXACT.exec(entry);
    if (!match) return undefined;
    const revision = Number(match[2]);
    if (!Number.isSafeInteger(revision)) return undefined;
    known.push({ vaultId: match[1] as string, revision });
  }
  return namesEachVaultOnce(known) ? known : undefined;
}
