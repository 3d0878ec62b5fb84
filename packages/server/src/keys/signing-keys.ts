import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Base64Url } from '../tokens/sha256.ts';
import { writeSecretFile } from './files.ts';
import { OperatorError } from '../operator-errors.ts';


/** The clock tolerance the server uses; a retiring signing key keeps verifying for the TTL plus this. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Access-token signing keys and their lifecycle.
 *
 * Each key is one file in `<dataDir>/keys/jwt/` (0600 in a 0700 directory), written once and never rewritten:
 * `<created>_<kid>.json` = `{ kid, alg, createdAt, activatesAt, privateKeyPem }` (times ISO 8601).
 * The lifecycle is computed from those times and the clock, so nothing has to be written when time passes:
 *
 * - keys are ordered by `createdAt`; a key *signs* from its `activatesAt` until a later-created key activates
 *   (the first key has nothing to supersede: it signs from the start);
 * - `retiredAt` = the moment a later-created key activates (derived, never stored);
 * - published (now < activatesAt) → active (the newest activated key) → retiring (superseded, still verifies)
 *   → expired once now ≥ retiredAt + access-token TTL + clock tolerance, i.e. once every token it signed has expired.
 *   Published, active and retiring keys are in JWKS and verify; expired keys do neither (`ww-server keys prune` deletes them).
 *
 * Files from before rotation existed (`<ISO time with - for : and .>.pem`, PKCS#8) are still read, in place and read-only
 * (the directory may be a read-only mount): created and activated at the time in their name, else at their mtime.
 */

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'ES256', 'EdDSA'];

export type KeyState = 'published' | 'active' | 'retiring' | 'expired';

/** The public half as published in JWKS (RFC 7517 §4). No private member (`d`, `p`, …) ever appears here. */
export type PublicJwk =
  /** RFC 7518 §6.3.1 */
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string; readonly kid: string; readonly alg: 'RS256'; readonly use: 'sig' }
  /** RFC 7518 §6.2.1 */
  | { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string; readonly kid: string; readonly alg: 'ES256'; readonly use: 'sig' }
  /** RFC 8037 §2 */
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string; readonly kid: string; readonly alg: 'EdDSA'; readonly use: 'sig' };

/** An access-token signing key. The private half stays on the server; JWKS publishes the public half. */
export interface SigningKey {
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  /** The one algorithm this key is used with (RFC 8725 §3.1: "each key MUST be used with exactly one algorithm"). */
  readonly alg: SigningAlg;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** When the key may start signing, milliseconds since the epoch. */
  readonly activatesAt: number;
  /** The file the key was read from. */
  readonly file: string;
}

export interface KeyStatus {
  readonly key: SigningKey;
  readonly state: KeyState;
  /** When a later key activates and this one stops signing (ms); undefined while no successor exists. */
  readonly retiredAt: number | undefined;
  /** When this key leaves JWKS and stops verifying: retiredAt + TTL + clock tolerance (ms). */
  readonly expiresAt: number | undefined;
}

/** The keys as of one instant. */
export interface KeySet {
  /** The key new tokens are signed with. */
  readonly current: SigningKey;
  /** Every key whose tokens are accepted (published, active, retiring), by kid: exactly what JWKS publishes. */
  readonly byKid: ReadonlyMap<string, SigningKey>;
  /** The algorithms of those keys: the verification allow-list (RFC 8725 §3.1). */
  readonly algorithms: ReadonlySet<SigningAlg>;
}

export interface SigningKeys extends KeySet {
  /**
   * The key set as of `nowMs`. States are computed from `nowMs` on every call (so a published key starts signing
   * exactly at its activatesAt); the key directory is re-read when the last read is `refreshIntervalMs` away from `nowMs`,
   * so keys added by `ww-server keys rotate` reach a running server without a restart. `current`, `byKid` and
   * `algorithms` of this object are those of the latest call (of the load, before any).
   */
  at(nowMs: number): KeySet;
}

export interface LoadSigningKeysOptions {
  /** Algorithm of the key created when the directory holds none. Default RS256. */
  readonly alg?: SigningAlg;
  /** Milliseconds since the epoch. Default Date.now(). */
  readonly now?: number;
  /** Access-token lifetime: a superseded key keeps verifying this long (plus the tolerance). Default 900. */
  readonly accessTokenTtlSeconds?: number;
  /** Must equal TokenSettings.clockToleranceSeconds. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Default 60 000. */
  readonly refreshIntervalMs?: number;
}

export function signingKeyDir(dataDir: string): string {
  return join(dataDir, 'keys', 'jwt');
}

/** How long a superseded key keeps verifying: every token it signed has expired by then. */
export function retirementGraceMs(accessTokenTtlSeconds: number, clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS): number {
  return (accessTokenTtlSeconds + clockToleranceSeconds) * 1000;
}

/** RFC 7638 §3.2: the thumbprint hashes the required members only, in lexicographic order, without whitespace. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  let required: Record<string, unknown>;
  if (jwk.kty === 'RSA') required = { e: jwk.e, kty: jwk.kty, n: jwk.n }; // RFC 7638 §3.2
  else if (jwk.kty === 'EC') required = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }; // RFC 7638 §3.2
  else if (jwk.kty === 'OKP') required = { crv: jwk.crv, kty: jwk.kty, x: jwk.x }; // RFC 8037 §2
  else throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  if (Object.values(required).some((v) => typeof v !== 'string')) throw new Error('JWK lacks a required member');
  return sha256Base64Url(JSON.stringify(required));
}

function generatePrivateKey(alg: SigningAlg): KeyObject {
  // RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms."
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  // RFC 7518 §3.4: ES256 is ECDSA using P-256 and SHA-256.
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  // RFC 8037 §3.1: EdDSA with the Ed25519 curve.
  return generateKeyPairSync('ed25519').privateKey;
}

/** The algorithm a private key is used with, and its public JWK; throws for keys we do not sign with. */
function describeKey(privateKey: KeyObject): { alg: SigningAlg; publicKey: KeyObject; publicJwk: PublicJwk } {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(jwk);
  const type = privateKey.asymmetricKeyType;
  if (type === 'rsa' && jwk.n && jwk.e) {
    if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('RSA keys must have 2048 bits or more (RFC 7518 §3.3)');
    return { alg: 'RS256', publicKey, publicJwk: { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' } };
  }
  if (type === 'ec' && jwk.crv === 'P-256' && jwk.x && jwk.y) {
    return { alg: 'ES256', publicKey, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' } };
  }
  if (type === 'ed25519' && jwk.x) {
    return { alg: 'EdDSA', publicKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' } };
  }
  throw new Error(`unsupported key type ${String(type)}${jwk.crv ? ` (${jwk.crv})` : ''}: use RSA ≥ 2048, EC P-256 or Ed25519`);
}

function toSigningKey(privateKey: KeyObject, meta: { createdAt: number; activatesAt: number; file: string }): SigningKey {
  const { alg, publicKey, publicJwk } = describeKey(privateKey);
  return Object.freeze({ kid: publicJwk.kid, alg, privateKey, publicKey, publicJwk: Object.freeze(publicJwk), ...meta });
}

function parseTime(value: unknown, name: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${name} is not an ISO 8601 time`);
  return ms;
}

function parseJsonKeyFile(file: string, text: string): SigningKey {
  const data: unknown = JSON.parse(text);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a JSON object');
  const { kid, alg, createdAt, activatesAt, privateKeyPem } = data as Record<string, unknown>;
  if (typeof privateKeyPem !== 'string') throw new Error('privateKeyPem is missing');
  const key = toSigningKey(createPrivateKey(privateKeyPem), { createdAt: parseTime(createdAt, 'createdAt'), activatesAt: parseTime(activatesAt, 'activatesAt'), file });
  // The recorded metadata must describe the key it sits next to: a mismatch is a hand edit or a mix-up, not ours to guess.
  if (kid !== key.kid) throw new Error(`kid ${String(kid)} is not the key's RFC 7638 thumbprint ${key.kid}`);
  if (alg !== key.alg) throw new Error(`alg ${String(alg)} does not fit a key used with ${key.alg}`);
  return key;
}

/** Name of the files the first version wrote: `new Date().toISOString()` with `:` and `.` replaced by `-`. */
const LEGACY_NAME = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.pem$/;

function parseLegacyPem(file: string, name: string, text: string, mtimeMs: number): SigningKey {
  const m = LEGACY_NAME.exec(name);
  const named = m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : Number.NaN;
  const createdAt = Number.isNaN(named) ? Math.floor(mtimeMs) : named;
  return toSigningKey(createPrivateKey(text), { createdAt, activatesAt: createdAt, file });
}

interface CachedFile {
  readonly mtimeMs: number;
  readonly size: number;
  readonly key: SigningKey;
}

/**
 * Reads every key file in `dir` (none if the directory does not exist). Files whose mtime and size are unchanged
 * since the last read are taken from `cache`, so a refresh costs one readdir and a stat per file.
 */
export function readKeyDirectory(dir: string, cache = new Map<string, CachedFile>()): SigningKey[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json') || n.endsWith('.pem'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const seen = new Set<string>();
  const byKid = new Map<string, SigningKey>();
  for (const name of names.sort()) {
    const file = join(dir, name);
    seen.add(name);
    const stat = statSync(file);
    let entry = cache.get(name);
    if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
      let key: SigningKey;
      try {
        const text = readFileSync(file, 'utf8');
        key = name.endsWith('.json') ? parseJsonKeyFile(file, text) : parseLegacyPem(file, name, text, stat.mtimeMs);
      } catch (error) {
        throw new OperatorError('WW_SIGNING_KEY_INVALID', `signing key ${file}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
      }
      entry = { mtimeMs: stat.mtimeMs, size: stat.size, key };
      cache.set(name, entry);
    }
    // The same key twice (say, a legacy .pem next to its .json copy): the file with metadata wins, else the first.
    const other = byKid.get(entry.key.kid);
    if (!other || (other.file.endsWith('.pem') && name.endsWith('.json'))) byKid.set(entry.key.kid, entry.key);
  }
  for (const name of cache.keys()) if (!seen.has(name)) cache.delete(name);
  return [...byKid.values()];
}

/** Generates a key and writes its file (atomically, 0600 in a 0700 directory). */
export function createKeyFile(dir: string, alg: SigningAlg, createdAt: number, activatesAt: number): SigningKey {
  const privateKey = generatePrivateKey(alg);
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trim();
  const { publicJwk } = describeKey(privateKey);
  const created = new Date(createdAt).toISOString();
  const file = join(dir, `${created.replace(/[:.]/g, '-')}_${publicJwk.kid}.json`);
  const record = { kid: publicJwk.kid, alg, createdAt: created, activatesAt: new Date(activatesAt).toISOString(), privateKeyPem };
  writeSecretFile(file, JSON.stringify(record, null, 2));
  return toSigningKey(privateKey, { createdAt, activatesAt, file });
}

/** Oldest first; ties (same millisecond) broken by kid so every instance agrees on the order. */
export function byCreation(a: SigningKey, b: SigningKey): number {
  return a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
}

/** The lifecycle of every key at `nowMs`, oldest first. Pure: the same keys and instant give the same answer everywhere. */
export function keyStatuses(keys: readonly SigningKey[], nowMs: number, graceMs: number): KeyStatus[] {
  const ordered = [...keys].sort(byCreation);
  const retiredAt: number[] = [];
  let nextActivation = Number.POSITIVE_INFINITY;
  for (let i = ordered.length - 1; i >= 0; i--) {
    retiredAt[i] = nextActivation;
    nextActivation = Math.min(nextActivation, (ordered[i] as SigningKey).activatesAt);
  }
  // The newest activated key signs. The oldest key counts as activated from the start: there is nothing before it,
  // and an instance whose clock is behind the one that created it must still be able to sign.
  let active = 0;
  for (let i = ordered.length - 1; i > 0; i--) {
    if ((ordered[i] as SigningKey).activatesAt <= nowMs) {
      active = i;
      break;
    }
  }
  return ordered.map((key, i) => {
    const retired = retiredAt[i] ?? Number.POSITIVE_INFINITY;
    const finite = Number.isFinite(retired);
    let state: KeyState;
    if (i === active) state = 'active';
    else if (retired > nowMs) state = 'published';
    else state = nowMs < retired + graceMs ? 'retiring' : 'expired';
    return { key, state, retiredAt: finite ? retired : undefined, expiresAt: finite ? retired + graceMs : undefined };
  });
}

interface Snapshot extends KeySet {
  /** The set stays valid for nowMs in [from, until): states only change at these boundaries. */
  readonly from: number;
  readonly until: number;
}

function snapshot(keys: readonly SigningKey[], nowMs: number, graceMs: number): Snapshot {
  const statuses = keyStatuses(keys, nowMs, graceMs);
  const live = statuses.filter((s) => s.state !== 'expired').map((s) => s.key);
  const current = statuses.find((s) => s.state === 'active')?.key;
  if (!current) throw new OperatorError('WW_SIGNING_KEY_MISSING', 'no signing key');
  let from = Number.NEGATIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  for (const s of statuses) {
    for (const t of [s.key.activatesAt, s.retiredAt, s.expiresAt]) {
      if (t === undefined) continue;
      if (t <= nowMs) from = Math.max(from, t);
      else until = Math.min(until, t);
    }
  }
  return Object.freeze({
    current,
    byKid: new Map(live.map((k) => [k.kid, k])),
    algorithms: new Set(live.map((k) => k.alg)),
    from,
    until,
  });
}

/**
 * Loads the signing keys in `<dataDir>/keys/jwt/`; on first start (no key file) creates one with `options.alg`,
 * active at once. Throws, naming the file, when a key file cannot be used.
 */
export function loadSigningKeys(dataDir: string, options: LoadSigningKeysOptions = {}): SigningKeys {
  const now = options.now ?? Date.now();
  const dir = signingKeyDir(dataDir);
  const graceMs = retirementGraceMs(options.accessTokenTtlSeconds ?? 900, options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS);
  const refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
  const cache = new Map<string, CachedFile>();
  let keys = readKeyDirectory(dir, cache);
  if (keys.length === 0) keys = [createKeyFile(dir, options.alg ?? 'RS256', now, now)];
  let readAt = now;
  let latest = snapshot(keys, now, graceMs);

  function at(nowMs: number): KeySet {
    if (Math.abs(nowMs - readAt) >= refreshIntervalMs) {
      readAt = nowMs;
      try {
        const fresh = readKeyDirectory(dir, cache);
        // An emptied or unreadable directory (a mount being replaced, a bad copy) must not stop signing:
        // keep the keys we have and try again after the next interval. New keys only appear through whole files.
        if (fresh.length > 0 && (fresh.length !== keys.length || fresh.some((k, i) => k !== keys[i]))) {
          keys = fresh;
          latest = snapshot(keys, nowMs, graceMs);
        }
      } catch {
        // keep the keys we have (see above)
      }
    }
    if (nowMs < latest.from || nowMs >= latest.until) latest = snapshot(keys, nowMs, graceMs);
    return latest;
  }

  return Object.freeze({
    at,
    get current() {
      return latest.current;
    },
    get byKid() {
      return latest.byKid;
    },
    get algorithms() {
      return latest.algorithms;
    },
  });
}
