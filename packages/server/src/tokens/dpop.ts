import { createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { WatchwordError, equalBytes, fromBase64Url, jwkThumbprintInput, toBase64Url, utf8 } from '@watchword/protocol';
import type { ThumbprintJwk } from '@watchword/protocol';
import { parseCompactJws } from './compact-jws.ts';
import { sha256Base64Url as sha256 } from './sha256.ts';
import type { StateStore } from '../state/types.ts';

/**
 * DPoP proof verification (RFC 9449, https://www.rfc-editor.org/rfc/rfc9449), synchronous with node:crypto.
 * `verifyDpopProof` performs every check of §4.3; `checkDpopReplay` is the jti cache of §11.1; `createNonceIssuer`
 * makes the stateless server nonces of §8. Failures throw WatchwordError('INVALID_DPOP_PROOF') with the reason in
 * `cause` (for server logs, never sent to the client); a missing or stale nonce throws WatchwordError('USE_DPOP_NONCE')
 * whose `details.dpopNonce` is the value to send in the `DPoP-Nonce` response header.
 */
export interface DpopVerifyContext {
  /** HTTP method of the request, as received (e.g. "POST"). */
  method: string;
  /** Absolute request URL as the server sees it (PUBLIC_URL + path, query included or not). */
  url: string;
  /** Current time, milliseconds. */
  now: number;
  /** The access token presented with the proof (resource requests); requires a matching `ath` (§4.3 step 12). */
  accessToken?: string;
  /** The `cnf.jkt` the access token or session is bound to (§4.3 step 12, §6). */
  expectedJkt?: string;
  /** Server nonces (§8): when given, the proof must carry a nonce that `accept` approves. */
  nonce?: { current: () => string; accept: (nonce: string) => boolean };
  /** How long after `iat` a proof is accepted, seconds (default 60). */
  maxAgeSeconds?: number;
  /** How far in the future `iat` may be, seconds (default 5). */
  clockSkewSeconds?: number;
}

export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof's public key: the value to bind tokens to (`cnf.jkt`, §6). */
  jkt: string;
  jti: string;
  iat: number;
}

/** The replay-cache TTL must cover the whole acceptance window: maxAgeSeconds + clockSkewSeconds (§11.1). */
export const DPOP_DEFAULT_MAX_AGE_SECONDS = 60;
export const DPOP_DEFAULT_CLOCK_SKEW_SECONDS = 5;

const MAX_PROOF_LENGTH = 4096;
/**
 * §4.3 step 5: alg "indicates a registered asymmetric digital signature algorithm ..., is not none, is supported by the
 * application, and is acceptable per local policy". The key type and curve are pinned per algorithm.
 */
const ALGORITHMS = {
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
} as const;
type Alg = keyof typeof ALGORITHMS;
/** JWK members that hold private key material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const COORDINATE_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** base64url of a SHA-256 digest: a jkt, or a server nonce. */
const SHA256_B64URL_RE = /^[A-Za-z0-9_-]{43}$/;

function invalid(reason: string): WatchwordError {
  return new WatchwordError('INVALID_DPOP_PROOF', { cause: reason });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7638 §3 thumbprint, synchronously; the canonical member set comes from the protocol package. */
export function jwkThumbprintSync(jwk: ThumbprintJwk): string {
  return sha256(jwkThumbprintInput(jwk));
}

function sameText(a: string, b: string): boolean {
  return equalBytes(utf8(a), utf8(b));
}

/** §4.3 step 7: "the jwk JOSE Header Parameter does not contain a private key"; kty/crv must match alg. */
function importProofKey(alg: Alg, jwk: unknown): { key: KeyObject; thumbprintJwk: ThumbprintJwk } {
  if (!isObject(jwk)) throw invalid('jwk header missing');
  if (PRIVATE_MEMBERS.some((name) => name in jwk)) throw invalid('jwk contains a private key');
  const expected = ALGORITHMS[alg];
  if (jwk.kty !== expected.kty || jwk.crv !== expected.crv) throw invalid('jwk kty/crv do not match alg');
  if (jwk.alg !== undefined && jwk.alg !== alg) throw invalid('jwk alg differs from header alg');
  const coordinate = (value: unknown): string => {
    if (typeof value !== 'string') throw invalid('jwk coordinate missing');
    let bytes: Uint8Array;
    try {
      bytes = fromBase64Url(value);
    } catch {
      throw invalid('jwk coordinate is not base64url');
    }
    if (bytes.length !== COORDINATE_BYTES) throw invalid('jwk coordinate has the wrong length');
    // One key, one thumbprint: a non-canonical encoding (stray trailing bits) would hash differently.
    if (toBase64Url(bytes) !== value) throw invalid('jwk coordinate is not canonical base64url');
    return value;
  };
  const thumbprintJwk: ThumbprintJwk =
    expected.kty === 'EC'
      ? { kty: 'EC', crv: expected.crv, x: coordinate(jwk.x), y: coordinate(jwk.y) }
      : { kty: 'OKP', crv: expected.crv, x: coordinate(jwk.x) };
  try {
    // Only the required members reach the importer; node checks that an EC point lies on the curve.
    return { key: createPublicKey({ key: thumbprintJwk, format: 'jwk' }), thumbprintJwk };
  } catch {
    throw invalid('jwk is not a valid public key');
  }
}

/** §4.3 step 6: "the JWT signature verifies with the public key contained in the jwk JOSE Header Parameter". */
function signatureVerifies(alg: Alg, key: KeyObject, input: string, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return alg === 'ES256'
      ? verify('sha256', utf8(input), { key, dsaEncoding: 'ieee-p1363' }, signature)
      : verify(null, utf8(input), key, signature);
  } catch {
    return false;
  }
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * An http(s) URI in comparable form. §4.3 step 9: servers "SHOULD employ Syntax-Based Normalization (Section 6.2.2 of
 * [RFC3986]) and Scheme-Based Normalization (Section 6.2.3 of [RFC3986]) before comparing the htu claim". The WHATWG
 * parser lower-cases scheme and host, drops the default port, removes dot segments and turns an empty path into "/";
 * percent-encodings are then upper-cased and unreserved characters decoded (RFC 3986 §6.2.2.1, §6.2.2.2).
 * Query and fragment are dropped. Returns undefined for anything that is not an absolute http(s) URI without
 * credentials.
 */
function normaliseHttpUri(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Checks a DPoP proof JWT against the request it came with (RFC 9449 §4.3) and returns its key thumbprint, jti and
 * iat. The caller must still pass {jti, jkt} to `checkDpopReplay` (§11.1), and must reject a request carrying more
 * than one DPoP header before calling this (§4.3 step 1).
 */
export function verifyDpopProof(proof: string, ctx: DpopVerifyContext): VerifiedDpopProof {
  // §4.3 step 2: "the DPoP HTTP request header field value is a single and well-formed JWT".
  if (typeof proof !== 'string' || proof.length === 0) throw invalid('proof missing');
  const jws = parseCompactJws(proof, MAX_PROOF_LENGTH);
  if ('error' in jws) throw invalid(`proof ${jws.error}`);
  const { header, payload: claims, signature } = jws;

  // §4.3 step 4: "the typ JOSE Header Parameter has the value dpop+jwt".
  if (header.typ !== 'dpop+jwt') throw invalid('typ is not dpop+jwt');
  // §4.3 step 5 (see ALGORITHMS): no "none", no MAC, nothing outside the allow-list.
  const alg = header.alg;
  if (typeof alg !== 'string' || !Object.hasOwn(ALGORITHMS, alg)) throw invalid('alg not allowed');
  // RFC 7515 §4.1.11: extensions listed in crit must be understood; we understand none.
  if ('crit' in header) throw invalid('crit header present');
  const { key, thumbprintJwk } = importProofKey(alg as Alg, header.jwk);
  if (!signatureVerifies(alg as Alg, key, jws.signingInput, signature)) throw invalid('signature does not verify');

  // §4.3 step 3: "all required claims per Section 4.2 are contained in the JWT".
  const { jti, htm, htu, iat } = claims;
  if (typeof jti !== 'string' || jti === '') throw invalid('jti missing');
  if (typeof htm !== 'string' || typeof htu !== 'string') throw invalid('htm/htu missing');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('iat missing');

  // §4.3 step 8: "the htm claim matches the HTTP method of the current request" (methods are case-sensitive).
  if (htm !== ctx.method) throw invalid('htm does not match');
  // §4.3 step 9: "the htu claim matches the HTTP URI value for the HTTP request in which the JWT was received, ignoring
  // any query and fragment parts". §4.2 has the client send htu "without query and fragment parts", so a claim that
  // carries one does not match.
  const expectedHtu = normaliseHttpUri(ctx.url);
  if (expectedHtu === undefined) throw new TypeError('verifyDpopProof: ctx.url must be an absolute http(s) URL');
  if (htu.includes('?') || htu.includes('#') || normaliseHttpUri(htu) !== expectedHtu) {
    throw invalid('htu does not match');
  }

  // §4.3 step 11 and §11.1: servers "MUST only accept DPoP proofs for a limited time after their creation".
  const now = ctx.now / 1000;
  const age = now - iat;
  if (age > (ctx.maxAgeSeconds ?? DPOP_DEFAULT_MAX_AGE_SECONDS)) throw invalid('iat too old');
  if (-age > (ctx.clockSkewSeconds ?? DPOP_DEFAULT_CLOCK_SKEW_SECONDS)) throw invalid('iat in the future');

  // §4.3 step 12.1: "ensure that the value of the ath claim equals the hash of that access token".
  if (ctx.accessToken !== undefined) {
    if (typeof claims.ath !== 'string') throw invalid('ath missing');
    if (!sameText(claims.ath, sha256(ctx.accessToken))) throw invalid('ath does not match');
  }

  const jkt = jwkThumbprintSync(thumbprintJwk);
  // §4.3 step 12.2: "confirm that the public key to which the access token is bound matches the public key from the
  // DPoP proof" (compared as RFC 7638 thumbprints, §6.1).
  if (ctx.expectedJkt !== undefined && !sameText(jkt, ctx.expectedJkt)) throw invalid('key does not match the binding');

  // §4.3 step 10: "if the server provided a nonce value to the client, the nonce claim matches the server-provided
  // nonce value". Checked last, so that a client told to retry with a nonce (§8) has an otherwise valid proof.
  if (ctx.nonce !== undefined && (typeof claims.nonce !== 'string' || !ctx.nonce.accept(claims.nonce))) {
    throw new WatchwordError('USE_DPOP_NONCE', {
      cause: typeof claims.nonce === 'string' ? 'nonce not accepted' : 'nonce missing',
      details: { dpopNonce: ctx.nonce.current() },
    });
  }

  return { jkt, jti, iat };
}

/**
 * §11.1: to detect replay, the server stores "the jti value of each DPoP proof for the time window in which the
 * respective DPoP proof JWT would be accepted". The counter is atomic on memory and Redis, so of two concurrent
 * uses on different instances exactly one sees 1. ttlMs must cover maxAgeSeconds + clockSkewSeconds.
 * jti is client-chosen, so it is scoped to the key (jkt has a fixed length, so jkt + jti is unambiguous) and hashed
 * to keep state keys short and free of arbitrary characters.
 */
export async function checkDpopReplay(state: StateStore, jti: string, jkt: string, ttlMs: number): Promise<void> {
  if (!SHA256_B64URL_RE.test(jkt)) throw new TypeError('checkDpopReplay: jkt must be an RFC 7638 SHA-256 thumbprint');
  const uses = await state.increment(`dpop-jti:${sha256(jkt + jti)}`, ttlMs);
  if (uses > 1) throw invalid('jti replayed');
}

export interface DpopNonceIssuer {
  /** The nonce for the time step containing nowMs: send it in the `DPoP-Nonce` header (§8.1). */
  current(nowMs: number): string;
  /** True for the nonce of the current or the previous time step. */
  accept(nonce: string, nowMs: number): boolean;
}

const NONCE_LABEL = 'watchword/v1/dpop-nonce\0';
const MIN_NONCE_SECRET_BYTES = 32;

/**
 * Stateless server nonces (§8): HMAC-SHA-256(secret, label ‖ time step), base64url (43 characters, within the
 * NQCHAR set of §8.1). Any instance holding the same secret issues and accepts the same nonces. A nonce stays valid
 * for one to two windows; it bounds how long a proof made in advance can be used, while the jti cache stops replays.
 */
export function createNonceIssuer(secret: Uint8Array, { windowSeconds = 300 }: { windowSeconds?: number } = {}): DpopNonceIssuer {
  if (secret.length < MIN_NONCE_SECRET_BYTES) throw new RangeError(`the DPoP nonce secret must be at least ${MIN_NONCE_SECRET_BYTES} bytes`);
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds <= 0) throw new RangeError('windowSeconds must be a positive integer');
  const key = Uint8Array.from(secret);
  const windowMs = windowSeconds * 1000;
  const nonceAt = (step: number): string => toBase64Url(createHmac('sha256', key).update(`${NONCE_LABEL}${step}`).digest());
  const stepAt = (nowMs: number): number => Math.floor(nowMs / windowMs);
  return {
    current: (nowMs) => nonceAt(stepAt(nowMs)),
    accept(nonce, nowMs) {
      if (typeof nonce !== 'string' || !SHA256_B64URL_RE.test(nonce)) return false;
      const step = stepAt(nowMs);
      // Compared as text (43 characters each) in constant time; both candidates always, so the timing does not tell
      // which window matched.
      const current = sameText(nonce, nonceAt(step));
      const previous = sameText(nonce, nonceAt(step - 1));
      return current || previous;
    },
  };
}
