import Type, { type Static } from 'typebox';
import { B64, Email, Uuid, strict } from './common.ts';

// Sizes of OPAQUE messages for ristretto255/SHA-512 (RFC 9807 §6) are fixed and small; bounds leave headroom.
const OpaqueMessage = B64(1024, 'OPAQUE protocol message, base64url');
const WrappedKey = B64(4096, 'Key material sealed on the client (AES-256-GCM envelope), base64url');
const Salt = B64(128, 'Random salt, base64url');
const PublicKey = B64(256, 'Raw public key, base64url');
const DeviceName = Type.String({ minLength: 1, maxLength: 128 });

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
  { registrationId: B64(64), registrationRecord: OpaqueMessage, kdfVersion: KdfVersion, keys: AccountKeysInput },
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
