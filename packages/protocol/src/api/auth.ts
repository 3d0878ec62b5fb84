import Type, { type Static } from 'typebox';
import { B64, Email, Uuid, strict } from './common.ts';
import { WebauthnAuthenticationOptions, WebauthnAuthenticationResponse } from './webauthn.ts';

// Sizes of OPAQUE messages for ristretto255/SHA-512 (RFC 9807 §6) are fixed and small; bounds leave headroom.
const OpaqueMessage = B64(1024, 'OPAQUE protocol message, base64url');
export const OpaqueMessageSchema = OpaqueMessage;
const WrappedKey = B64(4096, 'Key material sealed on the client (AES-256-GCM envelope), base64url');
const Salt = B64(128, 'Random salt, base64url');
const PublicKey = B64(256, 'Raw public key, base64url');
const DeviceName = Type.String({ minLength: 1, maxLength: 128 });
/** A value only the recovery key yields (32 bytes, base64url): proves possession at recovery. */
export const RecoveryVerifier = B64(64, 'HKDF output of the recovery key, base64url');
/** Client-sealed account data (password-history fingerprints), opaque to the server. */
/** Sealed account data (password history and key pins, account-data.ts), base64url: at most 128 KiB of text. */
export const MAX_SEALED_ACCOUNT_DATA = 131072;
export const SealedAccountData = B64(MAX_SEALED_ACCOUNT_DATA, 'Account data sealed on the client, base64url');
/** A random single-use token (32 bytes, base64url). */
export const OneTimeToken = Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 43, maxLength: 64 });

export const KdfVersion = Type.Integer({ minimum: 0, maximum: 1000, description: 'Client key-stretching profile' });

export const RegisterStartRequest = Type.Object({ email: Email, registrationRequest: OpaqueMessage }, strict);
export type RegisterStartRequest = Static<typeof RegisterStartRequest>;

export const RegisterStartResponse = Type.Object(
  { registrationId: B64(64), userId: Uuid, registrationResponse: OpaqueMessage },
  strict,
);
export type RegisterStartResponse = Static<typeof RegisterStartResponse>;

export const AccountKeysInput = Type.Object(
  {
    kekSalt: Salt,
    wrappedAccountKey: WrappedKey,
    recoverySalt: Salt,
    recoveryWrappedKey: WrappedKey,
    recoveryVerifier: RecoveryVerifier,
    x25519PublicKey: PublicKey,
    ed25519PublicKey: PublicKey,
    wrappedX25519PrivateKey: WrappedKey,
    wrappedEd25519PrivateKey: WrappedKey,
    personalVault: Type.Object({ id: Uuid, wrappedKey: WrappedKey }, strict),
  },
  strict,
);
export type AccountKeysInput = Static<typeof AccountKeysInput>;

export const RegisterFinishRequest = Type.Object(
  {
    registrationId: B64(64),
    registrationRecord: OpaqueMessage,
    kdfVersion: KdfVersion,
    keys: AccountKeysInput,
    accountData: Type.Optional(SealedAccountData),
  },
  strict,
);
export type RegisterFinishRequest = Static<typeof RegisterFinishRequest>;

/** Identical for a new and an already-registered address (no enumeration). */
export const RegisterFinishResponse = Type.Object({ userId: Uuid }, strict);
export type RegisterFinishResponse = Static<typeof RegisterFinishResponse>;

export const LoginStartRequest = Type.Object({ email: Email, startLoginRequest: OpaqueMessage }, strict);
export type LoginStartRequest = Static<typeof LoginStartRequest>;

export const LoginStartResponse = Type.Object(
  { loginId: B64(64), loginResponse: OpaqueMessage, kdfVersion: KdfVersion },
  strict,
);
export type LoginStartResponse = Static<typeof LoginStartResponse>;

export const LoginFinishRequest = Type.Object(
  { loginId: B64(64), finishLoginRequest: OpaqueMessage, deviceName: Type.Optional(DeviceName) },
  strict,
);
export type LoginFinishRequest = Static<typeof LoginFinishRequest>;

export const TokenResponse = Type.Object(
  {
    accessToken: Type.String({ maxLength: 4096 }),
    refreshToken: Type.String({ maxLength: 256 }),
    expiresIn: Type.Integer({ minimum: 1 }),
    tokenType: Type.Union([Type.Literal('Bearer'), Type.Literal('DPoP')], { description: 'DPoP when the tokens are bound to the client key (RFC 9449 §5)' }),
  },
  strict,
);
export type TokenResponse = Static<typeof TokenResponse>;

export const RefreshTokenString = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_.-]+$' });

export const RefreshRequest = Type.Object({ refreshToken: RefreshTokenString }, strict);
export type RefreshRequest = Static<typeof RefreshRequest>;

export const LogoutRequest = Type.Object({}, strict);

export const MfaMethod = Type.Union([Type.Literal('totp'), Type.Literal('backup_code'), Type.Literal('webauthn')]);
export type MfaMethod = Static<typeof MfaMethod>;

/** login/finish with a second factor enabled: no tokens yet, a short-lived single-use token for POST /auth/mfa. */
export const MfaChallengeResponse = Type.Object(
  {
    mfaRequired: Type.Literal(true),
    mfaToken: B64(64),
    expiresIn: Type.Integer({ minimum: 1 }),
    methods: Type.Array(MfaMethod, { maxItems: 3 }),
    webauthn: Type.Optional(WebauthnAuthenticationOptions),
  },
  strict,
);
export type MfaChallengeResponse = Static<typeof MfaChallengeResponse>;

export const LoginFinishResponse = Type.Union([TokenResponse, MfaChallengeResponse]);
export type LoginFinishResponse = Static<typeof LoginFinishResponse>;

export const TotpCode = Type.String({ pattern: '^[0-9]{6}$', minLength: 6, maxLength: 6 });
/** Backup codes as typed: Crockford base32 with optional separators, case-insensitive. */
export const BackupCodeInput = Type.String({ pattern: '^[A-Za-z0-9 -]+$', minLength: 8, maxLength: 32 });

export const MfaRequest = Type.Union([
  Type.Object({ mfaToken: B64(64), method: Type.Literal('totp'), code: TotpCode }, strict),
  Type.Object({ mfaToken: B64(64), method: Type.Literal('backup_code'), code: BackupCodeInput }, strict),
  Type.Object({ mfaToken: B64(64), method: Type.Literal('webauthn'), response: WebauthnAuthenticationResponse }, strict),
]);
export type MfaRequest = Static<typeof MfaRequest>;

/** Fresh authentication for sensitive operations: an OPAQUE login by the signed-in user, answered with a token. */
export const ReauthStartRequest = Type.Object({ startLoginRequest: OpaqueMessage }, strict);
export type ReauthStartRequest = Static<typeof ReauthStartRequest>;
export const ReauthFinishRequest = Type.Object({ loginId: B64(64), finishLoginRequest: OpaqueMessage }, strict);
export type ReauthFinishRequest = Static<typeof ReauthFinishRequest>;
export const ReauthFinishResponse = Type.Object({ reauthToken: B64(64), expiresIn: Type.Integer({ minimum: 1 }) }, strict);
export type ReauthFinishResponse = Static<typeof ReauthFinishResponse>;

export const VerifyEmailRequest = Type.Object({ token: OneTimeToken }, strict);
export type VerifyEmailRequest = Static<typeof VerifyEmailRequest>;

/** Always the same answer, whether or not the address has an account (no enumeration). */
export const RecoveryRequest = Type.Object({ email: Email }, strict);
export type RecoveryRequest = Static<typeof RecoveryRequest>;
export const AcceptedResponse = Type.Object({ accepted: Type.Literal(true) }, strict);

export const RecoveryStartRequest = Type.Object({ token: OneTimeToken, registrationRequest: OpaqueMessage }, strict);
export type RecoveryStartRequest = Static<typeof RecoveryStartRequest>;
export const RecoveryStartResponse = Type.Object(
  {
    recoveryId: B64(64),
    userId: Uuid,
    registrationResponse: OpaqueMessage,
    recoverySalt: Salt,
    recoveryWrappedKey: WrappedKey,
    /** False for accounts made before recovery proofs: only the vault reset is possible. */
    recoveryAvailable: Type.Boolean(),
  },
  strict,
);
export type RecoveryStartResponse = Static<typeof RecoveryStartResponse>;

const NewPassword = {
  recoveryId: B64(64),
  registrationRecord: OpaqueMessage,
  kdfVersion: KdfVersion,
  accountData: Type.Optional(SealedAccountData),
};

/** New password with the recovery key: proves the old key, sends the new password wrap and a rotated recovery wrap. */
export const RecoveryFinishRequest = Type.Object(
  {
    ...NewPassword,
    recoveryVerifier: RecoveryVerifier,
    keys: Type.Object(
      { kekSalt: Salt, wrappedAccountKey: WrappedKey, recoverySalt: Salt, recoveryWrappedKey: WrappedKey, recoveryVerifier: RecoveryVerifier },
      strict,
    ),
  },
  strict,
);
export type RecoveryFinishRequest = Static<typeof RecoveryFinishRequest>;

export const VAULT_RESET_CONFIRMATION = 'erase my vault';

/** Without the recovery key: a new account key, every item lost. The confirmation phrase must be sent verbatim. */
export const VaultResetRequest = Type.Object(
  { ...NewPassword, confirm: Type.Literal(VAULT_RESET_CONFIRMATION), keys: AccountKeysInput },
  strict,
);
export type VaultResetRequest = Static<typeof VaultResetRequest>;
