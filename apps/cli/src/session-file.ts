import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LocalUnlockRecord, StoredDpopKeyPair, StoredTokens } from '@watchword/client';

/**
 * The CLI's session file (mode 0600 in a 0700 directory). It holds the tokens and, when unlocked, the account key
 * SEALED under the session key from WATCHWORD_SESSION (AES-256-GCM): no key that decrypts the vault is on disk in
 * the clear. The refresh token is stored as gh and bw store theirs: readable by the owning user only.
 */
export interface SessionFile {
  version: 1;
  server: string;
  email: string;
  userId: string;
  tokens: StoredTokens;
  /** Account key sealed under WATCHWORD_SESSION; null when locked. */
  sealedAccountKey: string | null;
  /**
   * The DPoP key the session is bound to (RFC 9449), or null for a bearer session. A CLI run is a new process each
   * time, so the key cannot be a non-extractable in-memory key: it is kept here, readable by the owner only, like
   * the refresh token it protects. It never leaves this machine, so a token leaked elsewhere is useless.
   */
  dpop: StoredDpopKeyPair | null;
  /**
   * The account key sealed under a key stretched from the master password (Argon2id at the account's profile), so
   * that the password unlocks on this machine without the server (and offline). Remade at each login and
   * password-proven unlock; see docs/crypto.md for what it costs a thief of this file.
   */
  localUnlock?: LocalUnlockRecord;
  /** When a command last brought the vault up to date with the server (ms since the epoch), for `ww status`. */
  lastSyncAt?: number;
  /**
   * Set when this session is an API key's (`ww login --apikey`): its access token came from OAuth client
   * credentials and has no refresh token (`tokens.refreshToken` is empty). A new token needs the key again
   * (WATCHWORD_CLIENT_ID / WATCHWORD_CLIENT_SECRET): the key's secret is never written to this file.
   */
  apiKey?: { clientId: string; readOnly: boolean };
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WATCHWORD_HOME) return env.WATCHWORD_HOME;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'watchword');
}

export function sessionPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'session.json');
}

export function readSession(env: NodeJS.ProcessEnv = process.env): SessionFile | undefined {
  let raw: string;
  try {
    raw = readFileSync(sessionPath(env), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(raw) as SessionFile;
    return parsed.version === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function writeSession(session: SessionFile, env: NodeJS.ProcessEnv = process.env): void {
  writePrivate(sessionPath(env), JSON.stringify(session, null, 2), env);
}

/** Writes a file readable by the owner only (0600 in a 0700 directory), whole or not at all (rename). */
function writePrivate(path: string, content: string, env: NodeJS.ProcessEnv): void {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * The local copy of the vault, beside the session file (SDK indexed-cache.ts, read through CachedVault): the item blobs
 * as the server sent them (ciphertext under the vault keys) and an index sealed under a key derived from the account
 * key, so it holds nothing readable without the master password or the session key from WATCHWORD_SESSION (which
 * opens the sealed account key). See the README's "Where the CLI keeps what" and docs/threat-model.md.
 */
export function vaultCopyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'vault-copy');
}

/**
 * Where ww before the indexed copy kept its copy (one envelope of every decrypted item, SDK vault-cache.ts). It is not
 * read any more: the first command that syncs makes the new copy in full and removes it.
 */
export function legacyCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'vault-cache');
}

/** A file larger than this is not one of ours (the server's vault limits keep real copies far below): not read. */
const MAX_COPY_BYTES = 512 * 1024 * 1024;

export function readVaultCopy(env: NodeJS.ProcessEnv = process.env): string | null {
  const path = vaultCopyPath(env);
  try {
    if (statSync(path).size > MAX_COPY_BYTES) return null;
    // The file is ASCII (JSON header, base64url): latin1 reads it byte for byte without UTF-8 decoding, several times
    // faster on a 20 MB copy; a byte that is not ASCII cannot be base64url and fails the copy's checks.
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

export function writeVaultCopy(text: string, env: NodeJS.ProcessEnv = process.env): void {
  writePrivate(vaultCopyPath(env), text, env);
  rmSync(legacyCachePath(env), { force: true });
}

export function hasLegacyCache(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(legacyCachePath(env));
}

/** Removes the local copy (and an older ww's copy, if one is left). */
export function removeVaultCopy(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(vaultCopyPath(env), { force: true });
  rmSync(legacyCachePath(env), { force: true });
}

/**
 * The member keys this device has seen (trust on first use, then pinned: a substituted key is refused), sealed by the
 * SDK under a key derived from the account key (Vault.sealKeyPins).
 */
export function keyPinsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'key-pins');
}

export function readKeyPins(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const path = keyPinsPath(env);
    if (statSync(path).size > 16 * 1024 * 1024) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function writeKeyPins(sealed: string, env: NodeJS.ProcessEnv = process.env): void {
  writePrivate(keyPinsPath(env), sealed, env);
}

/**
 * The session file to write after this process refreshed its tokens: the file as it is on disk now with the new
 * tokens, if it still holds the session whose refresh token was `previousRefreshToken`; undefined (leave it alone)
 * if it is gone (logged out) or holds another session (logged in again). What else it holds now, such as a lock,
 * stays.
 */
export function withRefreshedTokens(onDisk: SessionFile | undefined, previousRefreshToken: string, tokens: StoredTokens): SessionFile | undefined {
  if (onDisk === undefined || onDisk.tokens.refreshToken !== previousRefreshToken) return undefined;
  return { ...onDisk, tokens };
}

/** Forgets the session and the offline copy that belongs with it. */
export function removeSession(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(sessionPath(env), { force: true });
  rmSync(keyPinsPath(env), { force: true });
  removeVaultCopy(env);
}

/** Two spellings of one server URL (a trailing slash, the case of the scheme and host) are the same server. */
export function sameServer(a: string, b: string): boolean {
  const canonical = (url: string) => {
    try {
      return new URL(url).href.replace(/\/+$/, '');
    } catch {
      return url;
    }
  };
  return canonical(a) === canonical(b);
}
