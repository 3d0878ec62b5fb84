import {
  type AccountResponse,
  api,
  createSharingKeys,
  openSharingKeys,
  openVaultKeyGrant,
  openVaultName,
  type PublicKeys,
  sealVaultKeyGrant,
  type SharedVault,
  type SharingKeys,
  type VaultAccess,
  vaultKeyGrantGranter,
  vaultNameKeyVersion,
  WatchwordError,
} from '@watchword/protocol';
import type { Session } from '../session.ts';
import type { KeyPins } from './pins.ts';

/** A shared vault as this client holds it: its key chain (version → key) and decrypted name. */
export interface SharedVaultState {
  id: string;
  orgId: string;
  /** null when the name is sealed under a key version this member was not given. */
  name: string | null;
  /** The vault's current key version (new items are sealed under it). */
  keyVersion: number;
  access: VaultAccess;
  /** The cursor of this vault's items in the shared sync. */
  revision: number;
  /**
   * Since when the vault owes a key rotation (a member lost access and still holds the current key), or null. A
   * member with `manage` rotates it in the next sync; until then new content is refused.
   */
  rotationPendingSince: number | null;
  keys: Map<number, Uint8Array>;
}

/**
 * The keys of sharing for one unlocked account: its own sharing keys (registered on first need), the other members'
 * public keys (signature checked and pinned, pins.ts), and the shared vaults' key chains opened from their grants.
 */
export class SharedKeyring {
  readonly #session: Session;
  readonly #userId: string;
  readonly #accountKey: Uint8Array;
  readonly #account: AccountResponse;
  readonly pins: KeyPins;
  #own: SharingKeys | undefined;

  constructor(session: Session, account: AccountResponse, accountKey: Uint8Array, pins: KeyPins) {
    this.#session = session;
    this.#userId = account.userId;
    this.#account = account;
    this.#accountKey = accountKey;
    this.pins = pins;
  }

  /** This account's sharing keys: opened from the account, or made and registered the first time they are needed. */
  async ownKeys(): Promise<SharingKeys> {
    if (this.#own) return this.#own;
    const registered = this.#account.sharingKeys ?? (await this.#session.call(api.keys.own, {})).keys;
    if (registered) {
      this.#own = await openSharingKeys({ accountKey: this.#accountKey, userId: this.#userId, own: registered });
    } else {
      const { keys, registration } = await createSharingKeys({ accountKey: this.#accountKey, userId: this.#userId });
      try {
        await this.#session.call(api.keys.register, { body: registration });
        this.#own = keys;
      } catch (error) {
        // Another device of this account registered its keys first: use those.
        if (!(error instanceof WatchwordError) || error.code !== 'KEYS_ALREADY_REGISTERED') throw error;
        const theirs = (await this.#session.call(api.keys.own, {})).keys;
        if (!theirs) throw error;
        this.#own = await openSharingKeys({ accountKey: this.#accountKey, userId: this.#userId, own: theirs });
      }
    }
    return this.#own;
  }

  /** Another user's public keys from the server, signature checked and pinned. @throws {KeyChangedError} */
  async memberKeys(userId: string, email?: string): Promise<PublicKeys> {
    const { keys } = await this.#session.call(api.keys.publicKeys, { params: { userId } });
    if (keys.userId !== userId) throw new Error('the server answered with the keys of another user');
    await this.pins.check(keys, email);
    await this.pins.flush();
    return keys;
  }

  /** Opens the member's grant of a shared vault: checks who made it, then its signature, then unseals the key chain. */
  async openVault(vault: SharedVault): Promise<SharedVaultState> {
    const own = await this.ownKeys();
    const granter = vaultKeyGrantGranter(vault.wrappedKey);
    const granterKey = granter === this.#userId ? own.ed25519PublicKey : await this.#granterKey(granter);
    const chain = await openVaultKeyGrant({
      vaultId: vault.id,
      keyVersion: vault.memberKeyVersion,
      recipientUserId: this.#userId,
      sealed: vault.wrappedKey,
      recipient: { x25519PrivateKey: own.x25519PrivateKey, x25519PublicKey: own.x25519PublicKey },
      granterEd25519PublicKey: granterKey,
    });
    const keys = new Map<number, Uint8Array>(chain.map((key, i) => [vault.memberKeyVersion - i, key]));
    return { id: vault.id, orgId: vault.orgId, name: await this.openName(vault.id, vault.encryptedName, keys), keyVersion: vault.keyVersion, access: vault.access, revision: 0, rotationPendingSince: vault.rotationPendingSince, keys };
  }

  /** The granter's identity key: from the server (checked and pinned), or — once they left the organisation — as pinned. */
  async #granterKey(userId: string): Promise<string> {
    try {
      return (await this.memberKeys(userId)).ed25519PublicKey;
    } catch (error) {
      const pinned = this.pins.pinned(userId);
      if (pinned && error instanceof WatchwordError && error.code === 'USER_NOT_FOUND') return pinned.ed25519PublicKey;
      throw error;
    }
  }

  async openName(vaultId: string, sealed: string, keys: Map<number, Uint8Array>): Promise<string | null> {
    const key = keys.get(vaultNameKeyVersion(sealed));
    return key ? openVaultName({ vaultKey: key, vaultId, sealed }) : null;
  }

  /** A grant of `chain` (newest first, `chain[0]` of `keyVersion`) for `recipient`, signed with this account's identity key. */
  async grant(input: { vaultId: string; keyVersion: number; chain: readonly Uint8Array[]; recipient: { userId: string; x25519PublicKey: string } }): Promise<string> {
    const own = await this.ownKeys();
    return sealVaultKeyGrant({
      vaultId: input.vaultId,
      keyVersion: input.keyVersion,
      recipientUserId: input.recipient.userId,
      vaultKeys: input.chain,
      recipientX25519PublicKey: input.recipient.x25519PublicKey,
      granter: { userId: this.#userId, ed25519PrivateKey: own.ed25519PrivateKey },
    });
  }
}

/** The chain of a vault, newest first from `version` down, as far as this member holds it without a gap. */
export function keyChain(state: SharedVaultState, version = state.keyVersion): Uint8Array[] {
  const chain: Uint8Array[] = [];
  for (let v = version; v >= 1; v--) {
    const key = state.keys.get(v);
    if (!key) break;
    chain.push(key);
  }
  return chain;
}
