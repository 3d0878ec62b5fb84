import { randomBytes } from 'node:crypto';
import { WatchwordError, toBase64Url } from '@watchword/protocol';
import { sha256Base64Url } from '../tokens/sha256.ts';
import type { StateStore } from '../state/types.ts';
import type { Attempt } from './throttle.ts';

/**
 * Handshake state (registration and login) lives in the shared state store — any instance can finish what another
 * started — with a short TTL, and is taken atomically so each handshake finishes at most once. It is kept under the
 * hash of its id (`secretKey` below): the id is what finishes it.
 */
export const LOGIN_TTL_MS = 60_000;
export const REGISTRATION_TTL_MS = 10 * 60_000;

/** Every kind of multi-step exchange kept in the state store, with how long each may take. */
const TTL_MS = {
  login: LOGIN_TTL_MS,
  register: REGISTRATION_TTL_MS,
  /** Fresh authentication of a signed-in user (an OPAQUE login). */
  reauth: LOGIN_TTL_MS,
  /** Password change and recovery: a new OPAQUE registration. */
  password: REGISTRATION_TTL_MS,
  recovery: REGISTRATION_TTL_MS,
} as const;
export type HandshakeKind = keyof typeof TTL_MS;

export interface LoginHandshake {
  serverLoginState: string;
  /** null when the e-mail is unknown (the handshake ran against a fake record). */
  userId: string | null;
  /** The normalised e-mail: a successful finish resets its throttle counters. */
  email: string;
  /** The start's throttle attempt (absent in a handshake started before the server recorded it). */
  attempt?: Attempt;
  /**
   * `credentialFingerprint` of the OPAQUE record the start ran against (absent for an unknown e-mail, and in a
   * handshake started before the server recorded it): the finish opens no session if the record has changed since.
   */
  credential?: string;
}

export interface RegistrationHandshake {
  userId: string;
  email: string;
  /** As in LoginHandshake. */
  attempt?: Attempt;
  /** The address already had an account: finishing creates nothing (no enumeration). */
  existing: boolean;
}

/**
 * The state-store key of a value found by a bearer secret (a handshake id, a pending second-factor login's token, a
 * fresh-authentication token): its kind and the secret's SHA-256. The store, and whatever reads it (a replica, a
 * snapshot, `MONITOR`), never holds a usable secret, only what it leads to.
 */
export function secretKey(kind: string, secret: string): string {
  return `${kind}:${sha256Base64Url(secret)}`;
}

/**
 * What a pending login keeps of the OPAQUE record its password was proven against: the record's SHA-256. The record
 * changes with the password (change, recovery, vault reset), so a login started before that cannot finish after it
 * (a login kept pending by someone who knew the old password must not outlive the change meant to lock them out).
 */
export function credentialFingerprint(opaqueRecord: string): string {
  return sha256Base64Url(opaqueRecord);
}

const newId = () => toBase64Url(randomBytes(32));

export async function saveHandshake(state: StateStore, kind: HandshakeKind, value: object): Promise<string> {
  const id = newId();
  await state.set(secretKey(kind, id), JSON.stringify(value), TTL_MS[kind]);
  return id;
}

export async function takeHandshake<T>(state: StateStore, kind: HandshakeKind, id: string): Promise<T> {
  const raw = await state.take(secretKey(kind, id));
  if (raw === null) throw new WatchwordError('HANDSHAKE_EXPIRED');
  return JSON.parse(raw) as T;
}
