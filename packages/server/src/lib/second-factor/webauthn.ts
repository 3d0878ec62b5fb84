/**
 * WebAuthn (passkeys / security keys) as a SECOND factor: a thin wrapper around @simplewebauthn/server so that the
 * rest of the server never touches the library, its types or its error messages directly.
 *
 * Policy, fixed here:
 * - attestation 'none' (we do not vet authenticator models), user verification and resident keys 'preferred';
 * - algorithms ES256 (-7), EdDSA (-8), RS256 (-257), offered and accepted alike;
 * - ceremonies time out after five minutes;
 * - user presence is always required; user verification is not (a PIN-less security key is a fine second factor),
 *   except for passkeys that sign in and unlock (`purpose: 'passkey'`: a discoverable credential, user verification
 *   required, the PRF extension requested — issue 22);
 * - every verification failure is INVALID_CREDENTIALS with the library's error as `cause` (logged, never sent).
 *
 * Challenges are returned to the caller, which must store them server-side, bound to the user and single-use.
 */
import type { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import type {
  WebauthnAuthenticationOptions,
  WebauthnAuthenticationResponse,
  WebauthnCredentialDescriptor,
  WebauthnRegistrationOptions,
  WebauthnRegistrationResponse,
} from '@watchword/protocol';
import { WatchwordError, fromBase64Url, fromHex, toBase64Url } from '@watchword/protocol';

/** The library, loaded on the first ceremony: it cost ~140 ms and ~25 MB at start-up (docs/performance.md). */
let library: Promise<typeof import('@simplewebauthn/server')> | undefined;
const simplewebauthn = () => (library ??= import('@simplewebauthn/server'));

export const WEBAUTHN_TIMEOUT_MS = 5 * 60 * 1000;
/** ES256, EdDSA, RS256 (IANA COSE Algorithms). */
export const WEBAUTHN_ALGORITHMS: readonly number[] = [-7, -8, -257];

const MAX_TRANSPORTS = 8;
const MAX_TRANSPORT_LENGTH = 32;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Authenticator data flags (WebAuthn §6.1). */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const RP_ID_HASH_LENGTH = 32;

export interface StoredCredentialRef {
  /** Credential id, base64url. */
  id: string;
  transports: string[];
}

export interface StoredCredential extends StoredCredentialRef {
  /** COSE public key, base64url. */
  publicKey: string;
  /** The last signature counter seen. */
  counter: number;
}

export interface VerifiedRegistration {
  /** Credential id, base64url. */
  credentialId: string;
  /** COSE_Key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  /** Authenticator model (all zeros with 'none' attestation from most authenticators). */
  aaguid: string;
}

function invalid(cause: unknown): WatchwordError {
  return new WatchwordError('INVALID_CREDENTIALS', { cause });
}

/** The relying party for the public URL: RP ID = host name, origin = scheme://host[:port]. */
export function rpFromPublicUrl(publicUrl: string): { rpId: string; origin: string } {
  const url = new URL(publicUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`public URL must be http(s): ${publicUrl}`);
  return { rpId: url.hostname, origin: url.origin };
}

/** Client-reported transports are only hints: keep a bounded list of short strings. */
function cleanTransports(transports: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const t of transports ?? []) {
    if (typeof t === 'string' && t.length > 0 && t.length <= MAX_TRANSPORT_LENGTH && !out.includes(t)) out.push(t);
    if (out.length === MAX_TRANSPORTS) break;
  }
  return out;
}

function descriptors(credentials: readonly StoredCredentialRef[]): WebauthnCredentialDescriptor[] {
  return credentials.map((c) => ({ id: c.id, type: 'public-key', transports: cleanTransports(c.transports) }));
}

function uuidBytes(userId: string): Uint8Array<ArrayBuffer> {
  if (!UUID_RE.test(userId)) throw new TypeError('userId must be a lower-case UUID');
  return fromHex(userId.replaceAll('-', ''));
}

function assertOrigins(expectedOrigins: readonly string[]): void {
  if (expectedOrigins.length === 0) throw new TypeError('at least one expected origin is required');
}

/**
 * What a credential is for: 'second-factor' (a security key after the password) or 'passkey' (signs in on its own and
 * unlocks through PRF: discoverable, user verification required, PRF requested).
 */
export type CredentialPurpose = 'second-factor' | 'passkey';

/** Options for navigator.credentials.create(), and the challenge to keep for verifyRegistration. */
export async function registrationOptions(input: {
  purpose?: CredentialPurpose;
  rpId: string;
  rpName: string;
  /** The user's UUID: its 16 bytes become the WebAuthn user handle (never the e-mail address). */
  userId: string;
  /** The e-mail address: shown by the authenticator to tell accounts apart. */
  userName: string;
  /** The user's registered credentials, so the same authenticator is not enrolled twice. */
  existing: readonly StoredCredentialRef[];
}): Promise<{ options: WebauthnRegistrationOptions; challenge: string }> {
  const options = await (await simplewebauthn()).generateRegistrationOptions({
    rpID: input.rpId,
    rpName: input.rpName,
    userID: uuidBytes(input.userId),
    userName: input.userName,
    attestationType: 'none',
    excludeCredentials: descriptors(input.existing),
    authenticatorSelection:
      input.purpose === 'passkey' ? { residentKey: 'required', requireResidentKey: true, userVerification: 'required' } : { residentKey: 'preferred', userVerification: 'preferred' },
    supportedAlgorithmIDs: [...WEBAUTHN_ALGORITHMS],
    timeout: WEBAUTHN_TIMEOUT_MS,
    ...(input.purpose === 'passkey' ? { extensions: { credProps: true, prf: {} } as Record<string, unknown> } : {}),
  });
  const result: WebauthnRegistrationOptions = {
    ...options,
    pubKeyCredParams: options.pubKeyCredParams.map((p) => ({ alg: p.alg, type: 'public-key' })),
    excludeCredentials: options.excludeCredentials?.map((c) => ({
      id: c.id,
      type: 'public-key',
      ...(c.transports ? { transports: c.transports } : {}),
    })),
  };
  return { options: result, challenge: options.challenge };
}

/** Verifies a navigator.credentials.create() result; throws INVALID_CREDENTIALS on any failure. */
export async function verifyRegistration(input: {
  purpose?: CredentialPurpose;
  response: WebauthnRegistrationResponse;
  expectedChallenge: string;
  expectedOrigins: readonly string[];
  rpId: string;
}): Promise<VerifiedRegistration> {
  assertOrigins(input.expectedOrigins);
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await (await simplewebauthn()).verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: [...input.expectedOrigins],
      expectedRPID: input.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: input.purpose === 'passkey',
      supportedAlgorithmIDs: [...WEBAUTHN_ALGORITHMS],
    });
  } catch (error) {
    throw invalid(error);
  }
  if (!result.verified) throw invalid(new Error('registration response not verified'));
  const info = result.registrationInfo;
  if (info.credential.id !== input.response.id || input.response.rawId !== input.response.id) {
    throw invalid(new Error('credential id in the response does not match the attested credential'));
  }
  return {
    credentialId: info.credential.id,
    publicKey: toBase64Url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: cleanTransports(info.credential.transports ?? input.response.response.transports),
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
    aaguid: info.aaguid,
  };
}

/** Options for navigator.credentials.get(), and the challenge to keep for verifyAuthentication. */
export async function authenticationOptions(input: {
  purpose?: CredentialPurpose;
  rpId: string;
  /** The credentials allowed; for a passkey sign-in, none (the authenticator offers its discoverable credentials). */
  credentials: readonly StoredCredentialRef[];
}): Promise<{ options: WebauthnAuthenticationOptions; challenge: string }> {
  const options = await (await simplewebauthn()).generateAuthenticationOptions({
    rpID: input.rpId,
    ...(input.credentials.length > 0 ? { allowCredentials: descriptors(input.credentials) } : {}),
    userVerification: input.purpose === 'passkey' ? 'required' : 'preferred',
    timeout: WEBAUTHN_TIMEOUT_MS,
  });
  const result: WebauthnAuthenticationOptions = {
    ...options,
    allowCredentials: options.allowCredentials?.map((c) => ({
      id: c.id,
      type: 'public-key',
      ...(c.transports ? { transports: c.transports } : {}),
    })),
  };
  return { options: result, challenge: options.challenge };
}

/** The flags byte of base64url authenticator data, or undefined when it is too short to have one. */
function authenticatorFlags(authenticatorData: string): number | undefined {
  try {
    return fromBase64Url(authenticatorData)[RP_ID_HASH_LENGTH];
  } catch {
    return undefined;
  }
}

/**
 * Verifies a navigator.credentials.get() result against the stored credential; throws INVALID_CREDENTIALS on any
 * failure, including a response for a different credential and a signature counter that did not increase.
 * On success the caller must store `newCounter` before accepting the second factor.
 */
export async function verifyAuthentication(input: {
  purpose?: CredentialPurpose;
  response: WebauthnAuthenticationResponse;
  expectedChallenge: string;
  expectedOrigins: readonly string[];
  rpId: string;
  credential: StoredCredential;
}): Promise<{ newCounter: number }> {
  assertOrigins(input.expectedOrigins);
  const { response, credential } = input;
  // The library verifies the signature with the key it is given but does not compare the response's id with it.
  if (response.id !== credential.id || response.rawId !== credential.id) {
    throw invalid(new Error('the assertion is for a different credential'));
  }
  // User presence is required (WebAuthn §7.2 step 16); checked here too so it never depends on library defaults.
  const flags = authenticatorFlags(response.response.authenticatorData);
  if (flags === undefined || (flags & FLAG_UP) === 0) throw invalid(new Error('user presence flag not set'));
  // A passkey replaces the password: the authenticator must have verified the user (WebAuthn §7.2 step 17).
  if (input.purpose === 'passkey' && (flags & FLAG_UV) === 0) throw invalid(new Error('user verification flag not set'));

  let publicKey: Uint8Array<ArrayBuffer>;
  try {
    publicKey = fromBase64Url(credential.publicKey);
  } catch (error) {
    throw invalid(error);
  }
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await (await simplewebauthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: [...input.expectedOrigins],
      expectedRPID: input.rpId,
      expectedType: 'webauthn.get',
      credential: { id: credential.id, publicKey, counter: credential.counter, transports: [...credential.transports] },
      requireUserVerification: input.purpose === 'passkey',
    });
  } catch (error) {
    throw invalid(error);
  }
  if (!result.verified) throw invalid(new Error('authentication response not verified'));
  const newCounter = result.authenticationInfo.newCounter;
  // WebAuthn §7.2 step 21: unless both counters are zero (an authenticator without a counter), the new one must be
  // strictly greater; otherwise the authenticator may have been cloned or the assertion replayed.
  // (@simplewebauthn/server 14 enforces this as well; it is repeated so a library change cannot weaken it.)
  if ((newCounter !== 0 || credential.counter !== 0) && newCounter <= credential.counter) {
    throw invalid(new Error(`signature counter did not increase (${credential.counter} -> ${newCounter})`));
  }
  return { newCounter };
}
