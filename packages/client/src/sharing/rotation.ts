import { api, type PublicKeys, randomBytes, type VaultMember, WatchwordError } from '@watchword/protocol';
import type { Session } from '../session.ts';
import { keyChain, type SharedKeyring, type SharedVaultState } from './keyring.ts';
import { KeyChangedError } from './pins.ts';

/** The vault's members with their keys checked against their signature and the account's pins. @throws {KeyChangedError} */
export async function checkedMembers(session: Session, keyring: SharedKeyring, vaultId: string): Promise<VaultMember[]> {
  const { members } = await session.call(api.vaults.members, { params: { vaultId } });
  for (const m of members) if (m.keys) await keyring.pins.check(m.keys, m.email);
  await keyring.pins.flush();
  return members;
}

/**
 * Rotates a shared vault's key: a new random key of the next version, granted (with the older keys, keyring.ts) to
 * every member the server lists now, each key checked against its signature and pins. The server takes it only if the
 * version is still the next one (compare-and-swap: of two managers rotating at once one gets KEY_VERSION_MISMATCH)
 * and the grants name exactly the current members (ROTATION_MEMBERS_MISMATCH otherwise, e.g. after a removal made
 * meanwhile) — so a member removed before it never holds the new key. Items keep their key version; everything
 * written afterwards is sealed under the new key. Returns the new version; the caller syncs to load it.
 * @throws {KeyChangedError} a member's key is not the pinned one: nothing is sealed to it, nothing sent.
 */
export async function rotateVaultKey(input: { session: Session; keyring: SharedKeyring; userId: string; state: SharedVaultState }): Promise<number> {
  const { session, keyring, userId, state } = input;
  const members = await checkedMembers(session, keyring, state.id);
  const keyVersion = state.keyVersion + 1;
  const chain = [randomBytes(32), ...keyChain(state)];
  try {
    const own = await keyring.ownKeys();
    const wrappedKeys: { userId: string; wrappedKey: string }[] = [];
    for (const m of members) {
      // This account's own key from its sealed keys, never as the server lists it; every other member's as checked and pinned.
      const recipient: Pick<PublicKeys, 'userId' | 'x25519PublicKey'> | null = m.userId === userId ? { userId: m.userId, x25519PublicKey: own.x25519PublicKey } : m.keys;
      if (!recipient) throw new WatchwordError('KEYS_REQUIRED', { message: `${m.email} has no sharing keys; the rotation was not made` });
      wrappedKeys.push({ userId: m.userId, wrappedKey: await keyring.grant({ vaultId: state.id, keyVersion, chain, recipient }) });
    }
    await session.call(api.vaults.rotate, { params: { vaultId: state.id }, body: { keyVersion, wrappedKeys } });
    return keyVersion;
  } finally {
    chain[0]?.fill(0);
  }
}

/** Whether a refused rotation lost to another manager's, or to a membership change: sync and look again. */
export function isRotationRace(error: unknown): boolean {
  return error instanceof WatchwordError && (error.code === 'KEY_VERSION_MISMATCH' || error.code === 'ROTATION_MEMBERS_MISMATCH');
}

/** A key rotation this client made. */
export interface KeyRotation {
  vaultId: string;
  /** The vault's name, when this member can open it. */
  name: string | null;
  keyVersion: number;
}

/**
 * Rotates each of `states` that owes a rotation (rotationPendingSince set) and that this account manages, once each.
 * A rotation lost to another manager's, or refused because the members changed meanwhile, is left to the sync that
 * follows (it shows the vault rotated, or still owing). A member whose key is not the pinned one, or who has no
 * sharing keys, stops that vault's rotation: recorded in `problems` (the vault stays refused for new content) while
 * the other vaults go on. Returns the rotations made and whether any was tried.
 */
export async function rotateOwedVaults(input: {
  session: Session;
  keyring: SharedKeyring;
  userId: string;
  states: Iterable<SharedVaultState>;
  problems: Map<string, Error>;
}): Promise<{ tried: boolean; rotated: KeyRotation[] }> {
  const { session, keyring, userId, problems } = input;
  const rotated: KeyRotation[] = [];
  let tried = false;
  for (const state of input.states) {
    if (state.rotationPendingSince === null || state.access !== 'manage') {
      problems.delete(state.id);
      continue;
    }
    tried = true;
    try {
      const keyVersion = await rotateVaultKey({ session, keyring, userId, state });
      problems.delete(state.id);
      rotated.push({ vaultId: state.id, name: state.name, keyVersion });
    } catch (error) {
      if (isRotationRace(error)) continue;
      if ((error instanceof WatchwordError && error.code === 'KEYS_REQUIRED') || error instanceof KeyChangedError) {
        problems.set(state.id, error);
        continue;
      }
      throw error;
    }
  }
  return { tried, rotated };
}
