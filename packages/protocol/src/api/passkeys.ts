import Type, { type Static } from 'typebox';
import { TokenResponse } from './auth.ts';
import { B64, Timestamp, Uuid, strict } from './common.ts';
import { WebauthnAuthenticationOptions, WebauthnAuthenticationResponse, WebauthnRegistrationOptions, WebauthnRegistrationResponse, WebauthnTransports } from './webauthn.ts';

/*
 * Passkeys that sign in and unlock (issue 22): a discoverable WebAuthn credential with user verification, whose PRF
 * output (WebAuthn L3 §10.1.4) the CLIENT turns into a key that wraps the account key. The server keeps the credential
 * and the wrapped key, an opaque blob it cannot open (docs/crypto.md "Passkey unlock"); it never sees the PRF output.
 */

/** A credential id is at most 1023 bytes (WebAuthn §4): 1364 base64url characters. */
const CredentialId = B64(1364, 'Credential id, base64url');
/**
 * The account key sealed by the client (AES-256-GCM envelope of 32 bytes: 61 bytes, 82 base64url characters);
 * bounded with room for a later envelope version, never interpreted by the server.
 */
export const PasskeyWrappedKey = B64(256, 'The account key wrapped under the passkey PRF key (client-sealed, opaque to the server)');
const PasskeyName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const DeviceName = Type.String({ minLength: 1, maxLength: 128 });

export const PasskeyInfo = Type.Object(
  {
    id: CredentialId,
    name: Type.String({ maxLength: 64 }),
    transports: WebauthnTransports,
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
    wrappedAccountKey: PasskeyWrappedKey,
  },
  strict,
);
export type PasskeyInfo = Static<typeof PasskeyInfo>;

export const PasskeyListResponse = Type.Object({ passkeys: Type.Array(PasskeyInfo, { maxItems: 100 }) }, strict);
export type PasskeyListResponse = Static<typeof PasskeyListResponse>;

export const PasskeyOptionsResponse = Type.Object({ options: WebauthnRegistrationOptions }, strict);
export type PasskeyOptionsResponse = Static<typeof PasskeyOptionsResponse>;

export const PasskeyAddRequest = Type.Object({ name: PasskeyName, response: WebauthnRegistrationResponse, wrappedAccountKey: PasskeyWrappedKey }, strict);
export type PasskeyAddRequest = Static<typeof PasskeyAddRequest>;
export const PasskeyAddResponse = Type.Object({ ok: Type.Literal(true), passkey: PasskeyInfo }, strict);
export type PasskeyAddResponse = Static<typeof PasskeyAddResponse>;

export const PasskeyParams = Type.Object({ id: CredentialId }, strict);
export type PasskeyParams = Static<typeof PasskeyParams>;

/** Sign-in with a passkey, step 1: no e-mail address, a challenge for any discoverable credential of this RP. */
export const PasskeySignInStartResponse = Type.Object({ signInId: B64(64), options: WebauthnAuthenticationOptions }, strict);
export type PasskeySignInStartResponse = Static<typeof PasskeySignInStartResponse>;

export const PasskeySignInFinishRequest = Type.Object({ signInId: B64(64), response: WebauthnAuthenticationResponse, deviceName: Type.Optional(DeviceName) }, strict);
export type PasskeySignInFinishRequest = Static<typeof PasskeySignInFinishRequest>;

/** The session's tokens, and what the client needs to unwrap the account key with the PRF output it holds. */
export const PasskeySignInFinishResponse = Type.Object(
  { ...TokenResponse.properties, userId: Uuid, credentialId: CredentialId, wrappedAccountKey: PasskeyWrappedKey },
  strict,
);
export type PasskeySignInFinishResponse = Static<typeof PasskeySignInFinishResponse>;
