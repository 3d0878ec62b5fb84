import { unlinkSync } from 'node:fs';
import type { Config } from '../config.ts';
import {
  type KeyStatus,
  SIGNING_ALGS,
  type SigningAlg,
  type SigningKey,
  byCreation,
  createKeyFile,
  keyStatuses,
  readKeyDirectory,
  retirementGraceMs,
  signingKeyDir,
} from './signing-keys.ts';
import { OperatorError } from '../operator-errors.ts';

/**
 * Signing-key rotation, run offline by `ww-server keys …` against the same DATA_DIR the servers use.
 * It only ever adds a key file (and `prune` deletes expired ones); running servers re-read the directory
 * at most every 60 s and switch keys by the clock (see signing-keys.ts).
 */

export interface RotateOptions {
  readonly alg: SigningAlg;
  /** Seconds the new key is only published (in JWKS, verifying) before it signs; 0 = at once. */
  readonly activationDelaySeconds: number;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

export interface LifecycleOptions {
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** retirementGraceMs(access-token TTL, clock tolerance). */
  readonly graceMs: number;
}

/** Adds a key. It supersedes every existing key once it activates; the very first key is active at once. */
export function rotateSigningKey(dataDir: string, options: RotateOptions): SigningKey {
  const dir = signingKeyDir(dataDir);
  const newest = readKeyDirectory(dir).sort(byCreation).at(-1);
  if (!newest) return createKeyFile(dir, options.alg, options.now, options.now);
  // Creation order decides succession, so the new key must come after every existing one even if the clock went back.
  const createdAt = Math.max(options.now, newest.createdAt + 1);
  return createKeyFile(dir, options.alg, createdAt, options.now + options.activationDelaySeconds * 1000);
}

/** Every key on disk with its state, oldest first. */
export function listSigningKeys(dataDir: string, options: LifecycleOptions): KeyStatus[] {
  return keyStatuses(readKeyDirectory(signingKeyDir(dataDir)), options.now, options.graceMs);
}

/** Deletes the files of expired keys (no token they signed can still be valid); returns them. */
export function pruneSigningKeys(dataDir: string, options: LifecycleOptions): SigningKey[] {
  const expired = listSigningKeys(dataDir, options).filter((s) => s.state === 'expired').map((s) => s.key);
  for (const key of expired) unlinkSync(key.file);
  return expired;
}


const ROTATE_USAGE = `ww-server keys rotate [--alg ${SIGNING_ALGS.join('|')}] [--activate-now]`;

export const KEYS_USAGE = `usage: ww-server keys <command>

commands:
  list      show every access-token signing key with its state (published, active, retiring, expired)
  rotate    add a key: published in JWKS now, signing after KEY_ACTIVATION_DELAY; the current key then retires
            --alg ${SIGNING_ALGS.join('|')}   algorithm of the new key (default: ACCESS_TOKEN_ALG)
            --activate-now          sign with it at once (JWKS caches elsewhere may not know it yet)
  prune     delete the files of expired keys

Running servers pick up a new key within 60 s and switch to it at its activation time.`;

const time = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}

function formatList(statuses: readonly KeyStatus[], config: Config): string {
  if (statuses.length === 0) return `no signing keys in ${signingKeyDir(config.dataDir)} (the server creates one at first start)\n`;
  const rows = [['KID', 'ALG', 'STATE', 'CREATED', 'ACTIVATES', 'RETIRED', 'EXPIRES']];
  for (const s of statuses) rows.push([s.key.kid, s.key.alg, s.state, time(s.key.createdAt), time(s.key.activatesAt), time(s.retiredAt), time(s.expiresAt)]);
  let out = `${table(rows)}\n`;
  const active = statuses.find((s) => s.state === 'active')?.key;
  const pending = statuses.some((s) => s.state === 'published' && s.key.alg === config.accessTokenAlg);
  if (active && active.alg !== config.accessTokenAlg && !pending) {
    out += `note: ACCESS_TOKEN_ALG is ${config.accessTokenAlg} but the active key is ${active.alg}; run \`ww-server keys rotate\` to switch\n`;
  }
  return out;
}

function parseRotateArgs(args: readonly string[], config: Config): { alg: SigningAlg; activateNow: boolean } {
  let alg: SigningAlg = config.accessTokenAlg;
  let activateNow = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--activate-now') activateNow = true;
    else if (arg === '--alg' || arg.startsWith('--alg=')) {
      const value = arg === '--alg' ? args[++i] : arg.slice('--alg='.length);
      if (!SIGNING_ALGS.includes(value as SigningAlg)) throw new OperatorError('WW_KEYS_USAGE', `keys rotate: --alg must be one of ${SIGNING_ALGS.join(', ')}${value === undefined ? '' : `, got "${value}"`}`);
      alg = value as SigningAlg;
    } else throw new OperatorError('WW_KEYS_USAGE', `keys rotate: unknown ${arg.startsWith('-') ? 'option' : 'argument'} "${arg}" (usage: ${ROTATE_USAGE})`);
  }
  return { alg, activateNow };
}

function rotate(args: readonly string[], config: Config, now: number, graceMs: number): string {
  const { alg, activateNow } = parseRotateArgs(args, config);
  const before = listSigningKeys(config.dataDir, { now, graceMs });
  const key = rotateSigningKey(config.dataDir, { alg, activationDelaySeconds: activateNow ? 0 : config.keyActivationDelaySeconds, now });
  if (before.length === 0) return `created signing key ${key.kid} (${key.alg}), active now\n`;
  const previous = before.find((s) => s.state === 'active')?.key;
  const after = listSigningKeys(config.dataDir, { now, graceMs }).find((s) => s.key.kid === previous?.kid);
  const starts = key.activatesAt <= now ? 'signs from now (running servers switch within 60 s)' : `signs from ${time(key.activatesAt)}`;
  const retires = previous && after ? `; ${previous.kid} (${previous.alg}) then retires and verifies until ${time(after.expiresAt)}` : '';
  return `created signing key ${key.kid} (${key.alg}): in JWKS now, ${starts}${retires}\n`;
}

/** Runs `ww-server keys <args>`; returns what to print. Throws OperatorError (WW_KEYS_USAGE) for a bad command line. */
export function runKeysCommand(args: readonly string[], config: Config, now = Date.now()): string {
  const graceMs = retirementGraceMs(config.accessTokenTtlSeconds, config.clockToleranceSeconds);
  const [command = 'list', ...rest] = args;
  if (command === 'help' || command === '--help' || command === '-h') return `${KEYS_USAGE}\n`;
  if (command === 'rotate') return rotate(rest, config, now, graceMs);
  if (rest.length > 0) throw new OperatorError('WW_KEYS_USAGE', `keys ${command}: unexpected argument "${rest[0]}"`);
  if (command === 'list') return formatList(listSigningKeys(config.dataDir, { now, graceMs }), config);
  if (command === 'prune') {
    const deleted = pruneSigningKeys(config.dataDir, { now, graceMs });
    if (deleted.length === 0) return 'no expired signing keys\n';
    return deleted.map((k) => `deleted expired signing key ${k.kid} (${k.alg}) ${k.file}\n`).join('');
  }
  throw new OperatorError('WW_KEYS_USAGE', `keys: unknown command "${command}" (use list, rotate or prune)`);
}
