import Type, { type Static } from 'typebox';
import { B64, Timestamp, Uuid, strict } from './common.ts';
import { KdfVersion, OpaqueMessageSchema, SealedAccountData, TotpCode } from './auth.ts';
import { OwnKeys } from './orgs.ts';
import { WebauthnRegistrationOptions, WebauthnRegistrationResponse } from './webauthn.ts';

const WrappedKey = B64(4096);

export const VaultInfo = Type.Object(
  { id: Uuid, kind: Type.Literal('personal'), wrappedKey: WrappedKey, createdAt: Timestamp },
  strict,
);
export type VaultInfo = Static<typeof VaultInfo>;

export const AccountResponse = Type.Object(
  {
    userId: Uuid,
    email: Type.String(),
    createdAt: Timestamp,
    kdfVersion: KdfVersion,
    keys: Type.Object(
      {
        kekSalt: B64(128),
        wrappedAccountKey: WrappedKey,
        x25519PublicKey: B64(256),
        ed25519PublicKey: B64(256),
        wrappedX25519PrivateKey: WrappedKey,
        wrappedEd25519PrivateKey: WrappedKey,
      },
      strict,
    ),
    vaults: Type.Array(VaultInfo),
    revision: Type.Integer({ minimum: 0 }),
    emailVerified: Type.Boolean(),
    /** Client-sealed account data (password history, key pins); null until the client first stores it. */
    accountData: Type.Union([Type.String(), Type.Null()]),
    /** The account data's revision: PUT /api/v1/account/data names it (compare-and-swap). */
    accountDataRevision: Type.Integer({ minimum: 0 }),
    /** The signed sharing keys with their sealed private halves (PUT /api/v1/account/keys); null until registered. */
    sharingKeys: Type.Union([OwnKeys, Type.Null()]),
  },
  strict,
);
export type AccountResponse = Static<typeof AccountResponse>;

/**
 * Replaces the client-sealed account data, only if it is still at `revision` (the one the client read): otherwise 409
 * ACCOUNT_DATA_CONFLICT, and the client reads it again, merges its change into it and retries (account-data.ts).
 */
export const WriteAccountDataRequest = Type.Object(
  { accountData: SealedAccountData, revision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'The revision the client read' }) },
  strict,
);
export type WriteAccountDataRequest = Static<typeof WriteAccountDataRequest>;
export const WriteAccountDataResponse = Type.Object({ revision: Type.Integer({ minimum: 1 }) }, strict);
export type WriteAccountDataResponse = Static<typeof WriteAccountDataResponse>;

const ReauthToken = B64(64, 'From POST /api/v1/auth/reauth/finish');

export const PasswordChangeStartRequest = Type.Object({ reauthToken: ReauthToken, registrationRequest: OpaqueMessageSchema }, strict);
export type PasswordChangeStartRequest = Static<typeof PasswordChangeStartRequest>;
export const PasswordChangeStartResponse = Type.Object({ changeId: B64(64), registrationResponse: OpaqueMessageSchema }, strict);
export type PasswordChangeStartResponse = Static<typeof PasswordChangeStartResponse>;

/** The new OPAQUE record and the account key re-wrapped under the new KEK; no item is re-encrypted. */
export const PasswordChangeFinishRequest = Type.Object(
  {
    changeId: B64(64),
    registrationRecord: OpaqueMessageSchema,
    kdfVersion: KdfVersion,
    kekSalt: B64(128),
    wrappedAccountKey: WrappedKey,
    accountData: SealedAccountData,
    /**
     * The account data revision `accountData` was made from: when another device wrote since (key pins), the change is
     * refused (ACCOUNT_DATA_CONFLICT) rather than overwrite what it wrote.
     */
    accountDataRevision: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  strict,
);
export type PasswordChangeFinishRequest = Static<typeof PasswordChangeFinishRequest>;
export const PasswordChangeFinishResponse = Type.Object({ ok: Type.Literal(true), revokedSessions: Type.Integer({ minimum: 0 }) }, strict);
export type PasswordChangeFinishResponse = Static<typeof PasswordChangeFinishResponse>;

export const ReauthRequest = Type.Object({ reauthToken: ReauthToken }, strict);
export type ReauthRequest = Static<typeof ReauthRequest>;

export const WebauthnCredentialInfo = Type.Object(
  { id: B64(1366), name: Type.String({ maxLength: 64 }), createdAt: Timestamp, lastUsedAt: Type.Union([Timestamp, Type.Null()]) },
  strict,
);
export type WebauthnCredentialInfo = Static<typeof WebauthnCredentialInfo>;

export const MfaStatusResponse = Type.Object(
  {
    totp: Type.Object({ enabled: Type.Boolean(), pending: Type.Boolean() }, strict),
    webauthn: Type.Array(WebauthnCredentialInfo),
    backupCodes: Type.Object({ remaining: Type.Integer({ minimum: 0 }) }, strict),
  },
  strict,
);
export type MfaStatusResponse = Static<typeof MfaStatusResponse>;

export const TotpEnrolResponse = Type.Object(
  { secret: Type.String({ maxLength: 128 }), otpauthUri: Type.String({ maxLength: 512 }) },
  strict,
);
export type TotpEnrolResponse = Static<typeof TotpEnrolResponse>;

export const TotpCodeRequest = Type.Object({ code: TotpCode }, strict);
export type TotpCodeRequest = Static<typeof TotpCodeRequest>;

/** Backup codes are shown once: when the first factor is enabled, and on regeneration. */
export const BackupCodes = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 });
export const FactorEnabledResponse = Type.Object({ ok: Type.Literal(true), backupCodes: Type.Optional(BackupCodes) }, strict);
export type FactorEnabledResponse = Static<typeof FactorEnabledResponse>;
export const BackupCodesResponse = Type.Object({ backupCodes: BackupCodes }, strict);
export type BackupCodesResponse = Static<typeof BackupCodesResponse>;

export const WebauthnOptionsResponse = Type.Object({ options: WebauthnRegistrationOptions }, strict);
export type WebauthnOptionsResponse = Static<typeof WebauthnOptionsResponse>;
export const WebauthnAddRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }), response: WebauthnRegistrationResponse },
  strict,
);
export type WebauthnAddRequest = Static<typeof WebauthnAddRequest>;
export const WebauthnAddResponse = Type.Object(
  { ok: Type.Literal(true), credential: WebauthnCredentialInfo, backupCodes: Type.Optional(BackupCodes) },
  strict,
);
export type WebauthnAddResponse = Static<typeof WebauthnAddResponse>;
export const WebauthnParams = Type.Object({ id: B64(1366) }, strict);

export const DeleteAccountRequest = Type.Object(
  { reauthToken: ReauthToken, confirmEmail: Type.String({ minLength: 3, maxLength: 254 }) },
  strict,
);
export type DeleteAccountRequest = Static<typeof DeleteAccountRequest>;

/** The export formats of the SDK (packages/client/src/export); the server records which one, never the content. */
export const EXPORT_FORMATS = ['json', 'csv', 'encrypted-json', 'bitwarden-json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const ExportFormatSchema = Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('encrypted-json'), Type.Literal('bitwarden-json')]);

/**
 * An export is made on the client (the server cannot read the vault); it is announced first, after fresh
 * authentication, so that the audit log records it: the format and how many items, nothing of their content.
 */
export const ExportEventRequest = Type.Object(
  { reauthToken: ReauthToken, format: ExportFormatSchema, items: Type.Integer({ minimum: 0, maximum: 1_000_000 }) },
  strict,
);
export type ExportEventRequest = Static<typeof ExportEventRequest>;

export const SecurityEvent = Type.Object(
  {
    at: Timestamp,
    action: Type.String(),
    outcome: Type.String(),
    ip: Type.String(),
    userAgent: Type.String(),
  },
  strict,
);
export const SecurityActivityResponse = Type.Object({ events: Type.Array(SecurityEvent) }, strict);
export type SecurityActivityResponse = Static<typeof SecurityActivityResponse>;
