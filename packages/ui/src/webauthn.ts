import {
  type WebauthnAuthenticationOptions,
  type WebauthnAuthenticationResponse,
  type WebauthnClientExtensionResults,
  type WebauthnRegistrationOptions,
  type WebauthnRegistrationResponse,
  fromBase64Url,
  toBase64Url,
} from '@watchword/protocol';

/**
 * WebAuthn ceremonies in the page. The server speaks the JSON forms of WebAuthn Level 3 (§5.1.8); the browser
 * API takes and returns ArrayBuffers. The conversion is done by hand (not PublicKeyCredential.parse*FromJSON /
 * toJSON) so it works in every browser with WebAuthn Level 2, and so the response carries exactly the fields the
 * server's strict schema accepts.
 */

export function webauthnSupported(): boolean {
  return typeof PublicKeyCredential === 'function' && typeof navigator.credentials?.create === 'function';
}

const b = (text: string): ArrayBuffer => fromBase64Url(text).buffer;
const s = (buffer: ArrayBuffer | null | undefined): string => toBase64Url(new Uint8Array(buffer ?? new ArrayBuffer(0)));

type Descriptor = { id: string; type: 'public-key'; transports?: string[] };
const descriptors = (list: Descriptor[] | undefined): PublicKeyCredentialDescriptor[] | undefined =>
  list?.map((d) => ({ id: b(d.id), type: d.type, ...(d.transports ? { transports: d.transports as AuthenticatorTransport[] } : {}) }));

/**
 * Only the extension outputs the server knows (credProps, and whether PRF is enabled); anything else a browser adds
 * is left out — PRF results above all: they are secrets that stay in the page.
 */
function extensionResults(credential: PublicKeyCredential): WebauthnClientExtensionResults {
  const results = credential.getClientExtensionResults() as { credProps?: { rk?: boolean }; prf?: { enabled?: boolean } };
  return {
    ...(results.credProps && typeof results.credProps.rk === 'boolean' ? { credProps: { rk: results.credProps.rk } } : {}),
    ...(results.prf && typeof results.prf.enabled === 'boolean' ? { prf: { enabled: results.prf.enabled } } : {}),
  };
}

function attachment(credential: PublicKeyCredential): { authenticatorAttachment?: 'platform' | 'cross-platform' } {
  const value = credential.authenticatorAttachment;
  return value === 'platform' || value === 'cross-platform' ? { authenticatorAttachment: value } : {};
}

/** What a caller adds to a ceremony: extension inputs the JSON options cannot carry (bytes), and a look at the credential. */
export interface CeremonyExtras {
  extensions?: AuthenticationExtensionsClientInputs;
  onCredential?: (credential: PublicKeyCredential) => void;
}

/** navigator.credentials.create() for the options of POST /account/mfa/webauthn/options (or /account/passkeys/options). */
export async function createCredential(options: WebauthnRegistrationOptions, extras: CeremonyExtras = {}): Promise<WebauthnRegistrationResponse> {
  const publicKey: PublicKeyCredentialCreationOptions = {
    challenge: b(options.challenge),
    rp: options.rp,
    user: { id: b(options.user.id), name: options.user.name, displayName: options.user.displayName },
    pubKeyCredParams: options.pubKeyCredParams,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.excludeCredentials ? { excludeCredentials: descriptors(options.excludeCredentials) } : {}),
    ...(options.authenticatorSelection ? { authenticatorSelection: options.authenticatorSelection } : {}),
    ...(options.attestation ? { attestation: options.attestation } : {}),
    ...(options.extensions || extras.extensions ? { extensions: { ...(options.extensions as AuthenticationExtensionsClientInputs), ...extras.extensions } } : {}),
  };
  const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
  if (!credential) throw new DOMException('no credential', 'NotAllowedError');
  extras.onCredential?.(credential);
  const response = credential.response as AuthenticatorAttestationResponse;
  const transports = typeof response.getTransports === 'function' ? response.getTransports() : [];
  const algorithm = typeof response.getPublicKeyAlgorithm === 'function' ? response.getPublicKeyAlgorithm() : undefined;
  const publicKeyBytes = typeof response.getPublicKey === 'function' ? response.getPublicKey() : null;
  const authenticatorData = typeof response.getAuthenticatorData === 'function' ? response.getAuthenticatorData() : null;
  return {
    id: credential.id,
    rawId: s(credential.rawId),
    type: 'public-key',
    response: {
      clientDataJSON: s(response.clientDataJSON),
      attestationObject: s(response.attestationObject),
      ...(authenticatorData ? { authenticatorData: s(authenticatorData) } : {}),
      ...(transports.length > 0 ? { transports: transports.slice(0, 8) } : {}),
      ...(algorithm !== undefined ? { publicKeyAlgorithm: algorithm } : {}),
      ...(publicKeyBytes ? { publicKey: s(publicKeyBytes) } : {}),
    },
    ...attachment(credential),
    clientExtensionResults: extensionResults(credential),
  };
}

/** navigator.credentials.get() for the `webauthn` options of a login's second-factor challenge. */
export async function getAssertion(options: Omit<WebauthnAuthenticationOptions, 'extensions'> & { extensions?: WebauthnAuthenticationOptions['extensions'] }, extras: CeremonyExtras = {}): Promise<WebauthnAuthenticationResponse> {
  const publicKey: PublicKeyCredentialRequestOptions = {
    challenge: b(options.challenge),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.rpId !== undefined ? { rpId: options.rpId } : {}),
    ...(options.allowCredentials ? { allowCredentials: descriptors(options.allowCredentials) } : {}),
    ...(options.userVerification ? { userVerification: options.userVerification } : {}),
    ...(options.extensions || extras.extensions ? { extensions: { ...(options.extensions as AuthenticationExtensionsClientInputs), ...extras.extensions } } : {}),
  };
  const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
  if (!credential) throw new DOMException('no credential', 'NotAllowedError');
  extras.onCredential?.(credential);
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    id: credential.id,
    rawId: s(credential.rawId),
    type: 'public-key',
    response: {
      clientDataJSON: s(response.clientDataJSON),
      authenticatorData: s(response.authenticatorData),
      signature: s(response.signature),
      ...(response.userHandle ? { userHandle: s(response.userHandle) } : {}),
    },
    ...attachment(credential),
    clientExtensionResults: extensionResults(credential),
  };
}

