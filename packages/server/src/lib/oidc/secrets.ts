/**
 * Client and API-key secrets (security spec "At rest": client secrets hashed). A secret is 256 random bits,
 * base64url, shown once; the server keeps only its Argon2id PHC string (RFC 9106), each with its own salt.
 * Client ids are random too (`wwc_` applications, `wwk_` API keys) and carry no meaning.
 */
import { randomBytes } from 'node:crypto';
import { toBase64Url } from '@watchword/protocol';

/** The native Argon2 module, loaded on first use. */
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'));

/**
 * Argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1): the secret carries 256 bits, so the hash only has to
 * make a stolen table useless, and every token request with a client secret pays for one verification.
 * `algorithm: 2` is Argon2id in @node-rs/argon2's (const enum) numbering.
 */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Longest secret a caller may present; anything longer is wrong without hashing it. */
export const MAX_SECRET_LENGTH = 64;

export function newClientId(kind: 'app' | 'apikey'): string {
  return `${kind === 'app' ? 'wwc' : 'wwk'}_${toBase64Url(randomBytes(16)).slice(0, 22)}`;
}

export function newClientSecret(): string {
  return toBase64Url(randomBytes(32));
}

export async function hashClientSecret(secret: string): Promise<string> {
  const { hash } = await loadArgon2();
  return hash(secret, ARGON2);
}

/** Whether `presented` is the secret behind `stored`; a malformed or over-long value is simply wrong. */
export async function verifyClientSecret(stored: string, presented: string): Promise<boolean> {
  if (presented.length === 0 || presented.length > MAX_SECRET_LENGTH) return false;
  const { verify } = await loadArgon2();
  return verify(stored, presented).catch(() => false);
}
