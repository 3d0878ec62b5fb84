import Type, { type Static } from 'typebox';
import { B64, strict } from './common.ts';

/*
 * WebAuthn (passkeys as a second factor) in the JSON forms of WebAuthn Level 3 (§5.1.8 toJSON,
 * RegistrationResponseJSON / AuthenticationResponseJSON) that browsers produce and that
 * @simplewebauthn/server consumes and produces.
 *
 * Request schemas (what the browser sends) reject unknown fields and bound every string.
 * Response schemas (what the server sends) must list every field the server's WebAuthn library
 * returns: Fastify serializes responses with fast-json-stringify, which drops properties that are
 * not in the schema, and a browser handed incomplete options would fail the ceremony.
 */

// --- Bounds ------------------------------------------------------------------------------------

/** A credential id is at most 1023 bytes (WebAuthn §4 "Credential ID"); 1023 bytes are 1364 base64url characters. */
const CredentialId = B64(1364, 'Credential id, base64url');
/** The client data is a small JSON document (type, challenge, origin, crossOrigin, topOrigin). */
const ClientDataJson = B64(8192, 'clientDataJSON, base64url');
/** Authenticator data: 37 bytes plus attested credential data (the COSE key) and extensions. */
const AuthenticatorData = B64(16384, 'Authenticator data, base64url');
/** The attestation object: authenticator data plus an attestation statement (certificate chains for packed/tpm). */
const AttestationObject = B64(65536, 'Attestation object (CBOR), base64url');
/** An SPKI public key: RSA-4096 and ML-DSA keys are a few kilobytes at most. */
const SpkiPublicKey = B64(8192, 'SubjectPublicKeyInfo of the credential public key, base64url');
/** A signature: DER ECDSA, Ed25519, RSA up to 4096 bits or ML-DSA (up to 4627 bytes). */
const Signature = B64(8192, 'Assertion signature, base64url');
/** A user handle is at most 64 bytes (WebAuthn §5.4.3); 86 base64url characters. */
const UserHandle = B64(86, 'User handle, base64url');
/** Challenges are random bytes; 16–64 bytes in practice. */
const Challenge = B64(128, 'Challenge, base64url');

/** A COSE algorithm identifier (IANA "COSE Algorithms": -65536 .. 65535 covers every registered value). */
export const CoseAlgorithm = Type.Integer({ minimum: -65536, maximum: 65535, description: 'COSE algorithm identifier' });

/**
 * Authenticator transports ('usb', 'nfc', 'ble', 'smart-card', 'hybrid', 'internal' today). Kept lenient — any short
 * string — because the list grows and clients must pass unknown values through (WebAuthn §5.8.4).
 */
export const WebauthnTransport = Type.String({ minLength: 1, maxLength: 32, description: 'Authenticator transport' });
export const WebauthnTransports = Type.Array(WebauthnTransport, { maxItems: 8 });

const PublicKeyType = Type.Literal('public-key');
const AuthenticatorAttachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);
const UserVerification = Type.Union([Type.Literal('required'), Type.Literal('preferred'), Type.Literal('discouraged')]);
const ResidentKey = Type.Union([Type.Literal('required'), Type.Literal('preferred'), Type.Literal('discouraged')]);
const Attestation = Type.Union([Type.Literal('none'), Type.Literal('indirect'), Type.Literal('direct'), Type.Literal('enterprise')]);
const AttestationFormat = Type.Union([
  Type.Literal('none'),
  Type.Literal('packed'),
  Type.Literal('tpm'),
  Type.Literal('android-key'),
  Type.Literal('android-safetynet'),
  Type.Literal('fido-u2f'),
  Type.Literal('apple'),
]);
const Hint = Type.Union([Type.Literal('security-key'), Type.Literal('client-device'), Type.Literal('hybrid')]);

// --- Client extension outputs (sent by the browser) --------------------------------------------

/** Only the client extension outputs we know of; anything else is rejected. */
export const WebauthnClientExtensionResults = Type.Object(
  {
    appid: Type.Optional(Type.Boolean()),
    appidExclude: Type.Optional(Type.Boolean()),
    credProps: Type.Optional(Type.Object({ rk: Type.Optional(Type.Boolean()) }, strict)),
    hmacCreateSecret: Type.Optional(Type.Boolean()),
    // PRF results (secrets derived by the authenticator) are never requested by the server, so never accepted.
    prf: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()) }, strict)),
    largeBlob: Type.Optional(
      Type.Object(
        {
          supported: Type.Optional(Type.Boolean()),
          blob: Type.Optional(B64(8192)),
          written: Type.Optional(Type.Boolean()),
        },
        strict,
      ),
    ),
  },
  strict,
);
export type WebauthnClientExtensionResults = Static<typeof WebauthnClientExtensionResults>;

// --- Requests: what navigator.credentials.create()/get() return, as JSON ------------------------

/** RegistrationResponseJSON (WebAuthn L3 §5.1): the result of navigator.credentials.create(). */
export const WebauthnRegistrationResponse = Type.Object(
  {
    id: CredentialId,
    rawId: CredentialId,
    type: PublicKeyType,
    response: Type.Object(
      {
        clientDataJSON: ClientDataJson,
        attestationObject: AttestationObject,
        authenticatorData: Type.Optional(AuthenticatorData),
        transports: Type.Optional(WebauthnTransports),
        publicKeyAlgorithm: Type.Optional(CoseAlgorithm),
        publicKey: Type.Optional(SpkiPublicKey),
      },
      strict,
    ),
    authenticatorAttachment: Type.Optional(AuthenticatorAttachment),
    clientExtensionResults: WebauthnClientExtensionResults,
  },
  strict,
);
export type WebauthnRegistrationResponse = Static<typeof WebauthnRegistrationResponse>;

/** AuthenticationResponseJSON (WebAuthn L3 §5.1): the result of navigator.credentials.get(). */
export const WebauthnAuthenticationResponse = Type.Object(
  {
    id: CredentialId,
    rawId: CredentialId,
    type: PublicKeyType,
    response: Type.Object(
      {
        clientDataJSON: ClientDataJson,
        authenticatorData: AuthenticatorData,
        signature: Signature,
        userHandle: Type.Optional(UserHandle),
      },
      strict,
    ),
    authenticatorAttachment: Type.Optional(AuthenticatorAttachment),
    clientExtensionResults: WebauthnClientExtensionResults,
  },
  strict,
);
export type WebauthnAuthenticationResponse = Static<typeof WebauthnAuthenticationResponse>;

// --- Responses: the options the server sends for navigator.credentials.create()/get() -----------

/** PublicKeyCredentialDescriptorJSON: a credential to exclude (registration) or allow (authentication). */
export const WebauthnCredentialDescriptor = Type.Object(
  { id: CredentialId, type: PublicKeyType, transports: Type.Optional(WebauthnTransports) },
  strict,
);
export type WebauthnCredentialDescriptor = Static<typeof WebauthnCredentialDescriptor>;

/**
 * AuthenticationExtensionsClientInputs the server may ask for: credProps, and `prf: {}` when registering a passkey for
 * unlock (the client adds its own `eval` salt; the server never sends or sees PRF inputs or outputs).
 */
export const WebauthnExtensionInputs = Type.Object(
  {
    prf: Type.Optional(Type.Object({}, strict)),
    appid: Type.Optional(Type.String({ maxLength: 2048 })),
    credProps: Type.Optional(Type.Boolean()),
    hmacCreateSecret: Type.Optional(Type.Boolean()),
    minPinLength: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type WebauthnExtensionInputs = Static<typeof WebauthnExtensionInputs>;

/** PublicKeyCredentialCreationOptionsJSON: input to navigator.credentials.create() (second-factor enrolment). */
export const WebauthnRegistrationOptions = Type.Object(
  {
    challenge: Challenge,
    rp: Type.Object({ name: Type.String({ maxLength: 256 }), id: Type.Optional(Type.String({ maxLength: 253 })) }, strict),
    user: Type.Object(
      {
        id: UserHandle,
        name: Type.String({ maxLength: 256 }),
        displayName: Type.String({ maxLength: 256 }),
      },
      strict,
    ),
    pubKeyCredParams: Type.Array(Type.Object({ alg: CoseAlgorithm, type: PublicKeyType }, strict), { maxItems: 16 }),
    timeout: Type.Optional(Type.Integer({ minimum: 0 })),
    excludeCredentials: Type.Optional(Type.Array(WebauthnCredentialDescriptor, { maxItems: 100 })),
    authenticatorSelection: Type.Optional(
      Type.Object(
        {
          authenticatorAttachment: Type.Optional(AuthenticatorAttachment),
          requireResidentKey: Type.Optional(Type.Boolean()),
          residentKey: Type.Optional(ResidentKey),
          userVerification: Type.Optional(UserVerification),
        },
        strict,
      ),
    ),
    hints: Type.Optional(Type.Array(Hint, { maxItems: 3 })),
    attestation: Type.Optional(Attestation),
    attestationFormats: Type.Optional(Type.Array(AttestationFormat, { maxItems: 8 })),
    extensions: Type.Optional(WebauthnExtensionInputs),
  },
  strict,
);
export type WebauthnRegistrationOptions = Static<typeof WebauthnRegistrationOptions>;

/** PublicKeyCredentialRequestOptionsJSON: input to navigator.credentials.get() (second-factor check). */
export const WebauthnAuthenticationOptions = Type.Object(
  {
    challenge: Challenge,
    timeout: Type.Optional(Type.Integer({ minimum: 0 })),
    rpId: Type.Optional(Type.String({ maxLength: 253 })),
    allowCredentials: Type.Optional(Type.Array(WebauthnCredentialDescriptor, { maxItems: 100 })),
    userVerification: Type.Optional(UserVerification),
    hints: Type.Optional(Type.Array(Hint, { maxItems: 3 })),
    extensions: Type.Optional(WebauthnExtensionInputs),
  },
  strict,
);
export type WebauthnAuthenticationOptions = Static<typeof WebauthnAuthenticationOptions>;
