import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url } from '@watchword/protocol';
import { readSecretFile, writeSecretFile } from './files.ts';

/** The public half as published in JWKS (RFC 7517 §4, RFC 7518 §6.3.1). */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
}

/** An access-token signing key (RS256). The private half stays on the server; JWKS publishes the public half. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

export interface SigningKeys {
  /** The key new tokens are signed with. */
  readonly current: SigningKey;
  /** Every key whose tokens are still accepted, by kid. */
  readonly byKid: ReadonlyMap<string, SigningKey>;
}

/** RFC 7638 §3: the JWK thumbprint of an RSA key hashes {"e","kty","n"} in that order. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return toBase64Url(createHash('sha256').update(canonical).digest());
}

function toSigningKey(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('signing keys must be RSA');
  const kid = jwkThumbprint(jwk);
  const publicJwk: PublicJwk = Object.freeze({ kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' });
  return Object.freeze({ kid, alg: 'RS256', privateKey, publicKey, publicJwk });
}

/**
 * Loads every signing key in `<dataDir>/keys/jwt/` (PKCS#8 PEM, 0600); creates an RSA-2048 key on first start.
 * The newest file (by name, which starts with its creation time) signs.
 */
export function loadSigningKeys(dataDir: string): SigningKeys {
  const dir = join(dataDir, 'keys', 'jwt');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pem')).sort();
  } catch {
    names = [];
  }
  if (names.length === 0) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}.pem`;
    writeSecretFile(join(dir, name), privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trim());
    names = [name];
  }
  const keys = names.map((n) => toSigningKey(createPrivateKey(readSecretFile(join(dir, n)) ?? '')));
  const current = keys[keys.length - 1];
  if (!current) throw new Error('no signing key');
  return Object.freeze({ current, byKid: new Map(keys.map((k) => [k.kid, k])) });
}
