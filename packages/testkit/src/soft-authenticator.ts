/**
 * A software WebAuthn authenticator (and the browser half of a ceremony) for tests: no browser, no hardware.
 *
 * - one ES256 (P-256) key pair per credential, from node:crypto;
 * - 'none' attestation; authenticator data per WebAuthn §6.1 (rpIdHash ‖ flags ‖ signCount ‖ attested credential data);
 * - assertions sign authenticatorData ‖ SHA-256(clientDataJSON) with DER-encoded ECDSA (WebAuthn §6.3.3);
 * - one signature counter for the whole authenticator (like most security keys), bumped before every assertion.
 *   Set `authenticator.counter` to simulate a cloned authenticator or a counter regression.
 *
 * - the PRF extension (WebAuthn L3 §10.1.4, as CTAP2 hmac-secret): each credential has a random 32-byte secret and
 *   evaluates HMAC-SHA-256(secret, SHA-256("WebAuthn PRF" ‖ 0x00 ‖ salt)) when `extensions.prf.eval` is given; the
 *   outputs are in `clientExtensionResults.prf.results` (base64url, as toJSON() writes them). Off with `prf: false`.
 *
 * Every call can be tampered with (see `Tamper`) to produce responses a relying party must reject.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { toBase64Url, fromBase64Url, utf8 } from '@watchword/protocol';

// --- A minimal CBOR encoder (RFC 8949): unsigned/negative integers, byte strings, text strings, maps --------

export type CborValue = number | Uint8Array | string | Map<CborValue, CborValue>;

function cborHead(major: number, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('CBOR: argument out of range');
  const m = major << 5;
  if (length < 24) return Uint8Array.of(m | length);
  if (length < 0x100) return Uint8Array.of(m | 24, length);
  if (length < 0x10000) return Uint8Array.of(m | 25, length >> 8, length & 0xff);
  if (length < 0x1_0000_0000) return Uint8Array.of(m | 26, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  throw new RangeError('CBOR: argument too large for this encoder');
}

/** Encodes in the order given: callers list map keys in CTAP2 canonical order themselves. */
export function cborEncode(value: CborValue): Uint8Array {
  const parts: Uint8Array[] = [];
  const walk = (v: CborValue): void => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new TypeError('CBOR: only integers are supported');
      parts.push(v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v));
    } else if (typeof v === 'string') {
      const bytes = utf8(v);
      parts.push(cborHead(3, bytes.length), bytes);
    } else if (v instanceof Uint8Array) {
      parts.push(cborHead(2, v.length), v);
    } else {
      parts.push(cborHead(5, v.size));
      for (const [k, item] of v) {
        walk(k);
        walk(item);
      }
    }
  };
  walk(value);
  return concat(...parts);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const sha256 = (data: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

function uint32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError('signature counter must be a 32-bit unsigned integer');
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

// --- Flags (WebAuthn §6.1) -----------------------------------------------------------------------------------
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

const COSE_ALG_ES256 = -7;

// --- Types: the JSON forms (structural, so tests can pass the server's options straight in) --------------------

export interface CreationOptionsInput {
  challenge: string;
  rp: { name: string; id?: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: { alg: number; type: string }[];
  excludeCredentials?: { id: string; type: string; transports?: string[] }[];
  extensions?: { credProps?: boolean; prf?: PrfInput };
}

/** The PRF extension input in its JSON form (base64url salts). */
export interface PrfInput {
  eval?: { first: string; second?: string };
}

export interface PrfOutput {
  enabled?: boolean;
  results?: { first: string; second?: string };
}

export interface RequestOptionsInput {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string; type: string; transports?: string[] }[];
  extensions?: { prf?: PrfInput };
}

export interface SoftRegistrationResponse {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData: string;
    transports: string[];
    publicKeyAlgorithm: number;
    publicKey: string;
  };
  authenticatorAttachment: 'cross-platform' | 'platform';
  clientExtensionResults: { credProps?: { rk: boolean }; prf?: PrfOutput };
}

export interface SoftAuthenticationResponse {
  id: string;
  rawId: string;
  type: 'public-key';
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
  authenticatorAttachment: 'cross-platform' | 'platform';
  clientExtensionResults: { prf?: PrfOutput };
}

/** Ways to make a response that a relying party must reject. */
export interface Tamper {
  /** Hash this RP ID into the authenticator data instead of the requested one. */
  rpIdHash?: string;
  /** Clear the user-presence flag. */
  userPresent?: false;
  /** Clear the user-verified flag (a device without PIN/biometrics: still acceptable under 'preferred'). */
  userVerified?: false;
  /** Flip one bit of the signature (assertions only). */
  flipSignature?: boolean;
  /** Put this challenge in the client data instead of the requested one. */
  challenge?: string;
  /** Put this type ('webauthn.create' / 'webauthn.get') in the client data. */
  clientDataType?: string;
  /** Report this credential id (base64url) in `id` and `rawId` instead of the one actually used. */
  credentialId?: string;
}

export interface CeremonyContext {
  /** The origin the "browser" puts in the client data, e.g. 'https://vault.example.com'. */
  origin: string;
  tamper?: Tamper;
}

interface StoredCredential {
  id: Uint8Array;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  /** The PRF (hmac-secret) key of this credential. */
  prfSecret: Uint8Array;
}

export class DOMExceptionLike extends Error {
  constructor(name: 'InvalidStateError' | 'NotAllowedError' | 'NotSupportedError', message: string) {
    super(message);
    this.name = name;
  }
}

export interface SoftAuthenticatorOptions {
  /** Bump the counter before every assertion (default true). false models authenticators that always report 0. */
  incrementCounter?: boolean;
  /** Transports reported at registration (default ['usb']). */
  transports?: string[];
  /** Credential id length in bytes, 16..32 (default: random in that range). */
  credentialIdLength?: number;
  /** Support the PRF extension (default true). */
  prf?: boolean;
}

export class SoftAuthenticator {
  /** The signature counter: the value in the next response is this plus one (assertions), or this (registration). */
  counter = 0;
  readonly credentials: StoredCredential[] = [];
  readonly #incrementCounter: boolean;
  readonly #transports: string[];
  readonly #credentialIdLength: number | undefined;
  readonly #prf: boolean;

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.#incrementCounter = options.incrementCounter ?? true;
    this.#transports = options.transports ?? ['usb'];
    this.#credentialIdLength = options.credentialIdLength;
    this.#prf = options.prf ?? true;
  }

  /** navigator.credentials.create() + toJSON(): a new ES256 credential with 'none' attestation. */
  create(options: CreationOptionsInput, context: CeremonyContext): SoftRegistrationResponse {
    const tamper = context.tamper ?? {};
    const rpId = options.rp.id ?? new URL(context.origin).hostname;
    if (!options.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === COSE_ALG_ES256)) {
      throw new DOMExceptionLike('NotSupportedError', 'ES256 not offered');
    }
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(toBase64Url(c.id)))) {
      throw new DOMExceptionLike('InvalidStateError', 'authenticator already registered');
    }

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    if (jwk.x === undefined || jwk.y === undefined) throw new Error('P-256 JWK without coordinates');
    const idLength = this.#credentialIdLength ?? 16 + randomBytes(1)[0]! % 17;
    if (idLength < 16 || idLength > 32) throw new RangeError('credential id length must be 16..32');
    const credentialId = new Uint8Array(randomBytes(idLength));

    // COSE_Key, EC2 (RFC 9053 §7.1): {1: kty EC2, 3: alg ES256, -1: crv P-256, -2: x, -3: y}, canonical key order.
    const coseKey = cborEncode(
      new Map<CborValue, CborValue>([
        [1, 2],
        [3, COSE_ALG_ES256],
        [-1, 1],
        [-2, fromBase64Url(jwk.x)],
        [-3, fromBase64Url(jwk.y)],
      ]),
    );
    const attestedCredentialData = concat(new Uint8Array(16) /* AAGUID: zero for 'none' */, Uint8Array.of(credentialId.length >> 8, credentialId.length & 0xff), credentialId, coseKey);
    const authenticatorData = concat(this.#rpIdHash(tamper.rpIdHash ?? rpId), Uint8Array.of(this.#flags(tamper) | FLAG_AT), uint32(this.counter), attestedCredentialData);

    const attestationObject = cborEncode(
      new Map<CborValue, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authenticatorData],
      ]),
    );
    const clientDataJSON = this.#clientData('webauthn.create', options.challenge, context);

    const stored = { id: credentialId, rpId, userHandle: options.user.id, privateKey, prfSecret: new Uint8Array(randomBytes(32)) };
    this.credentials.push(stored);
    const prf = options.extensions?.prf === undefined ? undefined : this.#prfResults(stored, options.extensions.prf, true);
    const id = tamper.credentialId ?? toBase64Url(credentialId);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: toBase64Url(clientDataJSON),
        attestationObject: toBase64Url(attestationObject),
        authenticatorData: toBase64Url(authenticatorData),
        transports: [...this.#transports],
        publicKeyAlgorithm: COSE_ALG_ES256,
        publicKey: toBase64Url(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))),
      },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: { ...(options.extensions?.credProps ? { credProps: { rk: true } } : {}), ...(prf ? { prf } : {}) },
    };
  }

  /** navigator.credentials.get() + toJSON(): an assertion from the first allowed credential this authenticator holds. */
  get(options: RequestOptionsInput, context: CeremonyContext): SoftAuthenticationResponse {
    const tamper = context.tamper ?? {};
    const rpId = options.rpId ?? new URL(context.origin).hostname;
    const allowed = options.allowCredentials?.map((c) => c.id);
    const credential = this.credentials.find((c) => c.rpId === rpId && (allowed === undefined || allowed.length === 0 || allowed.includes(toBase64Url(c.id))));
    if (credential === undefined) throw new DOMExceptionLike('NotAllowedError', 'no matching credential');

    if (this.#incrementCounter) this.counter += 1;
    const authenticatorData = concat(this.#rpIdHash(tamper.rpIdHash ?? rpId), Uint8Array.of(this.#flags(tamper)), uint32(this.counter));
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, context);
    const signature = new Uint8Array(sign('sha256', concat(authenticatorData, sha256(clientDataJSON)), credential.privateKey)); // DER (ASN.1) ECDSA
    if (tamper.flipSignature) signature[signature.length - 1]! ^= 0x01;

    const id = tamper.credentialId ?? toBase64Url(credential.id);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: toBase64Url(clientDataJSON),
        authenticatorData: toBase64Url(authenticatorData),
        signature: toBase64Url(signature),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: options.extensions?.prf?.eval && this.#prf ? { prf: this.#prfResults(credential, options.extensions.prf, false) } : {},
    };
  }

  /** The PRF output of one credential for one salt (raw bytes): what a test expects the client to have derived from. */
  prfOutput(credentialId: string, salt: Uint8Array): Uint8Array {
    const credential = this.credentials.find((c) => toBase64Url(c.id) === credentialId);
    if (credential === undefined) throw new Error('no such credential');
    return this.#evaluate(credential, salt);
  }

  #evaluate(credential: StoredCredential, salt: Uint8Array): Uint8Array {
    const hashedSalt = sha256(concat(utf8('WebAuthn PRF'), Uint8Array.of(0), salt));
    return new Uint8Array(createHmac('sha256', credential.prfSecret).update(hashedSalt).digest());
  }

  #prfResults(credential: StoredCredential, input: PrfInput, creation: boolean): PrfOutput {
    if (!this.#prf) return creation ? { enabled: false } : {};
    const results = input.eval
      ? { results: { first: toBase64Url(this.#evaluate(credential, fromBase64Url(input.eval.first))), ...(input.eval.second ? { second: toBase64Url(this.#evaluate(credential, fromBase64Url(input.eval.second))) } : {}) } }
      : {};
    return { ...(creation ? { enabled: true } : {}), ...results };
  }

  #rpIdHash(rpId: string): Uint8Array {
    return sha256(rpId);
  }

  #flags(tamper: Tamper): number {
    let flags = 0;
    if (tamper.userPresent !== false) flags |= FLAG_UP;
    if (tamper.userVerified !== false) flags |= FLAG_UV;
    // Backup eligibility (BE, 0x08) and backup state (BS, 0x10) stay off: a single-device credential.
    return flags;
  }

  #clientData(type: string, challenge: string, context: CeremonyContext): Uint8Array {
    const tamper = context.tamper ?? {};
    return utf8(
      JSON.stringify({
        type: tamper.clientDataType ?? type,
        challenge: tamper.challenge ?? challenge,
        origin: context.origin,
        crossOrigin: false,
      }),
    );
  }
}
