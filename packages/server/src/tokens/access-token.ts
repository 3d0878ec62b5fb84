import { randomUUID, sign, verify } from 'node:crypto';
import { WatchwordError, fromBase64Url, fromUtf8, toBase64Url, utf8 } from '@watchword/protocol';
import type { SigningKeys } from '../keys/signing-keys.ts';

/**
 * Access tokens: JWT access tokens per RFC 9068, signed RS256 with node:crypto (synchronous, no per-request promise).
 * Verification follows RFC 8725 (JWT BCP): explicit algorithm allow-list (§3.1), issuer and audience checked (§3.8, §3.9),
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
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** Allowed clock skew when checking iat/exp, seconds. */
  clockToleranceSeconds: number;
}

const ALLOWED_ALGS = new Set(['RS256']);
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];
const MAX_TOKEN_LENGTH = 4096;

export function signAccessToken(keys: SigningKeys, settings: TokenSettings, subject: { userId: string; sessionId: string }, nowMs: number): { token: string; claims: AccessClaims } {
  const key = keys.current;
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
  const header = { alg: key.alg, typ: 'at+jwt', kid: key.kid };
  const input = `${toBase64Url(utf8(JSON.stringify(header)))}.${toBase64Url(utf8(JSON.stringify(claims)))}`;
  const signature = sign('sha256', utf8(input), key.privateKey);
  return { token: `${input}.${toBase64Url(signature)}`, claims };
}

function invalid(): WatchwordError {
  return new WatchwordError('INVALID_TOKEN');
}

function decodeJson(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(fromUtf8(fromBase64Url(part)));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  return value as Record<string, unknown>;
}

/** Verifies signature and claims; throws WatchwordError('INVALID_TOKEN') on any failure (the reason is not disclosed). */
export function verifyAccessToken(keys: SigningKeys, settings: TokenSettings, token: string, nowMs: number): AccessClaims {
  if (token.length > MAX_TOKEN_LENGTH) throw invalid();
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid();
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  let signature: Uint8Array;
  try {
    header = decodeJson(h);
    payload = decodeJson(p);
    signature = fromBase64Url(s);
  } catch {
    throw invalid();
  }
  if (typeof header.alg !== 'string' || !ALLOWED_ALGS.has(header.alg)) throw invalid();
  if (header.typ !== 'at+jwt') throw invalid();
  if (FORBIDDEN_HEADERS.some((name) => name in header)) throw invalid();
  const key = typeof header.kid === 'string' ? keys.byKid.get(header.kid) : undefined;
  if (!key || key.alg !== header.alg) throw invalid();
  if (!verify('sha256', utf8(`${h}.${p}`), key.publicKey, signature)) throw invalid();

  const now = Math.floor(nowMs / 1000);
  const tol = settings.clockToleranceSeconds;
  const { iss, aud, sub, sid, client_id, iat, exp, jti } = payload;
  if (iss !== settings.issuer || aud !== settings.audience) throw invalid();
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof client_id !== 'string') throw invalid();
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isInteger(iat) || !Number.isInteger(exp)) throw invalid();
  if (exp <= now - tol || iat > now + tol) throw invalid();
  if (typeof payload.nbf === 'number' && payload.nbf > now + tol) throw invalid();
  return { iss, aud, sub, sid, client_id, iat, exp, jti };
}
