import { type StoredTokens, openTokens, sealTokens } from '@watchword/client';
import { database } from './idb.ts';

/**
 * This browser profile's one session, kept in IndexedDB (store `session`, key `current`) so that a reload or a new tab
 * opens the vault locked instead of logged out (docs/web-vault.md, "What the browser keeps"):
 * - `sealKey`: a non-extractable AES-256-GCM CryptoKey made for this record, stored by structured clone (a page script
 *   can use it but never read its bytes);
 * - `tokens`: the access and refresh tokens, sealed under `sealKey` with the user id in the AAD (the SDK's
 *   sealed-tokens.ts) — never in the clear;
 * - `dpopKey`: the DPoP key pair the tokens are bound to (RFC 9449), its private key non-extractable;
 * - the user id and e-mail address (not secrets: the locked screen names the account).
 * The account key is not here: unlocking derives it again (master password) or opens a device unlock record (PIN).
 */
export interface PersistedSession {
  version: 1;
  userId: string;
  email: string;
  sealKey: CryptoKey;
  dpopKey: CryptoKeyPair;
  tokens: string;
}

const KEY = 'current';

function isPersisted(value: unknown): value is PersistedSession {
  const v = value as Partial<PersistedSession> | undefined;
  return (
    typeof v === 'object' && v !== null && v.version === 1 && typeof v.userId === 'string' && typeof v.email === 'string' &&
    typeof v.tokens === 'string' && v.sealKey instanceof CryptoKey && v.dpopKey?.privateKey instanceof CryptoKey && v.dpopKey.publicKey instanceof CryptoKey
  );
}

/** Keeps a new session (after a login), replacing any earlier one. The DPoP private key must be non-extractable. */
export async function persistSession(input: { userId: string; email: string; dpopKey: CryptoKeyPair; tokens: StoredTokens }): Promise<void> {
  if (input.dpopKey.privateKey.extractable) throw new Error('the DPoP private key must be non-extractable');
  const sealKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const record: PersistedSession = {
    version: 1,
    userId: input.userId,
    email: input.email,
    sealKey,
    dpopKey: input.dpopKey,
    tokens: await sealTokens(sealKey, input.userId, input.tokens),
  };
  await (await database()).put('session', record, KEY);
}

/** The kept session with its tokens opened, or undefined (none, or a record that does not open: it is then wiped). */
export async function loadSession(): Promise<(Omit<PersistedSession, 'tokens'> & { tokens: StoredTokens }) | undefined> {
  const record = await (await database()).get('session', KEY);
  if (record === undefined) return undefined;
  try {
    if (!isPersisted(record)) throw new Error('not a session record');
    return { ...record, tokens: await openTokens(record.sealKey, record.userId, record.tokens) };
  } catch {
    await wipeSession();
    return undefined;
  }
}

/** Replaces the kept tokens after a rotation (same seal key, same DPoP key); nothing when no session of `userId` is kept. */
export async function updateTokens(userId: string, tokens: StoredTokens): Promise<void> {
  const db = await database();
  const record = await db.get('session', KEY);
  if (!isPersisted(record) || record.userId !== userId) return;
  await db.put('session', { ...record, tokens: await sealTokens(record.sealKey, userId, tokens) }, KEY);
}

/** Forgets the kept session (log out, a session the server ended, or "log out when the browser closes"). */
export async function wipeSession(): Promise<void> {
  await (await database()).delete('session', KEY);
}
