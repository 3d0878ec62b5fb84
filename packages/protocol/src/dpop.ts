/**
 * DPoP, client side (RFC 9449, https://www.rfc-editor.org/rfc/rfc9449): a per-device ES256 key pair whose private half
 * never leaves WebCrypto, and the proof JWT sent in the `DPoP` header of each request. Isomorphic: WebCrypto only.
 * The server checks proofs in packages/server/src/tokens/dpop.ts.
 */
import { randomBytes, toBase64Url, utf8 } from './encoding.ts';

export interface DpopPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/** A public JWK of one of the key types whose RFC 7638 required members are known here. Other members are ignored. */
export type ThumbprintJwk =
  | { kty: 'EC'; crv: string; x: string; y: string }
  | { kty: 'OKP'; crv: string; x: string }
  | { kty: 'RSA'; e: string; n: string };

export interface DpopProofOptions {
  /** HTTP method of the request, e.g. "POST" (RFC 9449 §4.2 `htm`). */
  htm: string;
  /** Absolute URL of the request; its query and fragment are removed (RFC 9449 §4.2 `htu`). */
  htu: string;
  /** The access token sent with the request, hashed into `ath` (RFC 9449 §4.2). */
  accessToken?: string;
  /** The latest value of the server's `DPoP-Nonce` header (RFC 9449 §8). */
  nonce?: string;
  /** Creation time, seconds since the epoch (default: now). */
  iat?: number;
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * A fresh ES256 key pair. The private key is non-extractable: script can sign with it but never read it
 * (RFC 9449 §2, §11.2). WebCrypto always makes the public half of a generated pair extractable.
 */
export async function generateDpopKeyPair(): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(ES256, false, ['sign', 'verify']);
}

/** A DPoP key pair as JWKs, for a client that must keep it across processes (the CLI): the private JWK is a secret. */
export interface StoredDpopKeyPair {
  privateJwk: JsonWebKey;
  publicJwk: DpopPublicJwk;
}

/**
 * A key pair whose private half can be stored, for clients without a non-extractable key store (a CLI run is a new
 * process each time). Browsers keep using generateDpopKeyPair().
 */
export async function generateStorableDpopKeyPair(): Promise<StoredDpopKeyPair> {
  const pair = await globalThis.crypto.subtle.generateKey(ES256, true, ['sign', 'verify']);
  return { privateJwk: await globalThis.crypto.subtle.exportKey('jwk', pair.privateKey), publicJwk: await publicJwk(pair.publicKey) };
}

/** Re-imports a stored pair; the imported private key is non-extractable. */
export async function importDpopKeyPair(stored: StoredDpopKeyPair): Promise<CryptoKeyPair> {
  const privateKey = await globalThis.crypto.subtle.importKey('jwk', stored.privateJwk, ES256, false, ['sign']);
  const publicKey = await globalThis.crypto.subtle.importKey('jwk', { ...stored.publicJwk, ext: true }, ES256, true, ['verify']);
  return { privateKey, publicKey };
}

/** The public JWK carried in the proof header: exactly {kty, crv, x, y}, never `d` (RFC 9449 §4.2, §4.3 step 7). */
export async function publicJwk(key: CryptoKey): Promise<DpopPublicJwk> {
  const jwk = await globalThis.crypto.subtle.exportKey('jwk', key);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new TypeError('a DPoP key must be an ECDSA P-256 key');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/**
 * The JSON hashed by an RFC 7638 thumbprint: "only the required members of a JWK representing a key" (§3.2),
 * "in lexicographic order" with no whitespace (§3.3). Synchronous and pure, so the server shares it.
 */
export function jwkThumbprintInput(jwk: ThumbprintJwk): string {
  const str = (value: unknown, name: string): string => {
    if (typeof value !== 'string' || value === '') throw new TypeError(`JWK member "${name}" must be a non-empty string`);
    return value;
  };
  switch (jwk.kty) {
    case 'EC':
      return JSON.stringify({ crv: str(jwk.crv, 'crv'), kty: 'EC', x: str(jwk.x, 'x'), y: str(jwk.y, 'y') });
    case 'OKP': // RFC 8037 §2
      return JSON.stringify({ crv: str(jwk.crv, 'crv'), kty: 'OKP', x: str(jwk.x, 'x') });
    case 'RSA':
      return JSON.stringify({ e: str(jwk.e, 'e'), kty: 'RSA', n: str(jwk.n, 'n') });
    default:
      throw new TypeError('unsupported JWK key type');
  }
}

async function sha256Base64Url(text: string): Promise<string> {
  return toBase64Url(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', utf8(text))));
}

/** RFC 7638 §3: base64url(SHA-256(canonical JSON of the required members)). Used as `jkt` (RFC 9449 §6). */
export async function jwkThumbprint(jwk: ThumbprintJwk): Promise<string> {
  return sha256Base64Url(jwkThumbprintInput(jwk));
}

/**
 * RFC 9449 §4.2 `ath`: "the base64url encoding of the SHA-256 hash of the ASCII encoding of the associated access
 * token's value".
 */
export async function dpopAccessTokenHash(accessToken: string): Promise<string> {
  if (!/^[\x21-\x7e]+$/.test(accessToken)) throw new TypeError('an access token is non-empty printable ASCII');
  return sha256Base64Url(accessToken);
}

/** RFC 9449 §4.2 `htu`: "The HTTP target URI ... without query and fragment parts." */
function targetUri(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('htu must be an http(s) URL');
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/** A DPoP proof JWT (RFC 9449 §4.2) for one request, signed ES256 with the pair's private key. */
export async function createDpopProof(keyPair: CryptoKeyPair, options: DpopProofOptions): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: await publicJwk(keyPair.publicKey) };
  const claims: Record<string, string | number> = {
    // §4.2: jti "MUST be assigned such that there is a negligible probability that the same value will be assigned
    // to any other DPoP proof"; 128 random bits (the RFC asks for at least 96).
    jti: toBase64Url(randomBytes(16)),
    htm: options.htm,
    htu: targetUri(options.htu),
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  };
  if (options.accessToken !== undefined) claims.ath = await dpopAccessTokenHash(options.accessToken);
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  const input = `${toBase64Url(utf8(JSON.stringify(header)))}.${toBase64Url(utf8(JSON.stringify(claims)))}`;
  // WebCrypto's ECDSA signature is r‖s (IEEE P1363), which is exactly the JWS ES256 form (RFC 7518 §3.4).
  const signature = await globalThis.crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, utf8(input));
  return `${input}.${toBase64Url(new Uint8Array(signature))}`;
}
