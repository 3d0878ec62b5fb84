import { type KeyObject, randomUUID, sign, verify } from 'node:crypto';
import { parseCompactJws } from './compact-jws.ts';
import { WatchwordError, toBase64Url, utf8 } from '@watchword/protocol';
import type { SigningAlg, SigningKeys } from '../keys/signing-keys.ts';

/**
 * Access tokens: JWT access tokens per RFC 9068, signed RS256, ES256 or EdDSA (Ed25519) with node:crypto
 * (synchronous, no per-request promise), with whichever key `SigningKeys` says is active at the time.
 * Verification follows RFC 8725 (JWT BCP): the algorithm allow-list is exactly the algorithms of the keys we hold
 * and a token's `alg` must be its key's one algorithm (§3.1), issuer and audience checked (§3.8, §3.9),
 * explicit typing `at+jwt` (§3.11, RFC 9068 §4), and no key is taken from the token itself (`jku`, `x5u`, `jwk` rejected).
 */
export interface AccessClaims {
  iss: string;
  aud: string;
  sub: string;
  /** Session (refresh-token family) the token belongs to; revoking the session revokes the token. */
  sid: string;
  client_id: string;
  iat: number;
  exp: number;
  jti: string;
  /** RFC 9449 §6.1: the token is bound to the DPoP key with this RFC 7638 thumbprint. */
  cnf?: { jkt: string };
  /** RFC 9068 §2.2.3: present on API-key tokens (issued by the OpenID provider): `vault:read` or `vault:read vault:write`. */
  scope?: string;
}

/** Claims beyond the RFC 9068 set that a caller may add. */
export interface ExtraClaims {
  cnf?: { jkt: string };
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** Allowed clock skew when checking iat/exp, seconds. */
  clockToleranceSeconds: number;
}

const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];
const MAX_TOKEN_LENGTH = 4096;
/** A SHA-256 JWK thumbprint, base64url (RFC 7638 §3, RFC 9449 §6.1). */
const JKT = /^[A-Za-z0-9_-]{43}$/;

interface JwsAlgorithm {
  sign(input: Uint8Array, key: KeyObject): Uint8Array;
  verify(input: Uint8Array, key: KeyObject, signature: Uint8Array): boolean;
}

const JWS: Record<SigningAlg, JwsAlgorithm> = {
  // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 using SHA-256.
  RS256: {
    sign: (input, key) => sign('sha256', input, key),
    verify: (input, key, signature) => verify('sha256', input, key, signature),
  },
  // RFC 7518 §3.4: ECDSA using P-256 and SHA-256; the JWS Signature is R ‖ S, each 32 octets big-endian
  // ("the JWS Signature value MUST be a 64-octet sequence"), not DER: node:crypto calls that ieee-p1363.
  ES256: {
    sign: (input, key) => sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }),
    verify: (input, key, signature) => signature.length === 64 && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature),
  },
  // RFC 8037 §3.1: "EdDSA" with an Ed25519 key; Ed25519 hashes internally (no digest argument), 64-octet signatures.
  // RFC 9864 (2025) deprecates the polymorphic "EdDSA" for the fully specified "Ed25519"; we still issue "EdDSA",
  // which every JOSE library verifies today.
  EdDSA: {
    sign: (input, key) => sign(null, input, key),
    verify: (input, key, signature) => signature.length === 64 && verify(null, input, key, signature),
  },
};

export function signAccessToken(
  keys: SigningKeys,
  settings: TokenSettings,
  subject: { userId: string; sessionId: string },
  nowMs: number,
  extraClaims: ExtraClaims = {},
): { token: string; claims: AccessClaims } {
  const key = keys.at(nowMs).current;
  const iat = Math.floor(nowMs / 1000);
  const claims: AccessClaims = {
    iss: settings.issuer,
    aud: settings.audience,
    sub: subject.userId,
    sid: subject.sessionId,
    client_id: 'watchword',
    iat,
    exp: iat + settings.ttlSeconds,
    jti: randomUUID(),
  };
  if (extraClaims.cnf !== undefined) {
    if (!JKT.test(extraClaims.cnf.jkt)) throw new Error('cnf.jkt must be a SHA-256 JWK thumbprint (base64url)');
    claims.cnf = { jkt: extraClaims.cnf.jkt };
  }
  const header = { alg: key.alg, typ: 'at+jwt', kid: key.kid };
  const input = `${toBase64Url(utf8(JSON.stringify(header)))}.${toBase64Url(utf8(JSON.stringify(claims)))}`;
  const signature = JWS[key.alg].sign(utf8(input), key.privateKey);
  return { token: `${input}.${toBase64Url(signature)}`, claims };
}

function invalid(): WatchwordError {
  return new WatchwordError('INVALID_TOKEN');
}

/** Verifies signature and claims; throws WatchwordError('INVALID_TOKEN') on any failure (the reason is not disclosed). */
export function verifyAccessToken(keys: SigningKeys, settings: TokenSettings, token: string, nowMs: number): AccessClaims {
  const jws = parseCompactJws(token, MAX_TOKEN_LENGTH);
  if ('error' in jws) throw invalid();
  const { header, payload, signature } = jws;
  const set = keys.at(nowMs);
  // RFC 8725 §3.1: "libraries MUST enable the caller to specify a supported set of algorithms and MUST NOT use any
  // other algorithms when performing cryptographic operations" — ours are exactly those of the keys we hold
  // ("none" and HS256 are never among them).
  if (typeof header.alg !== 'string' || !set.algorithms.has(header.alg as SigningAlg)) throw invalid();
  if (header.typ !== 'at+jwt') throw invalid();
  if (FORBIDDEN_HEADERS.some((name) => name in header)) throw invalid();
  const key = typeof header.kid === 'string' ? set.byKid.get(header.kid) : undefined;
  // RFC 8725 §3.1: "each key MUST be used with exactly one algorithm, and this MUST be checked when the cryptographic
  // operation is performed" — an ES256 header naming an RSA kid is refused here, before any signature check.
  if (!key || key.alg !== header.alg) throw invalid();
  if (!JWS[key.alg].verify(utf8(jws.signingInput), key.publicKey, signature)) throw invalid();

  const now = Math.floor(nowMs / 1000);
  const tol = settings.clockToleranceSeconds;
  const { iss, aud, sub, sid, client_id, iat, exp, jti, cnf, scope } = payload;
  if (iss !== settings.issuer || aud !== settings.audience) throw invalid();
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof client_id !== 'string') throw invalid();
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isInteger(iat) || !Number.isInteger(exp)) throw invalid();
  if (exp <= now - tol || iat > now + tol) throw invalid();
  if (typeof payload.nbf === 'number' && payload.nbf > now + tol) throw invalid();
  const claims: AccessClaims = { iss, aud, sub, sid, client_id, iat, exp, jti };
  if (scope !== undefined) {
    if (typeof scope !== 'string' || scope.length > 256) throw invalid();
    claims.scope = scope;
  }
  if (cnf !== undefined) {
    // We only ever issue `cnf: { jkt }` (RFC 9449 §6.1); any other shape is not a token of ours.
    if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw invalid();
    const { jkt } = cnf as Record<string, unknown>;
    if (typeof jkt !== 'string' || !JKT.test(jkt)) throw invalid();
    claims.cnf = { jkt };
  }
  return claims;
}
