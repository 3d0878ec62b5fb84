/**
 * Backup codes (security spec "MFA": hashed backup codes; Watchword form: salted Argon2id). Ten codes of 12
 * Crockford-base32 symbols (60 bits each, ≥ 50 bits each), shown once as XXXX-XXXX-XXXX and stored only as
 * Argon2id PHC strings (RFC 9106), each with its own salt. Every code works once; regenerating replaces the set.
 */
import { randomInt } from 'node:crypto';

/** The native Argon2 module, loaded on first use (most requests never touch a backup code). */
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'));

export const BACKUP_CODE_COUNT = 10;
const SYMBOLS = 12;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Argon2id with the OWASP-recommended minimum (m = 19 MiB, t = 2, p = 1): the codes carry 60 bits, so the hash
 * only has to make an offline search of a stolen table expensive, and verification runs up to ten of them.
 * `algorithm: 2` is Argon2id in @node-rs/argon2's (const enum) numbering.
 */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function generateBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () => {
    let code = '';
    for (let i = 0; i < SYMBOLS; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
  });
}

/** The canonical form of a typed code (case-insensitive; I/L read as 1, O as 0; separators ignored), or null. */
export function normaliseBackupCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (code.length !== SYMBOLS) return null;
  for (const c of code) if (!ALPHABET.includes(c)) return null;
  return code;
}

export async function hashBackupCodes(codes: string[]): Promise<string[]> {
  const { hash } = await loadArgon2();
  return Promise.all(codes.map((code) => hash(normaliseBackupCode(code) ?? '', ARGON2)));
}

/**
 * The id of the stored code that `input` matches, or undefined. Every stored hash is checked (no early exit), so
 * the time taken does not depend on which code matched.
 */
export async function matchBackupCode(input: string, stored: { id: string; hash: string }[]): Promise<string | undefined> {
  const code = normaliseBackupCode(input);
  // A malformed code still costs the same work as a wrong one.
  const candidate = code ?? '000000000000x';
  const { verify } = await loadArgon2();
  const results = await Promise.all(stored.map((s) => verify(s.hash, candidate).catch(() => false)));
  if (code === null) return undefined;
  const index = results.indexOf(true);
  return index === -1 ? undefined : stored[index]?.id;
}
