import { bufferSource } from './crypto/buffer-source.ts';
import { packBase32 } from './encoding.ts';
import { WatchwordError } from './errors.ts';

/**
 * Time-based one-time passwords (RFC 6238) on top of HOTP (RFC 4226), through WebCrypto
 * HMAC, plus the two formats authenticator secrets are exchanged in: RFC 4648 base32 and
 * the `otpauth://` URI of the Google Authenticator Key Uri Format
 * (https://github.com/google/google-authenticator/wiki/Key-Uri-Format).
 *
 * Isomorphic: the web vault uses it to show live codes for items, the server to check
 * second factors. Untrusted text (URIs, pasted secrets, stored parameters) is rejected
 * with `VALIDATION_FAILED`; impossible numeric arguments throw a RangeError.
 */

// ---------------------------------------------------------------------------------------
// Base32 (RFC 4648 §6)

/** RFC 4648 §6, Table 3: "The Base 32 Alphabet". */
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE32_DECODE = new Map<string, number>([...BASE32_ALPHABET].map((c, i) => [c, i]));

/**
 * RFC 4648 §6 base32, upper case, without the `=` padding (RFC 4648 §3.2 allows omitting
 * it when the length is known; authenticator apps expect it omitted).
 */
export function encodeBase32(bytes: Uint8Array): string {
  return packBase32(bytes, BASE32_ALPHABET);
}

/**
 * Decodes RFC 4648 §6 base32. Case-insensitive; whitespace anywhere and trailing `=`
 * padding are ignored. A length that no byte string encodes to (1, 3 or 6 symbols in the
 * last 8-symbol quantum, RFC 4648 §6 cases (1)–(5)) or a symbol outside the alphabet
 * throws `VALIDATION_FAILED`. Non-zero bits after the last whole byte are ignored, as
 * authenticator apps do, so secrets made of random symbols still decode.
 */
export function decodeBase32(text: string): Uint8Array<ArrayBuffer> {
  const symbols = text.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase();
  if (symbols.length % 8 === 1 || symbols.length % 8 === 3 || symbols.length % 8 === 6) {
    throw invalid('base32 text has an impossible length');
  }
  const out = new Uint8Array(Math.floor((symbols.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const symbol of symbols) {
    const value = BASE32_DECODE.get(symbol);
    if (value === undefined) throw invalid('base32 text contains a character outside the alphabet');
    acc = ((acc << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// HOTP / TOTP (RFC 4226, RFC 6238)

export type TotpAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-512';

export interface TotpParams {
  /** RFC 6238 §1.2: HMAC-SHA-1, HMAC-SHA-256 or HMAC-SHA-512. */
  algorithm: TotpAlgorithm;
  /** RFC 4226 §5.3: at least 6 digits, possibly 7 or 8. */
  digits: 6 | 7 | 8;
  /** RFC 6238 §4.1 X, the time step in seconds. */
  period: number;
}

/** What every authenticator app understands: HMAC-SHA-1, 6 digits, 30 s (RFC 6238 §5.2). */
export const DEFAULT_TOTP: TotpParams = Object.freeze({ algorithm: 'SHA-1', digits: 6, period: 30 });

/** Accepted time steps, in seconds. */
export const MAX_TOTP_PERIOD = 300;

const ALGORITHMS: readonly TotpAlgorithm[] = ['SHA-1', 'SHA-256', 'SHA-512'];

/**
 * RFC 6238 §4.2: `T = floor((Current Unix time - T0) / X)` with T0 = 0. `timeMs` is Unix
 * time in milliseconds (as `Date.now()`); `period` is X in seconds.
 */
export function totpStep(timeMs: number, period = DEFAULT_TOTP.period): number {
  if (!Number.isFinite(timeMs) || timeMs < 0) throw new RangeError('TOTP time must be a non-negative number of milliseconds');
  if (!Number.isSafeInteger(period) || period < 1) throw new RangeError('TOTP period must be a positive integer');
  return Math.floor(timeMs / (period * 1000));
}

/**
 * HOTP (RFC 4226 §5.3): HMAC over the counter as an 8-byte big-endian integer
 * (RFC 4226 §5.1 "C 8-byte counter value"), dynamic truncation, then `Snum mod 10^Digit`,
 * zero-padded to `params.digits`. Counters up to 2^53 − 1 are encoded exactly.
 */
export async function hotp(secret: Uint8Array, counter: number, params: TotpParams = DEFAULT_TOTP): Promise<string> {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('HOTP counter must be a non-negative safe integer');
  const { algorithm, digits } = checkTotpParams(params);
  if (secret.length === 0) throw invalid('an OTP secret must not be empty');

  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  // Two 32-bit halves: `counter >>> 0` alone would wrap counters of 2^32 and above.
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter % 2 ** 32);

  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    bufferSource(secret),
    { name: 'HMAC', hash: algorithm },
    false,
    ['sign'],
  );
  const hs = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, message));

  // RFC 4226 §5.3 step 2, DT: the low 4 bits of the last byte select 4 bytes, and the
  // most significant bit is masked off "to avoid confusion about signed vs. unsigned".
  const offset = (hs[hs.length - 1] ?? 0) & 0x0f;
  const snum =
    (((hs[offset] ?? 0) & 0x7f) << 24) |
    ((hs[offset + 1] ?? 0) << 16) |
    ((hs[offset + 2] ?? 0) << 8) |
    (hs[offset + 3] ?? 0);
  // RFC 4226 §5.3 step 3: D = Snum mod 10^Digit.
  return String(snum % 10 ** digits).padStart(digits, '0');
}

/** TOTP (RFC 6238 §4.2): `HOTP(K, T)` with T = {@link totpStep}(timeMs, period). */
export async function totp(secret: Uint8Array, timeMs: number, params: TotpParams = DEFAULT_TOTP): Promise<string> {
  return hotp(secret, totpStep(timeMs, checkTotpParams(params).period), params);
}

/** Returns `params` if they are ones this module (and authenticator apps) support. */
export function checkTotpParams(params: TotpParams): TotpParams {
  if (!ALGORITHMS.includes(params.algorithm)) throw invalid('unsupported OTP algorithm');
  if (params.digits !== 6 && params.digits !== 7 && params.digits !== 8) throw invalid('OTP digits must be 6, 7 or 8');
  if (!Number.isSafeInteger(params.period) || params.period < 1 || params.period > MAX_TOTP_PERIOD) {
    throw invalid(`TOTP period must be an integer in 1..${MAX_TOTP_PERIOD}`);
  }
  return params;
}

// ---------------------------------------------------------------------------------------
// otpauth:// URIs (Google Authenticator Key Uri Format)

export interface OtpauthUriInput {
  /** The provider, e.g. "ACME Co". Must not contain a colon (Key Uri Format, "Issuer"). */
  issuer?: string | undefined;
  /** The account at that provider, e.g. an e-mail address. */
  account: string;
  secret: Uint8Array;
  params?: TotpParams | undefined;
}

export interface ParsedOtpauthUri {
  issuer?: string;
  account: string;
  secret: Uint8Array<ArrayBuffer>;
  params: TotpParams;
}

export interface ParsedTotpSecret {
  issuer?: string;
  account?: string;
  secret: Uint8Array<ArrayBuffer>;
  params: TotpParams;
}

/** Longer input is not an authenticator secret; refuse before doing any work on it. */
const MAX_URI_LENGTH = 4096;
/** Control characters (C0, DEL, C1) have no place in an issuer or account name. */
const CONTROL_RE = /\p{Cc}/u;

const URI_ALGORITHM: Record<TotpAlgorithm, string> = { 'SHA-1': 'SHA1', 'SHA-256': 'SHA256', 'SHA-512': 'SHA512' };
const ALGORITHM_FROM_URI = new Map<string, TotpAlgorithm>(
  Object.entries(URI_ALGORITHM).map(([algorithm, name]) => [name, algorithm as TotpAlgorithm]),
);

/**
 * Builds `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 * Label and values are percent-encoded as RFC 3986 §2.1 octets of UTF-8, spaces as `%20`
 * (the Key Uri Format: "not +"); the secret is unpadded base32. The issuer appears both as
 * label prefix and as parameter, as the format recommends.
 *
 * Throws `VALIDATION_FAILED` for an issuer containing a colon (the format forbids it), an
 * empty account, control characters, an empty secret, unsupported parameters, and — having
 * no issuer to split on — an account containing a colon.
 */
export function otpauthUri(input: OtpauthUriInput): string {
  const params = checkTotpParams(input.params ?? DEFAULT_TOTP);
  const { issuer, account } = input;
  if (input.secret.length === 0) throw invalid('an OTP secret must not be empty');
  if (account.length === 0 || CONTROL_RE.test(account)) throw invalid('invalid OTP account name');
  if (issuer !== undefined && (issuer.length === 0 || issuer.includes(':') || CONTROL_RE.test(issuer))) {
    throw invalid('invalid OTP issuer');
  }
  if (issuer === undefined && account.includes(':')) throw invalid('an OTP account name with a colon needs an issuer');

  const label = issuer === undefined ? encodeURIComponent(account) : `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [`secret=${encodeBase32(input.secret)}`];
  if (issuer !== undefined) query.push(`issuer=${encodeURIComponent(issuer)}`);
  query.push(`algorithm=${URI_ALGORITHM[params.algorithm]}`, `digits=${params.digits}`, `period=${params.period}`);
  return `otpauth://totp/${label}?${query.join('&')}`;
}

const URI_RE = /^otpauth:\/\/([^/?#]*)\/([^?#]*)(?:\?([^#]*))?(?:#.*)?$/is;

/**
 * Parses an `otpauth://totp/…` URI (Google Authenticator Key Uri Format). Throws
 * `VALIDATION_FAILED` for anything malformed: another scheme or type (`hotp` included),
 * bad percent-encoding, a missing or invalid `secret`, an unknown `algorithm`, `digits`
 * other than 6/7/8, a `period` outside 1..300, a repeated parameter, an empty account.
 *
 * Omitted parameters take the format's defaults (SHA1, 6, 30). The `issuer` parameter
 * wins over the label prefix; parameter names are case-sensitive, values of `algorithm`
 * are not. A `+` is a literal plus, not a space (RFC 3986 has no form encoding).
 */
export function parseOtpauthUri(uri: string): ParsedOtpauthUri {
  const text = uri.trim();
  if (text.length > MAX_URI_LENGTH) throw invalid('the otpauth URI is too long');
  const match = URI_RE.exec(text);
  if (match === null) throw invalid('not an otpauth URI');
  const [, type = '', rawLabel = '', rawQuery = ''] = match;
  if (type.toLowerCase() !== 'totp') throw invalid('only otpauth://totp URIs are supported');

  const query = new Map<string, string>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = percentDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = percentDecode(eq === -1 ? '' : pair.slice(eq + 1));
    if (query.has(name)) throw invalid(`the otpauth URI repeats the ${name} parameter`);
    query.set(name, value);
  }

  const secretText = query.get('secret');
  if (secretText === undefined || secretText.trim() === '') throw invalid('the otpauth URI has no secret');
  const secret = decodeBase32(secretText);
  if (secret.length === 0) throw invalid('the otpauth URI has no secret');

  const algorithmText = query.get('algorithm');
  const algorithm = algorithmText === undefined ? DEFAULT_TOTP.algorithm : ALGORITHM_FROM_URI.get(algorithmText.toUpperCase());
  if (algorithm === undefined) throw invalid('unsupported OTP algorithm');
  const params = checkTotpParams({
    algorithm,
    digits: parseDecimal(query.get('digits'), DEFAULT_TOTP.digits) as TotpParams['digits'],
    period: parseDecimal(query.get('period'), DEFAULT_TOTP.period),
  });

  // Label: "accountname" or "issuer:accountname", the colon literal or %3A. The issuer
  // "may not itself contain a colon", so the first colon separates.
  const separator = /:|%3A/i.exec(rawLabel);
  let labelIssuer: string | undefined;
  let account: string;
  if (separator === null) {
    account = percentDecode(rawLabel);
  } else {
    labelIssuer = percentDecode(rawLabel.slice(0, separator.index));
    // "optional spaces may precede the account name"
    account = percentDecode(rawLabel.slice(separator.index + separator[0].length)).trimStart();
  }
  const issuerParam = query.get('issuer');
  const issuer = issuerParam !== undefined && issuerParam !== '' ? issuerParam : labelIssuer;
  if (account.trim() === '' || CONTROL_RE.test(account)) throw invalid('invalid OTP account name');
  if (issuer !== undefined && CONTROL_RE.test(issuer)) throw invalid('invalid OTP issuer');

  return issuer === undefined || issuer === '' ? { account, secret, params } : { issuer, account, secret, params };
}

/**
 * What a person pastes into an item's TOTP field: either an `otpauth://` URI or a bare
 * base32 secret (spaces allowed, as apps display it in groups), which gets
 * {@link DEFAULT_TOTP}. Throws `VALIDATION_FAILED` for anything else or an empty secret.
 */
export function parseTotpSecret(input: string): ParsedTotpSecret {
  const text = input.trim();
  if (/^otpauth:/i.test(text)) return parseOtpauthUri(text);
  if (text.length > MAX_URI_LENGTH) throw invalid('the OTP secret is too long');
  const secret = decodeBase32(text);
  if (secret.length === 0) throw invalid('the OTP secret is empty');
  return { secret, params: { ...DEFAULT_TOTP } };
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid('the otpauth URI has invalid percent-encoding');
  }
}

function parseDecimal(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,4}$/.test(text)) throw invalid('invalid number in the otpauth URI');
  return Number(text);
}

function invalid(reason: string): WatchwordError {
  return new WatchwordError('VALIDATION_FAILED', { details: { reason } });
}
