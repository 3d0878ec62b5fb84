/**
 * Server-side TOTP (RFC 6238, SHA-1 / 6 digits / 30 s for authenticator-app compatibility). Seeds are 160 bits
 * (RFC 4226 §4 R6 recommends 160) and sealed at rest (keys/seed-cipher.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TOTP, encodeBase32, hotp, otpauthUri, totpStep } from '@watchword/protocol';

const SEED_BYTES = 20;
/**
 * RFC 6238 §5.2: "We RECOMMEND that at most one time step is allowed as the network delay" — codes of the previous,
 * current and next step are accepted.
 */
const WINDOW = 1;

export function newTotpSeed(): Uint8Array {
  return new Uint8Array(randomBytes(SEED_BYTES));
}

export function enrolmentFor(seed: Uint8Array, account: string, issuer: string): { secret: string; otpauthUri: string } {
  return { secret: encodeBase32(seed), otpauthUri: otpauthUri({ issuer, account, secret: seed }) };
}

/**
 * The time step whose code equals `code`, or null. Every candidate step is computed and compared in constant time
 * (no early exit), so the answer's timing does not reveal which step matched. Replay is the caller's job: a step is
 * accepted only if newer than the last used one (RFC 6238 §5.2, "the verifier MUST NOT accept the second attempt").
 */
export async function matchTotp(seed: Uint8Array, code: string, nowMs: number): Promise<number | null> {
  const current = totpStep(nowMs, DEFAULT_TOTP.period);
  const given = Buffer.from(code.padEnd(DEFAULT_TOTP.digits, 'x').slice(0, DEFAULT_TOTP.digits));
  let matched: number | null = null;
  for (let step = current - WINDOW; step <= current + WINDOW; step++) {
    const expected = Buffer.from(await hotp(seed, step, DEFAULT_TOTP));
    if (timingSafeEqual(expected, given) && matched === null) matched = step;
  }
  return code.length === DEFAULT_TOTP.digits ? matched : null;
}
