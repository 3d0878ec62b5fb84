import { packBase32 } from './encoding.ts';
import { WatchwordError } from './errors.ts';

/**
 * The recovery key as shown to a person: 32 random bytes plus a check value, written in
 * Crockford base32 (https://www.crockford.com/base32.html) as 14 groups of 4 symbols:
 *
 *     XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX
 *
 * The 56 symbols carry 280 bits, read as one big-endian integer `W = K·2^24 + c`
 * where K is the 256-bit key and c < P is chosen so that `W ≡ 0 (mod P)`,
 * P = 2^24 − 3 (prime). Like IBAN's ISO 7064 mod 97, this detects *every*
 * single-symbol substitution (it changes W by d·32^k, 0 < |d| < 32, never a
 * multiple of the prime P) and every swap of two adjacent symbols (a change of
 * (a−b)·31·32^k); other typos slip through with probability ≈ 2^-24.
 *
 * Parsing follows Crockford's decoding rules: case-insensitive, I and L read as 1,
 * O read as 0; hyphens and spaces are ignored. U is not a symbol.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const KEY_LENGTH = 32;
const CHECK_BITS = 24;
const PRIME = 2 ** 24 - 3;
const SYMBOLS = (KEY_LENGTH * 8 + CHECK_BITS) / 5; // 56
const GROUP = 4;

const DECODE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
DECODE.set('I', 1).set('L', 1).set('O', 0);

/** Formats a 32-byte recovery key for display. */
export function formatRecoveryKey(key: Uint8Array): string {
  if (key.length !== KEY_LENGTH) throw new RangeError('a recovery key is 32 bytes');
  // c ≡ −K·2^24 (mod P), so that K·2^24 + c ≡ 0 (mod P).
  let residue = 0;
  for (const byte of key) residue = (residue * 256 + byte) % PRIME;
  for (let i = 0; i < CHECK_BITS; i++) residue = (residue * 2) % PRIME;
  const check = (PRIME - residue) % PRIME;
  const bytes = new Uint8Array(KEY_LENGTH + CHECK_BITS / 8);
  bytes.set(key);
  bytes[KEY_LENGTH] = check >>> 16;
  bytes[KEY_LENGTH + 1] = (check >>> 8) & 0xff;
  bytes[KEY_LENGTH + 2] = check & 0xff;

  // 35 bytes = 280 bits: exactly 56 symbols, no partial quantum.
  const symbols = packBase32(bytes, ALPHABET);
  bytes.fill(0);
  return symbols.match(/.{4}/g)!.join('-');
}

/**
 * Parses what a person typed back into the 32-byte key.
 * @throws {WatchwordError} `VALIDATION_FAILED` with `details.reason` = `"format"`
 * (wrong symbols or length) or `"checksum"` (a typo).
 */
export function parseRecoveryKey(text: string): Uint8Array<ArrayBuffer> {
  const cleaned = text.replace(/[\s-]+/g, '').toUpperCase();
  if (cleaned.length !== SYMBOLS) throw invalid('format');
  const values: number[] = [];
  for (const symbol of cleaned) {
    const value = DECODE.get(symbol);
    if (value === undefined) throw invalid('format');
    values.push(value);
  }

  let residue = 0;
  for (const value of values) residue = (residue * 32 + value) % PRIME;

  const out = new Uint8Array(KEY_LENGTH + CHECK_BITS / 8);
  let acc = 0;
  let bits = 0;
  let index = 0;
  for (const value of values) {
    acc = ((acc << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (acc >>> bits) & 0xff;
    }
  }
  const check = ((out[KEY_LENGTH] ?? 0) << 16) | ((out[KEY_LENGTH + 1] ?? 0) << 8) | (out[KEY_LENGTH + 2] ?? 0);
  const key = out.slice(0, KEY_LENGTH);
  out.fill(0);
  if (residue !== 0 || check >= PRIME) {
    key.fill(0);
    throw invalid('checksum');
  }
  return key;
}

function invalid(reason: 'format' | 'checksum'): WatchwordError {
  return new WatchwordError('VALIDATION_FAILED', {
    message: 'The recovery key is not valid; check it for typos.',
    details: { field: 'recoveryKey', reason },
  });
}
