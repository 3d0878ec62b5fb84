import { randomBytes } from 'node:crypto';
import { WatchwordError, toBase64Url } from '@watchword/protocol';
import type { StateStore } from '../../state/types.ts';

/**
 * Handshake state (registration and login) lives in the shared state store — any instance can finish what another
 * started — with a short TTL, and is taken atomically so each handshake finishes at most once.
 */
export const LOGIN_TTL_MS = 60_000;
export const REGISTRATION_TTL_MS = 10 * 60_000;

export interface LoginHandshake {
  serverLoginState: string;
  /** null when the e-mail is unknown (the handshake ran against a fake record). */
  userId: string | null;
  /** The normalised e-mail: a successful finish resets its throttle counters. */
  email: string;
}

export interface RegistrationHandshake {
  userId: string;
  email: string;
  /** The address already had an account: finishing creates nothing (no enumeration). */
  existing: boolean;
}

const newId = () => toBase64Url(randomBytes(32));

export async function saveHandshake(state: StateStore, kind: 'login' | 'register', value: LoginHandshake | RegistrationHandshake): Promise<string> {
  const id = newId();
  await state.set(`${kind}:${id}`, JSON.stringify(value), kind === 'login' ? LOGIN_TTL_MS : REGISTRATION_TTL_MS);
  return id;
}

export async function takeHandshake<T>(state: StateStore, kind: 'login' | 'register', id: string): Promise<T> {
  const raw = await state.take(`${kind}:${id}`);
  if (raw === null) throw new WatchwordError('HANDSHAKE_EXPIRED');
  return JSON.parse(raw) as T;
}
